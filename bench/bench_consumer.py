"""Push consumer throughput and end-to-end latency.

    python bench/bench_consumer.py --namesrv 127.0.0.1:9876 --count 20000 --threads 4

Preloads --count messages into --topic (skip with --no-preload to drain an
existing topic), then consumes them with a fresh group and prints msgs/s,
end-to-end latency percentiles (born timestamp to callback) and peak RSS.
Without --namesrv an embedded name server and broker run in a child process.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
import uuid
from typing import List

from _common import (
    LatencyRecorder,
    add_common_arguments,
    embedded_cluster_or_address,
    peak_rss_mib,
    print_report,
    process_cpu_seconds,
)

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, ReceivedMessage


def preload(namesrv: str, topic: str, count: int, body: bytes, batch_size: int = 64) -> None:
    producer = Producer("bench_preload_group")
    producer.set_name_server_address(namesrv)
    producer.start()
    try:
        sent = 0
        while sent < count:
            batch = []
            for _ in range(min(batch_size, count - sent)):
                message = Message(topic)
                message.set_body(body)
                batch.append(message)
            producer.send_batch(batch)
            sent += len(batch)
    finally:
        producer.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--no-preload", action="store_true", help="consume what the topic already holds")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after this many seconds")
    parser.add_argument("--callback", choices=("measure", "empty", "batch"), default="measure",
                        help="measure: record end-to-end latency per message; empty: only count (the cost of "
                             "delivery itself); batch: only count, through subscribe_batch lists of 32")
    args = parser.parse_args()

    with embedded_cluster_or_address(args.namesrv) as namesrv:
        if not args.no_preload:
            preload(namesrv, args.topic, args.count, b"x" * args.size)

        latencies = LatencyRecorder()
        lock = threading.Lock()
        state = {"consumed": 0}
        done = threading.Event()

        def on_message(message: ReceivedMessage) -> ConsumeStatus:
            latencies.add(max(0.0, time.time() - message.born_timestamp / 1000.0))
            with lock:
                state["consumed"] += 1
                if state["consumed"] >= args.count:
                    done.set()
            return ConsumeStatus.CONSUME_SUCCESS

        consumed = itertools.count(1)

        def on_message_empty(message: ReceivedMessage) -> ConsumeStatus:
            # next() on itertools.count is atomic under the GIL: no lock.
            if next(consumed) == args.count:
                state["consumed"] = args.count
                done.set()
            return ConsumeStatus.CONSUME_SUCCESS

        consumer = PushConsumer("bench_consumer_" + uuid.uuid4().hex[:8])
        consumer.set_name_server_address(namesrv)
        consumer.set_thread_count(args.threads)
        def on_list(messages: List[ReceivedMessage]) -> ConsumeStatus:
            total = 0
            for _ in messages:
                total = next(consumed)
            if total >= args.count:
                state["consumed"] = args.count
                done.set()
            return ConsumeStatus.CONSUME_SUCCESS

        if args.callback == "batch":
            consumer.set_message_batch_max_size(32)
            consumer.subscribe_batch(args.topic, on_list)
        else:
            consumer.subscribe(args.topic, on_message if args.callback == "measure" else on_message_empty)
        cpu_before = process_cpu_seconds()
        started = time.perf_counter()
        consumer.start()
        done.wait(args.timeout)
        elapsed = time.perf_counter() - started
        cpu_used = process_cpu_seconds() - cpu_before
        consumer.shutdown()

    print_report(
        title=f"consume size={args.size}B threads={args.threads} callback={args.callback}",
        messages=state["consumed"],
        elapsed=elapsed,
        latencies=latencies,
        latency_label="end-to-end",
        rss_mib=peak_rss_mib(),
        cpu_seconds=cpu_used,
    )


if __name__ == "__main__":
    main()
