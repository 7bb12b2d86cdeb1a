"""Quick start: an embedded name server + broker, a producer and a push consumer.

Code written for rocketmq-client-python runs as it is: only the name server
address changes between this embedded broker and a real RocketMQ cluster.
"""

from __future__ import annotations

import threading

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, ReceivedMessage
from rocketmq.testing.server import EmbeddedCluster

TOPIC = "QuickStartTopic"


def main() -> None:
    with EmbeddedCluster() as cluster:
        print(f"embedded name server at {cluster.namesrv_addr}, broker at {cluster.broker_addr}")

        producer = Producer("QuickStartProducer")
        producer.set_name_server_address(cluster.namesrv_addr)
        producer.start()
        try:
            for index in range(3):
                message = Message(TOPIC)
                message.set_keys(f"order-{index}")
                message.set_tags("created")
                message.set_body(f'{{"order": {index}}}')
                result = producer.send_sync(message)
                print(f"sent order-{index}: status={result.status.name} id={result.msg_id} "
                      f"offset={result.offset}")

            done = threading.Event()
            message = Message(TOPIC)
            message.set_tags("async")
            message.set_body(b"binary \x00 body, sent without waiting")
            producer.send_async(
                message,
                lambda result: (print(f"async send done: id={result.msg_id}"), done.set()),
                lambda error: (print(f"async send failed: {error}"), done.set()),
            )
            done.wait(10)
        finally:
            producer.shutdown()

        received = threading.Semaphore(0)

        def on_message(message: ReceivedMessage) -> ConsumeStatus:
            # Several consume threads print at once: the line and its newline in one write.
            line = f"consumed {message.id}: tags={message.tags!r} keys={message.keys!r} body={message.body!r}"
            print(line + "\n", end="", flush=True)
            received.release()
            return ConsumeStatus.CONSUME_SUCCESS

        consumer = PushConsumer("QuickStartConsumer")
        consumer.set_name_server_address(cluster.namesrv_addr)
        consumer.subscribe(TOPIC, on_message)
        consumer.start()
        try:
            for _ in range(4):
                if not received.acquire(timeout=10):
                    raise SystemExit("timed out waiting for the messages")
        finally:
            consumer.shutdown()
        print("done: 4 messages sent and consumed")


if __name__ == "__main__":
    main()
