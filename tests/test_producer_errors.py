"""Bad input and broken brokers: each a clear Python exception within the timeout, never a crash."""

from __future__ import annotations

import socket
import time

import pytest
from _helpers import free_port, unique_name

from rocketmq.client import Message, Producer, SendStatus
from rocketmq.exceptions import (
    ProducerSendOnewayFailed,
    ProducerSendSyncFailed,
    ProducerStartFailed,
    RocketMQException,
)


@pytest.fixture
def producer(rocketmq_namesrv_addr):
    producer = Producer(unique_name("PID_err"), timeout=1000)
    producer.set_name_server_address(rocketmq_namesrv_addr)
    producer.start()
    yield producer
    producer.shutdown()


def make_message(topic, body=b"body"):
    message = Message(topic)
    message.set_body(body)
    return message


@pytest.mark.parametrize("topic", ["bad topic", "topic/with/slash", "a" * 128, "TBW102"])
def test_invalid_topic_is_rejected(producer, topic):
    with pytest.raises(ProducerSendSyncFailed, match="(?i)topic"):
        producer.send_sync(make_message(topic))


def test_tdmq_style_names_are_accepted(rocketmq_namesrv_addr, rocketmq_cluster):
    topic = "rocketmq-xxx|namespace_python%topic1"
    producer = Producer("rocketmq-xxx|namespace_python%group1")
    producer.set_name_server_address(rocketmq_namesrv_addr)
    producer.start()
    try:
        assert producer.send_sync(make_message(topic)).status == SendStatus.OK
    finally:
        producer.shutdown()
    assert len(rocketmq_cluster.wait_for_messages(topic, 1)) == 1


def test_invalid_group_fails_at_start(rocketmq_namesrv_addr):
    producer = Producer("bad group name")
    producer.set_name_server_address(rocketmq_namesrv_addr)
    with pytest.raises(ProducerStartFailed, match="(?i)group"):
        producer.start()


def test_empty_body_is_rejected(producer):
    with pytest.raises(ProducerSendSyncFailed, match="(?i)body"):
        producer.send_sync(make_message(unique_name("EmptyTopic"), b""))


def test_body_over_the_max_size_is_rejected(rocketmq_namesrv_addr):
    producer = Producer(unique_name("PID_size"), max_message_size=1024)
    producer.set_name_server_address(rocketmq_namesrv_addr)
    producer.start()
    try:
        with pytest.raises(ProducerSendSyncFailed, match="(?i)body|size"):
            producer.send_sync(make_message(unique_name("BigTopic"), b"x" * 2048))
        assert producer.send_sync(make_message(unique_name("BigTopic"), b"x" * 1024)).status == SendStatus.OK
    finally:
        producer.shutdown()


def test_default_max_size_is_4_mib(producer):
    with pytest.raises(ProducerSendSyncFailed, match="(?i)body|size"):
        producer.send_sync(make_message(unique_name("HugeTopic"), b"x" * (4 * 1024 * 1024 + 1)))


@pytest.mark.parametrize("level", [-1, 19, 100])
def test_delay_level_out_of_range_is_rejected(producer, level):
    message = make_message(unique_name("DelayTopic"))
    with pytest.raises((ValueError, RocketMQException)):
        message.set_delay_time_level(level)
        producer.send_sync(message)


def test_send_before_start_is_rejected(rocketmq_namesrv_addr):
    producer = Producer(unique_name("PID_idle"))
    producer.set_name_server_address(rocketmq_namesrv_addr)
    with pytest.raises(ProducerSendSyncFailed, match="(?i)not started|not running"):
        producer.send_sync(make_message(unique_name("IdleTopic")))
    with pytest.raises(ProducerSendOnewayFailed):
        producer.send_oneway(make_message(unique_name("IdleTopic")))


def test_send_after_shutdown_is_rejected(rocketmq_namesrv_addr):
    producer = Producer(unique_name("PID_done"))
    producer.set_name_server_address(rocketmq_namesrv_addr)
    producer.start()
    producer.shutdown()
    producer.shutdown()  # harmless
    with pytest.raises(ProducerSendSyncFailed):
        producer.send_sync(make_message(unique_name("DoneTopic")))


@pytest.mark.parametrize("bad", [None, 42, 3.5, object()])
def test_wrong_types_raise_type_error(producer, bad):
    with pytest.raises(TypeError):
        producer.send_sync(bad)
    with pytest.raises(TypeError):
        Message(bad)


