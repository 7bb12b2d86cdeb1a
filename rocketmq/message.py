"""Messages: ``Message`` to send, ``ReceivedMessage`` as delivered to callbacks."""

import atexit
import collections
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple, Union

from . import _timing
from ._bindings import address, c_bytes, c_int, c_repeated_string, c_string, ffi, lib, py_bytes, py_string
from .consts import MessageProperty
from .exceptions import NullPointerException, _latest_error_message, ffi_check

__all__ = ["Message", "ReceivedMessage", "DetachedMessage"]

StrOrBytes = Union[str, bytes]


def _property_key(prop: Any) -> bytes:
    if isinstance(prop, MessageProperty):
        prop = prop.value
    return c_string(prop, "property name")


class _OutgoingFields:
    """What an outgoing message (``CMessage``) reads back through the C API's "origin" getters."""

    if TYPE_CHECKING:
        _handle: Any

    @property
    def topic(self) -> str:
        return py_string(lib.GetOriginMessageTopic(self._handle))

    @property
    def body(self) -> bytes:
        handle = self._handle
        data = lib.GetOriginMessageBody(handle)
        if data == ffi.NULL:
            return b""
        return ffi.unpack(data, lib.GetOriginMessageBodyLength(handle))

    @property
    def keys(self) -> bytes:
        return py_bytes(lib.GetOriginMessageKeys(self._handle))

    @property
    def tags(self) -> bytes:
        return py_bytes(lib.GetOriginMessageTags(self._handle))

    @property
    def delay_time_level(self) -> int:
        return int(lib.GetOriginDelayTimeLevel(self._handle))

    @property
    def delivery_time(self) -> int:
        """The delivery time asked for, in epoch milliseconds; 0 without one."""
        return _timing.delivery_time_of(self._origin_property(_timing.DELIVER_MS))

    @property
    def delay(self) -> float:
        """The delivery delay asked for, in seconds; 0.0 without one."""
        return _timing.delay_seconds(self._origin_property(_timing.DELAY_SEC),
                                     self._origin_property(_timing.DELAY_MS))

    def _origin_property(self, name: str) -> str:
        return py_string(lib.GetOriginMessageProperty(self._handle, name.encode("ascii")))

    def get_property(self, prop: Union[StrOrBytes, MessageProperty]) -> bytes:
        return py_bytes(lib.GetOriginMessageProperty(self._handle, _property_key(prop)))


_INT_MAX = 2**31 - 1


def _closed() -> Any:
    raise ValueError("the message is closed")


# Freeing a message is a call into the core, and every such call releases
# the GIL. The send-completions thread drops the last reference to most
# asynchronously sent messages: a release per message there handed the GIL
# to the sending thread each time, a thread switch per send. Messages made
# for an asynchronous send are therefore put aside when collected and freed
# together; the others are freed at once (a Python destructor costs more
# than the call where no other thread waits for the GIL).
_FREE_BATCH = 64
_dropped: Deque[Any] = collections.deque()


def free_later(handle: Any) -> None:
    """The destructor of a native message made for an asynchronous send."""
    _dropped.append(handle)
    if len(_dropped) >= _FREE_BATCH:
        _free_dropped()


def _free_dropped() -> None:
    # popleft is atomic: a handle another thread adds meanwhile is either
    # taken here or left for the next batch, never lost.
    handles: List[Any] = []
    take = _dropped.popleft
    try:
        for _ in range(len(_dropped)):
            handles.append(take())
    except IndexError:
        pass
    if handles:
        lib.DestroyMessages(handles, len(handles))


atexit.register(_free_dropped)


