"""Message: every setter round trips through the core's own getters."""

import gc
import sys

import pytest

from rocketmq._bindings import ffi, lib
from rocketmq.client import Message


def origin_body(message):
    handle = message._handle
    return ffi.unpack(lib.GetOriginMessageBody(handle), lib.GetOriginMessageBodyLength(handle))


def origin_property(message, key):
    return ffi.string(lib.GetOriginMessageProperty(message._handle, key))


def test_topic_tags_keys_round_trip():
    message = Message("Topic")
    message.set_tags("TagA")
    message.set_keys(b"key-1")
    assert ffi.string(lib.GetOriginMessageTopic(message._handle)) == b"Topic"
    assert ffi.string(lib.GetOriginMessageTags(message._handle)) == b"TagA"
    assert ffi.string(lib.GetOriginMessageKeys(message._handle)) == b"key-1"


@pytest.mark.parametrize("body, stored", [
    ("hello", b"hello"),
    ("żółw", "żółw".encode("utf-8")),
    (b"\x00\x01\xff binary \x00", b"\x00\x01\xff binary \x00"),
    (b"", b""),
    (bytearray(b"abc"), b"abc"),
    (b"x" * 100_000, b"x" * 100_000),
])
def test_body_is_binary_safe(body, stored):
    message = Message("Topic")
    message.set_body(body)
    assert origin_body(message) == stored


def test_property_and_delay_level():
    message = Message("Topic")
    message.set_property("color", "blue")
    message.set_property(b"size", b"L")
    message.set_delay_time_level(3)
    assert origin_property(message, b"color") == b"blue"
    assert origin_property(message, b"size") == b"L"
    assert lib.GetOriginDelayTimeLevel(message._handle) == 3


@pytest.mark.parametrize("call", [
    lambda m: m.set_keys(None),
    lambda m: m.set_tags(None),
    lambda m: m.set_body(None),
    lambda m: m.set_body(42),
    lambda m: m.set_property(None, "v"),
    lambda m: m.set_property("k", None),
    lambda m: m.set_property("k", 1),
    lambda m: m.set_delay_time_level("3"),
    lambda m: m.set_delay_time_level(None),
    lambda m: m.set_delay_time_level(1.5),
])
def test_wrong_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call(Message("Topic"))


@pytest.mark.parametrize("topic", [None, 1, 2.0, ["t"]])
def test_topic_must_be_a_string(topic):
    with pytest.raises(TypeError, match="topic"):
        Message(topic)


def test_nul_inside_a_c_string_is_refused():
    with pytest.raises(ValueError):
        Message("To\0pic")
    with pytest.raises(ValueError):
        Message("Topic").set_tags("a\0b")


def test_bodies_of_every_accepted_type_are_kept_whole():
    message = Message("Topic", bytearray(b"a\0b"))
    assert message.body == b"a\0b"
    message.set_body(memoryview(b"\xffcd"))
    assert message.body == b"\xffcd"
    message.set_body("grüße")
    assert message.body == "grüße".encode()
    with pytest.raises(TypeError, match="body"):
        message.set_body(12)


def test_close_is_idempotent_and_final():
    message = Message("Topic")
    message.close()
    message.close()
    with pytest.raises(ValueError, match="closed"):
        message.set_tags("t")


def test_context_manager_closes():
    with Message("Topic") as message:
        message.set_body(b"x")
    with pytest.raises(ValueError):
        message.set_body(b"y")


def test_many_messages_are_freed_by_the_garbage_collector():
    for _ in range(10_000):
        Message("Topic").set_body(b"y" * 64)
    gc.collect()


def test_fields_set_before_and_after_the_first_read_all_count():
    message = Message("Topic", b"first", keys="k1", tags="t1")
    assert (message.topic, message.body, message.keys, message.tags) == ("Topic", b"first", b"k1", b"t1")
    message.set_body(b"second")
    message.set_keys("k2")
    message.set_tags("t2")
    assert (message.body, message.keys, message.tags) == (b"second", b"k2", b"t2")


@pytest.mark.parametrize("first, then, expected", [
    (lambda m: m.set_keys("by-setter"), lambda m: m.set_property("KEYS", "by-property"), b"by-property"),
    (lambda m: m.set_property("KEYS", "by-property"), lambda m: m.set_keys("by-setter"), b"by-setter"),
])
def test_the_later_of_a_setter_and_the_same_property_wins(first, then, expected):
    message = Message("Topic")
    first(message)
    then(message)
    assert message.keys == expected
    assert message.get_property("KEYS") == expected


def test_a_body_is_copied_when_set_not_when_sent():
    data = bytearray(b"kept")
    message = Message("Topic")
    message.set_body(data)
    data[:] = b"lost"
    assert message.body == b"kept"


def test_a_closed_message_refuses_reads_and_setters_alike():
    message = Message("Topic", b"body", tags="t")
    message.close()
    assert repr(message) == "<Message (closed)>"
    for use in (lambda: message.topic, lambda: message.body, lambda: message.set_keys("k"),
                lambda: message.set_body(b"x"), lambda: message._as_parameter_):
        with pytest.raises(ValueError, match="closed"):
            use()


def test_the_usual_message_reaches_the_core_in_one_call():
    called = []

    def record(frame, event, arg):
        if event == "c_call" and getattr(arg, "__self__", None) is lib:
            called.append(arg.__name__)

    sys.setprofile(record)
    try:
        message = Message("Topic")
        message.set_tags("t")
        message.set_keys("k")
        message.set_body(b"body")
        handle = message._handle
    finally:
        sys.setprofile(None)
    assert called == ["CreateMessageWithFields"], called
    assert ffi.string(lib.GetOriginMessageKeys(handle)) == b"k"


def test_repeated_topics_and_tags_are_checked_every_time_and_kept_bounded():
    from rocketmq import _bindings

    for number in range(2000):
        Message(f"Topic{number}", tags=f"tag{number % 7}")
    assert len(_bindings._REPEATED_STRINGS) <= _bindings._REPEATED_STRINGS_KEPT
    Message("TopicRepeated").set_tags("t")
    with pytest.raises(ValueError, match="NUL"):
        Message("TopicRepeated\0")
    with pytest.raises(TypeError, match="tags"):
        Message("TopicRepeated").set_tags(["t"])
    assert Message("TopicRepeated", tags="t").tags == b"t"


def test_messages_of_asynchronous_sends_are_freed_in_batches_and_closed_ones_at_once():
    from rocketmq import message as message_module

    for number in range(1000):
        Message("Topic", b"x" * 64)._materialize(message_module.free_later)  # then dropped
    assert len(message_module._dropped) < message_module._FREE_BATCH
    waiting = len(message_module._dropped)
    Message("Topic", b"x")._handle  # the usual destructor: freed at once
    assert len(message_module._dropped) == waiting
    closed = Message("Topic", b"x")
    closed._materialize(message_module.free_later)
    closed.close()
    assert len(message_module._dropped) == waiting  # freed by close(), not put aside
    del closed
    assert len(message_module._dropped) == waiting
