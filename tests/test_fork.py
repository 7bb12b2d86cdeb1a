"""fork() after start: the parent's clients raise in the child, new ones work, ids stay unique."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from _helpers import started_producer, unique_name

from rocketmq.client import Message, SendStatus
from rocketmq.exceptions import ClientUsedAfterFork

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")


def run_in_child(child) -> int:
    """Fork, run ``child()`` there (its return value is the exit status), return that status."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            status = child()
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return wait_status >> 8  # the exit status (os._exit never ends by a signal here)


def test_parent_clients_raise_in_the_child_and_new_ones_work(rocketmq_cluster):
    topic = unique_name("TopicFork")
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    producer.send_sync(Message(topic, "parent before fork"))

    def child() -> int:
        try:
            producer.send_sync(Message(topic, "must not be sent"))
            return 2
        except ClientUsedAfterFork as error:
            if "fork()" not in str(error):
                return 3
        fresh = started_producer(rocketmq_cluster.namesrv_addr)
        ok = fresh.send_sync(Message(topic, "child")).status == SendStatus.OK
        fresh.shutdown()
        producer.shutdown()  # a no-op here: the parent's client is the parent's to stop
        return 0 if ok else 4

    try:
        assert run_in_child(child) == 0
        assert producer.send_sync(Message(topic, "parent after fork")).status == SendStatus.OK
    finally:
        producer.shutdown()
    bodies = sorted(m.body for m in rocketmq_cluster.wait_for_messages(topic, 3))
    assert bodies == [b"child", b"parent after fork", b"parent before fork"]


def test_child_exiting_normally_does_not_touch_the_parents_clients(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        # sys.exit runs the child's atexit hooks, which must skip the parent's producer.
        pid = os.fork()
        if pid == 0:
            try:
                import sys

                sys.exit(0)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert status == 0
        assert producer.send_sync(Message(unique_name("TopicForkExit"), "x")).status == SendStatus.OK
    finally:
        producer.shutdown()


def _send_from_worker(namesrv: str, topic: str, count: int) -> list:
    producer = started_producer(namesrv)
    try:
        return [producer.send_sync(Message(topic, f"{os.getpid()}-{i}")).msg_id for i in range(count)]
    finally:
        producer.shutdown()


def test_forked_workers_make_unique_message_ids(rocketmq_namesrv_addr):
    topic = unique_name("TopicForkIds")
    parent_ids = _send_from_worker(rocketmq_namesrv_addr, topic, 50)
    context = multiprocessing.get_context("fork")
    with context.Pool(3) as pool:
        results = pool.starmap(_send_from_worker, [(rocketmq_namesrv_addr, topic, 50)] * 3)
    all_ids = parent_ids + [msg_id for ids in results for msg_id in ids]
    assert len(all_ids) == 200
    assert len(set(all_ids)) == 200
