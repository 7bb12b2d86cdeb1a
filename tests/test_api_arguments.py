"""Producers and consumers check their arguments before calling the core."""

import pytest

from rocketmq.client import Message, Producer, PushConsumer, TransactionMQProducer, TransactionStatus
from rocketmq.ffi import MessageModel


def checker(message):
    return TransactionStatus.COMMIT


@pytest.fixture
def producer():
    producer = Producer("ArgumentsProducerGroup")
    yield producer
    producer.shutdown()


@pytest.fixture
def consumer():
    consumer = PushConsumer("ArgumentsConsumerGroup")
    yield consumer
    consumer.shutdown()


@pytest.mark.parametrize("group", [None, 1, object()])
def test_group_must_be_a_string(group):
    with pytest.raises(TypeError, match="group_id"):
        Producer(group)
    with pytest.raises(TypeError, match="group_id"):
        PushConsumer(group)
    with pytest.raises(TypeError, match="group_id"):
        TransactionMQProducer(group, checker)


def test_transaction_checker_must_be_callable():
    with pytest.raises(TypeError, match="checker_callback"):
        TransactionMQProducer("TxGroup", None)


def test_constructor_options_are_type_checked():
    with pytest.raises(TypeError, match="timeout"):
        Producer("G", timeout="1000")
    with pytest.raises(TypeError, match="level"):
        Producer("G", compress_level=1.5)
    with pytest.raises(TypeError, match="max_size"):
        Producer("G", max_message_size="4M")
    with pytest.raises(TypeError, match="timeout"):
        TransactionMQProducer("G", checker, timeout="1")


def test_constructor_options_are_accepted():
    Producer("G", orderly=True, timeout=1000, compress_level=5, max_message_size=1024 * 1024).shutdown()
    TransactionMQProducer("G", checker, user_args=object(), timeout=1000).shutdown()


@pytest.mark.parametrize("method, args", [
    ("set_group", (None,)),
    ("set_instance_name", (None,)),
    ("set_name_server_address", (None,)),
    ("set_name_server_address", (123,)),
    ("set_name_server_domain", (None,)),
    ("set_session_credentials", (None, "secret", "channel")),
    ("set_session_credentials", ("key", None, "channel")),
    ("set_session_credentials", ("key", "secret", None)),
    ("set_timeout", ("10",)),
    ("set_compress_level", (None,)),
    ("set_max_message_size", (None,)),
    ("set_send_latency_fault_enable", (1,)),
    ("set_send_latency_fault_enable", (None,)),
    ("set_poll_name_server_interval", (1.5,)),
    ("set_poll_name_server_interval", ("1000",)),
    ("send_sync", ("not a message",)),
    ("send_sync", (None,)),
    ("send_oneway", (b"bytes",)),
    ("send_orderly_with_sharding_key", (None, "key")),
    ("send_batch", ([Message("T"), "not a message"],)),
    ("send_batch", (None,)),
])
def test_producer_argument_types(producer, method, args):
    with pytest.raises(TypeError):
        getattr(producer, method)(*args)


def test_producer_callback_arguments(producer):
    message = Message("T")
    with pytest.raises(TypeError, match="sharding_key"):
        producer.send_orderly_with_sharding_key(message, None)
    with pytest.raises(TypeError, match="selector"):
        producer.send_orderly(message, None)
    with pytest.raises(TypeError, match="on_success"):
        producer.send_async(message, "not callable", print)
    with pytest.raises(TypeError, match="on_exception"):
        producer.send_async(message, print, "x")
    with pytest.raises(TypeError):
        producer.send_batch(message)
    with pytest.raises(ValueError):
        producer.send_batch([])


def test_transaction_send_arguments():
    producer = TransactionMQProducer("TxGroup", checker)
    with pytest.raises(TypeError, match="local_execute"):
        producer.send_message_in_transaction(Message("T"), None)
    with pytest.raises(TypeError):
        producer.send_message_in_transaction("not a message", lambda message, args: TransactionStatus.COMMIT)


@pytest.mark.parametrize("method, args", [
    ("subscribe", (None, print)),
    ("subscribe", ("Topic", None)),
    ("subscribe", ("Topic", print, None)),
    ("set_group", (None,)),
    ("set_name_server_address", (None,)),
    ("set_name_server_domain", (1,)),
    ("set_session_credentials", ("key", "secret", None)),
    ("set_thread_count", ("4",)),
    ("set_message_batch_max_size", (None,)),
    ("set_instance_name", (None,)),
    ("set_message_model", ("CLUSTERING",)),
    ("set_message_model", (None,)),
    ("set_poll_name_server_interval", (None,)),
])
def test_consumer_argument_types(consumer, method, args):
    with pytest.raises(TypeError):
        getattr(consumer, method)(*args)


def test_consumer_message_model_is_checked():
    with pytest.raises(TypeError):
        PushConsumer("G", message_model="BROADCASTING")
    PushConsumer("G", message_model=MessageModel.BROADCASTING).shutdown()
    PushConsumer("G", orderly=True, message_model=1).shutdown()


def test_configuration_is_accepted(producer, consumer):
    producer.set_group("OtherGroup")
    producer.set_instance_name("instance")
    producer.set_name_server_address("127.0.0.1:9876")
    producer.set_session_credentials("key", "secret", "ALIYUN")
    producer.set_timeout(1000)
    producer.set_compress_level(5)
    producer.set_max_message_size(1024)
    producer.set_message_trace(False)
    consumer.set_group("OtherGroup")
    consumer.set_name_server_address("127.0.0.1:9876")
    consumer.set_session_credentials("key", "secret", "ALIYUN")
    consumer.set_thread_count(2)
    consumer.set_message_batch_max_size(1)
    consumer.set_instance_name("instance")
    consumer.set_message_model(MessageModel.CLUSTERING)
    consumer.set_message_trace(False)
    consumer.subscribe("Topic", print)
    consumer.subscribe("Other", print, "TagA || TagB")


@pytest.mark.parametrize("interval", [0, -1, 2**31])
def test_route_poll_interval_must_be_a_positive_int(producer, consumer, interval):
    with pytest.raises(ValueError):
        producer.set_poll_name_server_interval(interval)
    with pytest.raises(ValueError):
        consumer.set_poll_name_server_interval(interval)


def test_cluster_settings_are_accepted(producer, consumer):
    producer.set_send_latency_fault_enable(False)
    producer.set_send_latency_fault_enable(True)
    producer.set_poll_name_server_interval(1000)
    consumer.set_poll_name_server_interval(1000)


def test_shutdown_before_start_and_twice_is_harmless(producer, consumer):
    producer.shutdown()
    producer.shutdown()
    consumer.shutdown()
    consumer.shutdown()
