"""Results of asynchronous sends reach Python through the send-completions thread, over real TCP."""

from __future__ import annotations

import logging
import threading
import time

from _helpers import started_producer, unique_name

from rocketmq import _send_completions
from rocketmq.client import Message, SendStatus


def test_results_run_on_the_completion_thread_and_all_arrive(rocketmq_namesrv_addr):
    topic = unique_name("TopicCompletions")
    producer = started_producer(rocketmq_namesrv_addr)
    threads, statuses = set(), []
    everything = threading.Event()

    def on_success(result):
        threads.add(threading.current_thread().name)
        statuses.append(result.status)
        if len(statuses) == 300:
            everything.set()

    try:
        futures = [producer.send_async(Message(topic, f"m{i}"), on_success) for i in range(300)]
        assert everything.wait(30)
        assert all(future.result(timeout=10).status == SendStatus.OK for future in futures)
    finally:
        producer.shutdown()
    assert threads == {"rocketmq-send-completions"}
    assert statuses == [SendStatus.OK] * 300
    stats = producer.stats()
    assert (stats.sent, stats.failed, stats.in_flight) == (300, 0, 0)


def test_shutdown_returns_only_after_every_result_was_delivered(rocketmq_namesrv_addr):
    topic = unique_name("TopicCompletionsShutdown")
    producer = started_producer(rocketmq_namesrv_addr)
    delivered = []

    def slow_success(result):
        time.sleep(0.002)  # results pile up in the queue behind this one
        delivered.append(result.msg_id)

    try:
        for i in range(200):
            producer.send_async(Message(topic, f"m{i}"), slow_success, lambda error: delivered.append(error))
    finally:
        producer.shutdown()
    # Nothing left to arrive later: shutdown waited for the queue to be worked off.
    assert len(delivered) == 200


def test_a_raising_callback_is_logged_and_later_results_still_arrive(rocketmq_namesrv_addr, caplog):
    topic = unique_name("TopicCompletionsRaise")
    producer = started_producer(rocketmq_namesrv_addr)
    calls = []

    def on_success(result):
        calls.append(result)
        if len(calls) == 1:
            raise RuntimeError("callback bug")

    try:
        with caplog.at_level(logging.ERROR, logger="rocketmq"):
            futures = [producer.send_async(Message(topic, f"m{i}"), on_success) for i in range(20)]
            for future in futures:
                future.result(timeout=10)
    finally:
        producer.shutdown()
    assert len(calls) == 20
    assert any("on_success callback raised" in record.getMessage() for record in caplog.records)


def test_a_callback_may_shut_its_own_producer_down(rocketmq_namesrv_addr):
    topic = unique_name("TopicCompletionsSelfShutdown")
    producer = started_producer(rocketmq_namesrv_addr)
    finished = threading.Event()

    def shut_down(_result):
        producer.shutdown()  # on the completion thread: must not wait for itself
        finished.set()

    future = producer.send_async(Message(topic, "last"), shut_down)
    future.result(timeout=10)
    assert finished.wait(10)
    producer.shutdown()  # already down: does nothing


def test_drain_waits_for_queued_results_and_times_out_on_a_blocked_callback(rocketmq_namesrv_addr):
    topic = unique_name("TopicCompletionsDrain")
    producer = started_producer(rocketmq_namesrv_addr)
    release = threading.Event()
    entered = threading.Event()

    def blocked(_result):
        entered.set()
        release.wait(10)

    try:
        producer.send_async(Message(topic, "blocks"), blocked)
        assert entered.wait(10)
        producer.send_async(Message(topic, "queued behind it"))
        time.sleep(0.2)  # its result is queued behind the blocked callback by now
        started = time.monotonic()
        assert _send_completions.drain(0.3) is False
        assert 0.25 <= time.monotonic() - started < 2.0
        release.set()
        assert _send_completions.drain(10) is True
    finally:
        release.set()
        producer.shutdown()
