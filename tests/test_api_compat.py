"""The public names, values and signatures rocketmq-client-python 2.0.0 code relies on."""

import inspect

import pytest

import rocketmq.client as client
import rocketmq.consts as consts
import rocketmq.exceptions as exceptions
import rocketmq.ffi as rocketmq_ffi
from rocketmq.client import ConsumeStatus, SendResult, SendStatus, TransactionStatus


def test_client_exports_the_2_0_0_names():
    for name in ["SendStatus", "Message", "ReceivedMessage", "Producer", "PushConsumer",
                 "TransactionMQProducer", "TransactionStatus", "ConsumeStatus", "SendResult"]:
        assert hasattr(client, name), name
    assert set(client.__all__) >= {"SendStatus", "Message", "ReceivedMessage", "Producer", "PushConsumer",
                                   "TransactionMQProducer", "TransactionStatus", "ConsumeStatus"}


def test_enum_values_match_the_c_api():
    assert [(s.name, s.value) for s in SendStatus] == [
        ("OK", 0), ("FLUSH_DISK_TIMEOUT", 1), ("FLUSH_SLAVE_TIMEOUT", 2), ("SLAVE_NOT_AVAILABLE", 3)]
    assert [(s.name, s.value) for s in TransactionStatus] == [("COMMIT", 0), ("ROLLBACK", 1), ("UNKNOWN", 2)]
    assert [(s.name, s.value) for s in ConsumeStatus] == [("CONSUME_SUCCESS", 0), ("RECONSUME_LATER", 1)]
    assert rocketmq_ffi.MessageModel.BROADCASTING == 0 and rocketmq_ffi.MessageModel.CLUSTERING == 1
    assert rocketmq_ffi.TraceModel.OPEN == 0 and rocketmq_ffi.TraceModel.CLOSE == 1
    assert rocketmq_ffi._CStatus.OK == 0 and rocketmq_ffi._CStatus.PRODUCER_SEND_SYNC_FAILED == 11


def test_send_result_is_the_2_0_0_namedtuple():
    result = SendResult(SendStatus.OK, "id", 5)
    assert result._fields == ("status", "msg_id", "offset")
    assert result == (SendStatus.OK, "id", 5)


def _parameters(function):
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()][1:]


def test_constructor_signatures_and_defaults():
    empty = inspect.Parameter.empty
    assert _parameters(client.Producer.__init__) == [
        ("group_id", empty), ("orderly", False), ("timeout", None), ("compress_level", None),
        ("max_message_size", None)]
    assert _parameters(client.TransactionMQProducer.__init__) == [
        ("group_id", empty), ("checker_callback", empty), ("user_args", None), ("timeout", None),
        ("compress_level", None), ("max_message_size", None)]
    assert _parameters(client.PushConsumer.__init__) == [
        ("group_id", empty), ("orderly", False), ("message_model", rocketmq_ffi.MessageModel.CLUSTERING)]
    # 2.0.0's parameters first, in order; SQL92 support only adds a keyword with a default after them.
    assert _parameters(client.PushConsumer.subscribe) == [
        ("topic", empty), ("callback", empty), ("expression", "*"), ("expression_type", "TAG")]
    assert _parameters(client.TransactionMQProducer.send_message_in_transaction) == [
        ("message", empty), ("local_execute", empty), ("user_args", None)]


@pytest.mark.parametrize("cls, methods", [
    (client.Producer, ["set_group", "set_instance_name", "set_name_server_address", "set_name_server_domain",
                       "set_session_credentials", "set_timeout", "set_compress_level", "set_max_message_size",
                       "set_message_trace", "send_sync", "send_oneway", "send_orderly_with_sharding_key",
                       "send_async", "send_batch", "send_orderly", "start", "shutdown", "__enter__",
                       "__exit__"]),
    (client.PushConsumer, ["subscribe", "start", "shutdown", "set_group", "set_name_server_address",
                           "set_name_server_domain", "set_session_credentials", "set_thread_count",
                           "set_message_batch_max_size", "set_instance_name", "set_message_model",
                           "set_message_trace", "__enter__", "__exit__"]),
    (client.Message, ["set_keys", "set_tags", "set_body", "set_property", "set_delay_time_level"]),
    (client.ReceivedMessage, ["topic", "tags", "keys", "body", "id", "delay_time_level", "queue_id",
                              "reconsume_times", "store_size", "born_timestamp", "store_timestamp",
                              "queue_offset", "commit_log_offset", "prepared_transaction_offset",
                              "get_property", "__getitem__", "__str__", "__bytes__", "__repr__"]),
])
def test_methods_exist(cls, methods):
    missing = [name for name in methods if not hasattr(cls, name)]
    assert not missing


def test_exception_hierarchy_and_status_mapping():
    assert issubclass(exceptions.ProducerSendSyncFailed, exceptions.ProducerException)
    assert issubclass(exceptions.ProducerException, exceptions.RocketMQException)
    assert issubclass(exceptions.PushConsumerStartFailed, exceptions.ConsumerException)
    expected = {
        1: exceptions.NullPointerException,
        2: exceptions.MallocFailed,
        10: exceptions.ProducerStartFailed,
        11: exceptions.ProducerSendSyncFailed,
        12: exceptions.ProducerSendOnewayFailed,
        13: exceptions.ProducerSendOrderlyFailed,
        20: exceptions.PushConsumerStartFailed,
    }
    for code, exc_cls in expected.items():
        with pytest.raises(exc_cls):
            exceptions.ffi_check(code)
    with pytest.raises(exceptions.RocketMQException):
        exceptions.ffi_check(-1)
    exceptions.ffi_check(0)


def test_async_failure_carries_the_core_details():
    failure = exceptions.ProducerSendAsyncFailed("boom", 3, "file.cpp", 7, "MQClientException")
    assert str(failure) == "boom"
    details = (failure.error, failure.file, failure.line, failure.type)
    assert details == (3, "file.cpp", 7, "MQClientException")


def test_message_property_names():
    assert consts.MessageProperty.KEYS.value == "KEYS"
    assert consts.MessageProperty.UNIQ_CLIENT_MESSAGE_ID_KEYIDX.value == "UNIQ_KEY"


def test_ctypes_dll_finds_the_c_api_in_the_extension():
    dll = rocketmq_ffi.dll
    assert dll is rocketmq_ffi.dll
    handle = dll.CreateMessage(b"CtypesTopic")
    assert handle
    try:
        assert dll.GetOriginMessageTopic is not None
        assert dll.SetMessageTags(handle, b"tag") == 0
    finally:
        dll.DestroyMessage(handle)


def test_ctypes_structures_match_the_c_layouts():
    from rocketmq._bindings import ffi

    assert ffi.sizeof("CSendResult") == rocketmq_ffi.ctypes.sizeof(rocketmq_ffi._CSendResult)
    assert ffi.sizeof("CMQException") == rocketmq_ffi.ctypes.sizeof(rocketmq_ffi._CMQException)
    assert ffi.sizeof("CMessageQueue") == rocketmq_ffi.ctypes.sizeof(rocketmq_ffi._CMessageQueue)
