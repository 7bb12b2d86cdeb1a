"""Producer throughput and latency.

    python bench/bench_producer.py --namesrv 127.0.0.1:9876 --mode sync --threads 8 --count 20000

Without --namesrv an embedded name server and broker are started in a child
process (so their CPU time is not charged to the client's interpreter).
Prints msgs/s, latency percentiles and the client's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from typing import List

from _common import (
    LatencyRecorder,
    add_common_arguments,
    embedded_cluster_or_address,
    peak_rss_mib,
    print_report,
    process_cpu_seconds,
)

from rocketmq.aio import AsyncProducer
from rocketmq.client import Message, Producer
from rocketmq.exceptions import RocketMQException

MODES = ("sync", "oneway", "async", "batch", "aio")


def build_message(topic: str, body: bytes) -> Message:
    message = Message(topic)
    message.set_tags("bench")
    message.set_body(body)
    return message


# The runners return how many of their messages failed: a failed send is
# counted and the run goes on, so a broker that falls behind shows in the
# report instead of ending a worker thread unnoticed.

def run_sync(producer: Producer, topic: str, body: bytes, count: int, latencies: LatencyRecorder) -> int:
    failed = 0
    for _ in range(count):
        message = build_message(topic, body)
        started = time.perf_counter()
        try:
            producer.send_sync(message)
        except RocketMQException:
            failed += 1
            continue
        latencies.add(time.perf_counter() - started)
    return failed


def run_oneway(producer: Producer, topic: str, body: bytes, count: int, latencies: LatencyRecorder) -> int:
    failed = 0
    for _ in range(count):
        message = build_message(topic, body)
        started = time.perf_counter()
        try:
            producer.send_oneway(message)
        except RocketMQException:
            failed += 1
            continue
        latencies.add(time.perf_counter() - started)
    return failed


def run_batch(producer: Producer, topic: str, body: bytes, count: int, latencies: LatencyRecorder,
              batch_size: int) -> int:
    sent = failed = 0
    while sent < count:
        size = min(batch_size, count - sent)
        batch = [build_message(topic, body) for _ in range(size)]
        started = time.perf_counter()
        try:
            producer.send_batch(batch)
            latencies.add(time.perf_counter() - started)
        except RocketMQException:
            failed += size
        sent += size
    return failed


def run_async(producer: Producer, topic: str, body: bytes, count: int, latencies: LatencyRecorder,
              window: int) -> int:
    """Keeps at most `window` sends in flight; returns the number of failures."""
    in_flight = threading.Semaphore(window)
    finished = threading.Event()
    lock = threading.Lock()
    state = {"done": 0, "failed": 0}

    def complete(started: float, failed: bool) -> None:
        latencies.add(time.perf_counter() - started)
        with lock:
            state["done"] += 1
            state["failed"] += int(failed)
            if state["done"] == count:
                finished.set()
        in_flight.release()

    for _ in range(count):
        in_flight.acquire()
        started = time.perf_counter()
        producer.send_async(
            build_message(topic, body),
            lambda _result, started=started: complete(started, False),
            lambda _error, started=started: complete(started, True),
        )
    finished.wait(timeout=120)
    return state["failed"]


def run_aio(namesrv: str, topic: str, body: bytes, count: int, latencies: LatencyRecorder,
            window: int) -> None:
    """One event loop; `window` coroutines each awaiting one send after another."""

    async def sender(producer: AsyncProducer, sends: int) -> None:
        for _ in range(sends):
            started = time.perf_counter()
            await producer.send(build_message(topic, body))
            latencies.add(time.perf_counter() - started)

    async def main() -> None:
        async with AsyncProducer("bench_aio_group", name_server_address=namesrv,
                                 max_in_flight=window) as producer:
            await producer.send(build_message(topic, body))  # warm-up: route and connection
            coroutines = min(window, count)
            base, extra = divmod(count, coroutines)
            shares = [base + (1 if index < extra else 0) for index in range(coroutines)]
            await asyncio.gather(*(sender(producer, share) for share in shares))

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--mode", choices=MODES, default="sync")
    parser.add_argument("--batch-size", type=int, default=32, help="messages per batch in batch mode")
    parser.add_argument("--window", type=int, default=1000, help="async sends in flight")
    args = parser.parse_args()

    body = b"x" * args.size
    with embedded_cluster_or_address(args.namesrv) as namesrv:
        producer = Producer("bench_producer_group")
        producer.set_name_server_address(namesrv)
        producer.start()
        try:
            # Warm up: route lookup and connection set-up are not what we measure.
            producer.send_sync(build_message(args.topic, body))
            per_thread = args.count // args.threads
            latencies = LatencyRecorder()
            failures: List[int] = []

            def worker() -> None:
                topic = args.topic
                if args.mode == "sync":
                    failures.append(run_sync(producer, topic, body, per_thread, latencies))
                elif args.mode == "oneway":
                    failures.append(run_oneway(producer, topic, body, per_thread, latencies))
                elif args.mode == "batch":
                    failures.append(run_batch(producer, topic, body, per_thread, latencies, args.batch_size))
                elif args.mode == "aio":
                    run_aio(namesrv, topic, body, per_thread, latencies, args.window)
                else:
                    failures.append(run_async(producer, topic, body, per_thread, latencies, args.window))

            threads = [threading.Thread(target=worker) for _ in range(args.threads)]
            cpu_before = process_cpu_seconds()
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            cpu_used = process_cpu_seconds() - cpu_before
        finally:
            producer.shutdown()

    # Rates and CPU per message count the messages that were sent.
    failed = sum(failures)
    print_report(
        title=f"produce mode={args.mode} size={args.size}B threads={args.threads}",
        messages=per_thread * args.threads - failed,
        elapsed=elapsed,
        latencies=latencies,
        latency_label="batch latency" if args.mode == "batch" else "send latency",
        rss_mib=peak_rss_mib(),
        cpu_seconds=cpu_used,
        failed=failed,
    )


if __name__ == "__main__":
    main()
