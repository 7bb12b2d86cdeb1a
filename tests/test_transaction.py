"""Transactional producer end to end: half message, local transaction, commit / rollback / check."""

from __future__ import annotations

import threading
import time

import pytest
from _helpers import stored_body, unique_name

from rocketmq.client import Message, SendStatus, TransactionMQProducer, TransactionStatus

HALF_TOPIC = "RMQ_SYS_TRANS_HALF_TOPIC"


def make_message(topic, body):
    message = Message(topic)
    message.set_keys("tx-key")
    message.set_tags("tx")
    message.set_body(body)
    return message


def start_producer(namesrv_addr, checker, timeout=None):
    producer = TransactionMQProducer(unique_name("PID_tx"), checker, timeout=timeout)
    producer.set_name_server_address(namesrv_addr)
    producer.start()
    return producer


def visible(cluster, topic):
    return [m for m in cluster.messages(topic)]


def test_commit_makes_the_message_visible(rocketmq_namesrv_addr, rocketmq_cluster):
    topic = unique_name("TxCommit")
    producer = start_producer(rocketmq_namesrv_addr, lambda msg: TransactionStatus.UNKNOWN)
    seen = []

    def local_execute(message, user_args):
        seen.append((message.body, user_args))
        return TransactionStatus.COMMIT

    try:
        result = producer.send_message_in_transaction(make_message(topic, b"commit me"), local_execute,
                                                      "args")
    finally:
        producer.shutdown()
    assert result.status == SendStatus.OK
    assert seen == [(b"commit me", "args")]
    committed = rocketmq_cluster.wait_for_messages(topic, 1)
    assert stored_body(committed[0]) == b"commit me"
    assert committed[0].uniq_key == result.msg_id


def test_rollback_discards_the_message(rocketmq_namesrv_addr, rocketmq_cluster):
    topic = unique_name("TxRollback")
    producer = start_producer(rocketmq_namesrv_addr, lambda msg: TransactionStatus.UNKNOWN)
    try:
        producer.send_message_in_transaction(make_message(topic, b"roll back"),
                                             lambda message, args: TransactionStatus.ROLLBACK)
    finally:
        producer.shutdown()
    half = [m for m in rocketmq_cluster.messages(HALF_TOPIC) if m.properties.get("REAL_TOPIC") == topic]
    assert len(half) == 1, "the half message reached the broker"
    time.sleep(0.3)
    assert visible(rocketmq_cluster, topic) == []


def test_unknown_state_is_resolved_by_the_checker(rocketmq_namesrv_addr, rocketmq_cluster):
    topic = unique_name("TxCheck")
    checked = []
    checked_event = threading.Event()

    def checker(message):
        checked.append((message.topic, message.body, message.keys))
        checked_event.set()
        return TransactionStatus.COMMIT

    producer = start_producer(rocketmq_namesrv_addr, checker)
    try:
        producer.send_message_in_transaction(make_message(topic, b"ask me later"),
                                             lambda message, args: TransactionStatus.UNKNOWN)
        assert visible(rocketmq_cluster, topic) == []
        # The fixture's broker checks unresolved half messages every second.
        assert checked_event.wait(15), "the broker's transaction check reached the checker"
        committed = rocketmq_cluster.wait_for_messages(topic, 1, timeout=10)
    finally:
        producer.shutdown()
    assert checked[0] == (topic, b"ask me later", b"tx-key")
    assert stored_body(committed[0]) == b"ask me later"


def test_raising_local_transaction_leaves_it_to_the_checker(rocketmq_namesrv_addr, rocketmq_cluster):
    topic = unique_name("TxRaise")
    decided = threading.Event()

    def checker(message):
        decided.set()
        return TransactionStatus.ROLLBACK

    def local_execute(message, args):
        raise RuntimeError("database is down")

    producer = start_producer(rocketmq_namesrv_addr, checker)
    try:
        result = producer.send_message_in_transaction(make_message(topic, b"x"), local_execute)
        assert result.status == SendStatus.OK
        assert decided.wait(15)
    finally:
        producer.shutdown()
    time.sleep(0.3)
    assert visible(rocketmq_cluster, topic) == []


def test_transaction_producer_honours_its_timeout(rocketmq_namesrv_addr, rocketmq_faults):
    topic = unique_name("TxTimeout")
    producer = start_producer(rocketmq_namesrv_addr, lambda msg: TransactionStatus.UNKNOWN, timeout=500)
    try:
        producer.send_message_in_transaction(make_message(topic, b"warm"),
                                             lambda m, a: TransactionStatus.ROLLBACK)
        rocketmq_faults.delay(310, 3.0)
        started = time.monotonic()
        with pytest.raises(Exception):
            producer.send_message_in_transaction(make_message(topic, b"slow"),
                                                 lambda m, a: TransactionStatus.COMMIT)
        assert time.monotonic() - started < 2.5
    finally:
        rocketmq_faults.clear()
        producer.shutdown()
