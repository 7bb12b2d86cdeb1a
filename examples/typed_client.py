"""A small program written against the typed API; `mypy --strict` checks it in CI.

Usage: python examples/typed_client.py NAMESRV_ADDR [TOPIC]
"""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import Future
from typing import List

from rocketmq.aio import AsyncProducer, AsyncPushConsumer
from rocketmq.client import ConsumeStatus, Message, Producer, SendResult, SendStatus
from rocketmq.message import DetachedMessage


def send_with_futures(namesrv: str, topic: str, count: int) -> List[SendResult]:
    producer = Producer("typed_client_sync")
    producer.set_name_server_address(namesrv)
    with producer:
        futures: List["Future[SendResult]"] = [
            producer.send_async(Message(topic, f"sync {i}", keys=f"k{i}", properties={"n": str(i)}))
            for i in range(count)
        ]
        results = [future.result(timeout=20) for future in futures]
        print(f"futures: {producer.stats().sent} sent, p50 {producer.stats().latency.p50_ms:.2f} ms")
    return results


async def handle(message: DetachedMessage) -> ConsumeStatus:
    print(f"received {message.text!r} (n={message.properties.get('n')})")
    return ConsumeStatus.CONSUME_SUCCESS


async def round_trip(namesrv: str, topic: str, count: int) -> int:
    async with AsyncProducer("typed_client_aio", name_server_address=namesrv) as producer:
        results = await asyncio.gather(*(producer.send(Message(topic, f"aio {i}")) for i in range(count)))
        assert all(result.status == SendStatus.OK for result in results)

    consumer = AsyncPushConsumer("typed_client_group", name_server_address=namesrv)
    consumer.subscribe(topic, handle)
    async with consumer:
        while consumer.stats().consumed < 2 * count:
            await asyncio.sleep(0.05)
        return consumer.stats().consumed


def main(argv: List[str]) -> int:
    namesrv = argv[1]
    topic = argv[2] if len(argv) > 2 else "TypedClient"
    sent = send_with_futures(namesrv, topic, 5)
    consumed = asyncio.run(asyncio.wait_for(round_trip(namesrv, topic, 5), 60))
    print(f"{len(sent)} + 5 sent, {consumed} consumed")
    return 0 if consumed >= 10 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
