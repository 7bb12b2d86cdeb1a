"""Messages: ``Message`` to send, ``ReceivedMessage`` as delivered to callbacks."""

from typing import Any, Optional, Union

from ._bindings import address, c_bytes, c_int, c_string, ffi, lib, py_bytes, py_string
from .consts import MessageProperty
from .exceptions import NullPointerException, ffi_check

__all__ = ["Message", "ReceivedMessage"]

StrOrBytes = Union[str, bytes]


class Message:
    """A message to send. Its native memory is freed when it is garbage
    collected, or at once by ``close()`` / leaving a ``with`` block."""

    def __init__(self, topic: StrOrBytes) -> None:
        handle = lib.CreateMessage(c_string(topic, "topic"))
        if handle == ffi.NULL:
            raise NullPointerException("Returned null pointer when create Message")
        self._c_message = ffi.gc(handle, lib.DestroyMessage)

    @property
    def _handle(self) -> Any:
        if self._c_message is None:
            raise ValueError("the message is closed")
        return self._c_message

    @property
    def _as_parameter_(self) -> int:
        # Lets 2.0.0-style ctypes code pass a Message to rocketmq.ffi.dll functions.
        return address(self._handle)

    def set_keys(self, keys: StrOrBytes) -> None:
        ffi_check(lib.SetMessageKeys(self._handle, c_string(keys, "keys")))

    def set_tags(self, tags: StrOrBytes) -> None:
        ffi_check(lib.SetMessageTags(self._handle, c_string(tags, "tags")))

    def set_body(self, body: StrOrBytes) -> None:
        data = c_bytes(body, "body")
        # The explicit length keeps bodies with NUL bytes whole.
        ffi_check(lib.SetByteMessageBody(self._handle, data, c_int(len(data), "body length")))

    def set_property(self, key: StrOrBytes, value: StrOrBytes) -> None:
        ffi_check(lib.SetMessageProperty(self._handle, c_string(key, "key"), c_string(value, "value")))

    def set_delay_time_level(self, delay_time_level: int) -> None:
        ffi_check(lib.SetDelayTimeLevel(self._handle, c_int(delay_time_level, "delay_time_level")))

    def close(self) -> None:
        """Free the native message now; calling it again does nothing."""
        c_message, self._c_message = self._c_message, None
        if c_message is not None:
            ffi.release(c_message)

    def __enter__(self) -> "Message":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _property_key(prop: Any) -> bytes:
    if isinstance(prop, MessageProperty):
        prop = prop.value
    return c_string(prop, "property name")


class ReceivedMessage:
    """A delivered message, read straight from the core.

    It is only valid while the callback it was passed to runs: the core frees
    it afterwards, so reading it later raises ``RuntimeError`` instead of
    touching freed memory.
    """

    def __init__(self, handle: Any) -> None:
        self._c_message: Optional[Any] = handle

    @property
    def _handle(self) -> Any:
        if self._c_message is None:
            raise RuntimeError("a ReceivedMessage can only be read inside the callback it was passed to")
        return self._c_message

    def _invalidate(self) -> None:
        self._c_message = None

    @property
    def topic(self) -> str:
        return py_string(lib.GetMessageTopic(self._handle))

    @property
    def tags(self) -> bytes:
        return py_bytes(lib.GetMessageTags(self._handle))

    @property
    def keys(self) -> bytes:
        return py_bytes(lib.GetMessageKeys(self._handle))

    @property
    def body(self) -> bytes:
        handle = self._handle
        data = lib.GetMessageBody(handle)
        if data == ffi.NULL:
            return b""
        return ffi.unpack(data, lib.GetMessageBodyLength(handle))

    @property
    def id(self) -> str:
        return py_string(lib.GetMessageId(self._handle))

    @property
    def delay_time_level(self) -> int:
        return lib.GetMessageDelayTimeLevel(self._handle)

    @property
    def queue_id(self) -> int:
        return lib.GetMessageQueueId(self._handle)

    @property
    def reconsume_times(self) -> int:
        return lib.GetMessageReconsumeTimes(self._handle)

    @property
    def store_size(self) -> int:
        return lib.GetMessageStoreSize(self._handle)

    @property
    def born_timestamp(self) -> int:
        return lib.GetMessageBornTimestamp(self._handle)

    @property
    def store_timestamp(self) -> int:
        return lib.GetMessageStoreTimestamp(self._handle)

    @property
    def queue_offset(self) -> int:
        return lib.GetMessageQueueOffset(self._handle)

    @property
    def commit_log_offset(self) -> int:
        return lib.GetMessageCommitLogOffset(self._handle)

    @property
    def prepared_transaction_offset(self) -> int:
        return lib.GetMessagePreparedTransactionOffset(self._handle)

    def get_property(self, prop: Union[StrOrBytes, MessageProperty]) -> bytes:
        return py_bytes(lib.GetMessageProperty(self._handle, _property_key(prop)))

    def __getitem__(self, key: Union[StrOrBytes, MessageProperty]) -> bytes:
        return self.get_property(key)

    def __str__(self) -> str:
        return self.body.decode("utf-8")

    def __bytes__(self) -> bytes:
        return self.body

    def __repr__(self) -> str:
        if self._c_message is None:
            return "<ReceivedMessage (released)>"
        return f"<ReceivedMessage topic={self.topic!r} id={self.id!r} body={self.body!r}>"


class _OutgoingMessageView(ReceivedMessage):
    """What a local-transaction executor receives: 2.0.0 handed it a
    ReceivedMessage, but the core passes the outgoing ``CMessage``, which only
    has the "origin" getters. Fields an outgoing message does not have read as
    zero; the id is the client-side unique key the producer assigned."""

    @property
    def topic(self) -> str:
        return py_string(lib.GetOriginMessageTopic(self._handle))

    @property
    def tags(self) -> bytes:
        return py_bytes(lib.GetOriginMessageTags(self._handle))

    @property
    def keys(self) -> bytes:
        return py_bytes(lib.GetOriginMessageKeys(self._handle))

    @property
    def body(self) -> bytes:
        handle = self._handle
        data = lib.GetOriginMessageBody(handle)
        if data == ffi.NULL:
            return b""
        return ffi.unpack(data, lib.GetOriginMessageBodyLength(handle))

    @property
    def id(self) -> str:
        return self.get_property(MessageProperty.UNIQ_CLIENT_MESSAGE_ID_KEYIDX).decode("utf-8", "replace")

    @property
    def delay_time_level(self) -> int:
        return lib.GetOriginDelayTimeLevel(self._handle)

    def get_property(self, prop: Union[StrOrBytes, MessageProperty]) -> bytes:
        return py_bytes(lib.GetOriginMessageProperty(self._handle, _property_key(prop)))

    queue_id = reconsume_times = store_size = property(lambda self: 0)
    born_timestamp = store_timestamp = queue_offset = property(lambda self: 0)
    commit_log_offset = prepared_transaction_offset = property(lambda self: 0)