class Message(_OutgoingFields):
    """A message to send. Its native memory is freed when it is garbage
    collected (after an asynchronous send: with others, 64 at a time), or at
    once by ``close()`` / leaving a ``with`` block.

    ``Message(topic)`` and the setters are 2.0.0's API; everything can also be
    given at once: ``Message("orders", b"...", keys="id-1", tags="created",
    properties={"region": "eu"}, delay_time_level=3)``. Bodies and the other
    text fields take ``str`` (sent as UTF-8) or ``bytes``.

    ``delivery_time=`` / ``delay=`` (or ``set_delivery_time`` / ``set_delay``)
    ask a RocketMQ 5.x broker to deliver the message at a chosen time; a
    message takes one of them or a ``delay_time_level``, not two.
    """

    def __init__(
        self,
        topic: StrOrBytes,
        body: Optional[StrOrBytes] = None,
        *,
        keys: Optional[StrOrBytes] = None,
        tags: Optional[StrOrBytes] = None,
        properties: Optional[Mapping[StrOrBytes, StrOrBytes]] = None,
        delay_time_level: Optional[int] = None,
        delivery_time: Optional[_timing.DeliveryTime] = None,
        delay: Optional[_timing.Delay] = None,
    ) -> None:
        # Topic, tags, keys and body wait here until the message is first
        # sent or read, then reach the core in one call (_materialize): one
        # call into the library instead of four for the usual message. The
        # other setters make the native message first, so the order of all
        # changes is kept.
        self._c_message: Optional[Any] = None
        self._pending_topic: Optional[bytes] = c_repeated_string(topic, "topic")  # None once made or closed
        self._pending_tags: Any = ffi.NULL  # NULL: not set
        self._pending_keys: Any = ffi.NULL
        self._pending_body = b""
        if body is not None:
            self.set_body(body)
        if keys is not None:
            self.set_keys(keys)
        if tags is not None:
            self.set_tags(tags)
        if properties is not None:
            if not isinstance(properties, Mapping):
                raise TypeError(f"properties must be a mapping, not {type(properties).__name__}")
            for key, value in properties.items():
                self.set_property(key, value)
        if delay_time_level is not None:
            self.set_delay_time_level(delay_time_level)
        if delivery_time is not None:
            self.set_delivery_time(delivery_time)
        if delay is not None:
            self.set_delay(delay)

    @property
    def _handle(self) -> Any:
        return self._c_message or self._materialize()

    def _materialize(self, destructor: Callable[[Any], Any] = lib.DestroyMessage) -> Any:
        """The native message, made from the fields set so far if not made yet;
        ``destructor`` frees it once it is collected."""
        topic = self._pending_topic
        if topic is None:
            return self._c_message or _closed()
        body = self._pending_body
        handle = lib.CreateMessageWithFields(topic, self._pending_tags, self._pending_keys, body, len(body))
        if not handle:
            detail = _latest_error_message()
            suffix = f": {detail}" if detail else ""
            raise NullPointerException("Returned null pointer when create Message" + suffix)
        c_message = self._c_message = ffi.gc(handle, destructor)
        self._pending_topic = None
        self._pending_body = b""  # the core has its copy
        return c_message

    @property
    def _as_parameter_(self) -> int:
        # Lets 2.0.0-style ctypes code pass a Message to rocketmq.ffi.dll functions.
        return address(self._handle)

    # The setters below run for nearly every message sent: they check the
    # state and status inline rather than through helper calls (``_handle``,
    # ``ffi_check``), which cost more than the work itself.

    def set_keys(self, keys: StrOrBytes) -> None:
        """Keys to find the message by (space-separated for several)."""
        encoded = c_string(keys, "keys")
        if self._pending_topic is not None:
            self._pending_keys = encoded
            return
        status = lib.SetMessageKeys(self._c_message or _closed(), encoded)
        if status:
            ffi_check(status)

    def set_tags(self, tags: StrOrBytes) -> None:
        """The tag consumers filter on with their subscription expression."""
        encoded = c_repeated_string(tags, "tags")
        if self._pending_topic is not None:
            self._pending_tags = encoded
            return
        status = lib.SetMessageTags(self._c_message or _closed(), encoded)
        if status:
            ffi_check(status)

    def set_body(self, body: StrOrBytes) -> None:
        """The body: ``bytes``, or ``str`` sent as UTF-8."""
        data = body if type(body) is bytes else c_bytes(body, "body")
        if len(data) > _INT_MAX:
            c_int(len(data), "body length")  # raises
        if self._pending_topic is not None:
            self._pending_body = data
            return
        # The explicit length keeps bodies with NUL bytes whole.
        status = lib.SetByteMessageBody(self._c_message or _closed(), data, len(data))
        if status:
            ffi_check(status)

    def set_property(self, key: StrOrBytes, value: StrOrBytes) -> None:
        """A user property, delivered with the message."""
        ffi_check(lib.SetMessageProperty(self._handle, c_string(key, "key"), c_string(value, "value")))

    def set_delay_time_level(self, delay_time_level: int) -> None:
        """Hold the message back before consumers see it: level 1 to 18 (1 s to 2 h on a default broker)."""
        level = c_int(delay_time_level, "delay_time_level")
        if level > 0:
            self._refuse_second_schedule("a delay_time_level", ())
        ffi_check(lib.SetDelayTimeLevel(self._handle, level))

    def set_delivery_time(self, when: _timing.DeliveryTime) -> None:
        """Deliver at ``when``: epoch milliseconds (int) or a ``datetime``
        (naive means local time). Needs a RocketMQ 5.x broker, which holds
        the message until then to within its timer precision (1 s by
        default); sending it to an older broker raises
        :class:`~rocketmq.exceptions.TimerMessageUnsupported`. A time in the
        past is delivered at once."""
        millis = _timing.delivery_time_ms(when)
        self._refuse_second_schedule("a delivery time", (_timing.DELIVER_MS,))
        self.set_property(_timing.DELIVER_MS, str(millis))

    def set_delay(self, delay: _timing.Delay) -> None:
        """Deliver ``delay`` after the broker stores the message: seconds (int
        or float, kept to the millisecond) or a ``timedelta``. Needs a
        RocketMQ 5.x broker, as :meth:`set_delivery_time`."""
        millis = _timing.delay_ms(delay)
        self._refuse_second_schedule("a delay", (_timing.DELAY_MS,))
        self.set_property(_timing.DELAY_MS, str(millis))

    def _refuse_second_schedule(self, wanted: str, replaceable: Tuple[str, ...]) -> None:
        # Ways of scheduling do not combine: a broker would quietly pick one
        # (the delay level wins on 5.x), so the mix is refused here.
        if self.delay_time_level > 0:
            raise ValueError(f"the message already has delay_time_level {self.delay_time_level}; "
                             f"it cannot also have {wanted}")
        for name in _timing.TIMER_PROPERTIES:
            if name not in replaceable and self._origin_property(name):
                raise ValueError(f"the message already has {name}; it cannot also have {wanted}")

    def __repr__(self) -> str:
        if self._c_message is None and self._pending_topic is None:
            return "<Message (closed)>"
        return f"<Message topic={self.topic!r} body={self.body[:64]!r}>"

    def close(self) -> None:
        """Free the native message now; calling it again does nothing."""
        c_message, self._c_message = self._c_message, None
        self._pending_topic = None
        self._pending_body = b""
        if c_message is not None:
            ffi.gc(c_message, None)  # freed here, not when collected
            lib.DestroyMessage(c_message)

    def __enter__(self) -> "Message":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


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
        """The topic (a retried message reports its original topic)."""
        return py_string(lib.GetMessageTopic(self._handle))

    @property
    def tags(self) -> bytes:
        """The tag, as bytes."""
        return py_bytes(lib.GetMessageTags(self._handle))

    @property
    def keys(self) -> bytes:
        """The keys, as bytes."""
        return py_bytes(lib.GetMessageKeys(self._handle))

    @property
    def body(self) -> bytes:
        """The body, as bytes (decompressed when it was sent compressed)."""
        handle = self._handle
        data = lib.GetMessageBody(handle)
        if data == ffi.NULL:
            return b""
        return ffi.unpack(data, lib.GetMessageBodyLength(handle))

    @property
    def id(self) -> str:
        """The message id (the producer's unique key when it set one)."""
        return py_string(lib.GetMessageId(self._handle))

    @property
    def delay_time_level(self) -> int:
        """The delay level it was sent with."""
        return lib.GetMessageDelayTimeLevel(self._handle)

    @property
    def queue_id(self) -> int:
        """The queue it was stored in."""
        return lib.GetMessageQueueId(self._handle)

    @property
    def reconsume_times(self) -> int:
        """How many times it was delivered again after a failed consumption."""
        return lib.GetMessageReconsumeTimes(self._handle)

    @property
    def store_size(self) -> int:
        """Its size in the broker's commit log."""
        return lib.GetMessageStoreSize(self._handle)

    @property
    def born_timestamp(self) -> int:
        """When the producer sent it, in milliseconds since the epoch."""
        return lib.GetMessageBornTimestamp(self._handle)

    @property
    def store_timestamp(self) -> int:
        """When the broker stored it, in milliseconds since the epoch."""
        return lib.GetMessageStoreTimestamp(self._handle)

    @property
    def queue_offset(self) -> int:
        """Its offset in its queue."""
        return lib.GetMessageQueueOffset(self._handle)

    @property
    def commit_log_offset(self) -> int:
        """Its offset in the broker's commit log."""
        return lib.GetMessageCommitLogOffset(self._handle)

    @property
    def prepared_transaction_offset(self) -> int:
        """The commit log offset of its half message, for a transactional message."""
        return lib.GetMessagePreparedTransactionOffset(self._handle)

    def get_property(self, prop: Union[StrOrBytes, MessageProperty]) -> bytes:
        """A property's value as bytes (``b""`` when it is not set)."""
        return py_bytes(lib.GetMessageProperty(self._handle, _property_key(prop)))

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes become U+FFFD)."""
        return self.body.decode("utf-8", "replace")

    @property
    def properties(self) -> Dict[str, str]:
        """Every property of the message, system ones (TAGS, KEYS, UNIQ_KEY...) included."""
        handle = self._handle
        count = lib.GetMessagePropertyCount(handle)
        names = (lib.GetMessagePropertyName(handle, index) for index in range(count))
        return {
            ffi.string(name).decode("utf-8", "replace"): py_string(lib.GetMessageProperty(handle, name))
            for name in names
            if name != ffi.NULL
        }

    def __getitem__(self, key: Union[StrOrBytes, MessageProperty]) -> bytes:
        return self.get_property(key)

    def detach(self) -> "DetachedMessage":
        """A copy of everything in the message that stays valid after the callback returns."""
        return DetachedMessage(self)

    def __str__(self) -> str:
        return self.body.decode("utf-8")

    def __bytes__(self) -> bytes:
        return self.body

    def __repr__(self) -> str:
        if self._c_message is None:
            return "<ReceivedMessage (released)>"
        return f"<ReceivedMessage topic={self.topic!r} id={self.id!r} body={self.body!r}>"


class DetachedMessage:
    """A received message copied into Python objects: same attributes and
    return types as :class:`ReceivedMessage`, readable at any time and from
    any thread (what ``rocketmq.aio`` hands to coroutines)."""

    # A mapping so that each attribute carries its description (autodoc shows it).
    __slots__ = {
        "topic": "The topic (a retried message reports its original topic).",
        "tags": "The tag, as bytes.",
        "keys": "The keys, as bytes.",
        "body": "The body, as bytes.",
        "id": "The message id (the producer's unique key when it set one).",
        "delay_time_level": "The delay level it was sent with.",
        "queue_id": "The queue it was stored in.",
        "reconsume_times": "How many times it was delivered again after a failed consumption.",
        "store_size": "Its size in the broker's commit log.",
        "born_timestamp": "When the producer sent it, in milliseconds since the epoch.",
        "store_timestamp": "When the broker stored it, in milliseconds since the epoch.",
        "queue_offset": "Its offset in its queue.",
        "commit_log_offset": "Its offset in the broker's commit log.",
        "prepared_transaction_offset": "The commit log offset of its half message (transactional messages).",
        "_properties": "Every property, decoded (see ``properties``).",
    }

    def __init__(self, source: ReceivedMessage) -> None:
        self.topic: str = source.topic
        self.tags: bytes = source.tags
        self.keys: bytes = source.keys
        self.body: bytes = source.body
        self.id: str = source.id
        self.delay_time_level: int = source.delay_time_level
        self.queue_id: int = source.queue_id
        self.reconsume_times: int = source.reconsume_times
        self.store_size: int = source.store_size
        self.born_timestamp: int = source.born_timestamp
        self.store_timestamp: int = source.store_timestamp
        self.queue_offset: int = source.queue_offset
        self.commit_log_offset: int = source.commit_log_offset
        self.prepared_transaction_offset: int = source.prepared_transaction_offset
        self._properties: Dict[str, str] = source.properties

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes become U+FFFD)."""
        return self.body.decode("utf-8", "replace")

    @property
    def properties(self) -> Dict[str, str]:
        """Every property, decoded as str."""
        return dict(self._properties)

    def get_property(self, prop: Union[StrOrBytes, MessageProperty]) -> bytes:
        """A property's value as bytes (``b""`` when it is not set)."""
        key = _property_key(prop).decode("utf-8", "replace")
        return self._properties.get(key, "").encode("utf-8")

    def __getitem__(self, key: Union[StrOrBytes, MessageProperty]) -> bytes:
        return self.get_property(key)

    def __str__(self) -> str:
        return self.text

    def __bytes__(self) -> bytes:
        return self.body

    def __repr__(self) -> str:
        return f"<DetachedMessage topic={self.topic!r} id={self.id!r} body={self.body[:64]!r}>"


class _OutgoingMessageView(_OutgoingFields, ReceivedMessage):
    """What a local-transaction executor receives: 2.0.0 handed it a
    ReceivedMessage, but the core passes the outgoing ``CMessage``, which only
    has the "origin" getters. Fields an outgoing message does not have read as
    zero; the id is the client-side unique key the producer assigned."""

    @property
    def id(self) -> str:
        return self.get_property(MessageProperty.UNIQ_CLIENT_MESSAGE_ID_KEYIDX).decode("utf-8", "replace")

    @property
    def properties(self) -> Dict[str, str]:
        raise AttributeError("an outgoing message cannot list its properties; use get_property(name)")

    def detach(self) -> "DetachedMessage":
        raise TypeError("only a delivered message can be detached")

    queue_id = reconsume_times = store_size = property(lambda self: 0)
    born_timestamp = store_timestamp = queue_offset = property(lambda self: 0)
    commit_log_offset = prepared_transaction_offset = property(lambda self: 0)