def test_unreachable_name_server_fails_within_the_timeout():
    producer = Producer(unique_name("PID_nowhere"), timeout=1500)
    producer.set_name_server_address("127.0.0.1:%d" % free_port())
    producer.start()
    try:
        started = time.monotonic()
        with pytest.raises(ProducerSendSyncFailed):
            producer.send_sync(make_message(unique_name("NowhereTopic")))
        assert time.monotonic() - started < 3.0
    finally:
        producer.shutdown()


def test_name_server_failover(rocketmq_namesrv_addr, rocketmq_cluster):
    topic = unique_name("FailoverTopic")
    producer = Producer(unique_name("PID_failover"))
    producer.set_name_server_address("127.0.0.1:%d;%s" % (free_port(), rocketmq_namesrv_addr))
    producer.start()
    try:
        assert producer.send_sync(make_message(topic)).status == SendStatus.OK
    finally:
        producer.shutdown()
    assert len(rocketmq_cluster.wait_for_messages(topic, 1)) == 1


def test_broker_that_never_answers_times_out(producer, rocketmq_faults):
    topic = unique_name("SilentTopic")
    producer.send_sync(make_message(topic))
    rocketmq_faults.never_answer(310)
    started = time.monotonic()
    with pytest.raises(ProducerSendSyncFailed, match="(?i)timed out|timeout"):
        producer.send_sync(make_message(topic))
    # One broker: the retries share the send timeout instead of multiplying it.
    assert time.monotonic() - started < 2.5


def test_broker_that_drops_the_connection_fails_cleanly(producer, rocketmq_faults):
    topic = unique_name("DropTopic")
    producer.send_sync(make_message(topic))
    rocketmq_faults.close_connection_on(310)
    with pytest.raises(ProducerSendSyncFailed):
        producer.send_sync(make_message(topic))
    rocketmq_faults.clear()
    # The connection is re-established for the next send.
    assert producer.send_sync(make_message(topic)).status == SendStatus.OK


def test_transient_broker_error_is_retried(producer, rocketmq_cluster, rocketmq_faults):
    topic = unique_name("BusyTopic")
    producer.send_sync(make_message(topic))
    rocketmq_faults.respond_with_error(310, response_code=2, remark="broker busy")  # SYSTEM_BUSY
    with pytest.raises(ProducerSendSyncFailed, match="broker busy"):
        producer.send_sync(make_message(topic))
    counts_before = rocketmq_cluster.request_counts().get(310, 0)
    with pytest.raises(ProducerSendSyncFailed):
        producer.send_sync(make_message(topic))
    # 1 attempt + 2 retries, as DefaultMQProducer's retryTimesWhenSendFailed.
    assert rocketmq_cluster.request_counts().get(310, 0) - counts_before == 3


@pytest.mark.parametrize("code,status", [(10, SendStatus.FLUSH_DISK_TIMEOUT),
                                         (12, SendStatus.FLUSH_SLAVE_TIMEOUT),
                                         (11, SendStatus.SLAVE_NOT_AVAILABLE)])
def test_store_statuses_map_to_send_status(producer, rocketmq_faults, code, status):
    topic = unique_name("StatusTopic")
    producer.send_sync(make_message(topic))
    rocketmq_faults.respond_with_error(310, response_code=code, remark="store status")
    result = producer.send_sync(make_message(topic))
    assert result.status == status


def test_garbage_from_the_broker_is_an_error_not_a_crash(producer, rocketmq_cluster):
    """A peer that answers with bytes that are no RocketMQ frame."""
    topic = unique_name("GarbageTopic")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    fake_namesrv = "127.0.0.1:%d" % listener.getsockname()[1]
    garbage_producer = Producer(unique_name("PID_garbage"), timeout=1000)
    garbage_producer.set_name_server_address(fake_namesrv)
    garbage_producer.start()
    try:
        import threading

        def answer_garbage():
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.sendall(b"\x00\x00\x00\x08\xff\xff\xff\xffHTTP/1.1 400\r\n")
            time.sleep(0.5)
            conn.close()

        server = threading.Thread(target=answer_garbage, daemon=True)
        server.start()
        with pytest.raises(ProducerSendSyncFailed):
            garbage_producer.send_sync(make_message(topic))
        server.join(5)
    finally:
        garbage_producer.shutdown()
        listener.close()


def test_send_without_a_name_server_says_so():
    producer = Producer(unique_name("PID_no_namesrv"))
    producer.start()
    try:
        with pytest.raises(ProducerSendSyncFailed, match="name server"):
            producer.send_sync(make_message(unique_name("NoNamesrvTopic")))
    finally:
        producer.shutdown()
