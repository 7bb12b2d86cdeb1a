"""Message layouts: properties strings, batch bodies, the stored-message encoding and msgIds."""

import socket
import struct
import zlib
from typing import Dict, List, Optional, Tuple

from .codes import MessageSysFlag, Prop

MESSAGE_MAGIC_CODE = -626843481
NAME_VALUE_SEPARATOR = "\x01"
PROPERTY_SEPARATOR = "\x02"

Address = Tuple[str, int]


def properties_to_string(props: Dict[str, str]) -> str:
    return "".join(k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR for k, v in props.items())


def string_to_properties(text: Optional[str]) -> Dict[str, str]:
    props: Dict[str, str] = {}
    if not text:
        return props
    for item in text.split(PROPERTY_SEPARATOR):
        pair = item.split(NAME_VALUE_SEPARATOR)
        # Java keeps only well-formed name/value pairs.
        if len(pair) == 2:
            props[pair[0]] = pair[1]
    return props


def java_string_hash(text: str) -> int:
    """Java's String.hashCode over UTF-16 code units; tag filtering compares these."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def body_crc(body: bytes) -> int:
    return zlib.crc32(body) & 0x7FFFFFFF


def _pack_host(addr: Address) -> bytes:
    host, port = addr
    try:
        raw = socket.inet_aton(host)
    except OSError:
        raw = socket.inet_aton("127.0.0.1")
    return raw + struct.pack(">i", port)


def create_message_id(store_host: Address, commit_log_offset: int) -> str:
    """The offset msgId: store ip, store port and commit-log offset in upper-case hex."""
    return (_pack_host(store_host) + struct.pack(">q", commit_log_offset)).hex().upper()


def decode_message_id(msg_id: str) -> Tuple[Address, int]:
    """MessageDecoder.decodeMessageId: the store address and commit-log offset of an offset msgId.

    Raises ValueError for anything but 32 (IPv4) or 56 (IPv6) hex characters.
    """
    if len(msg_id) not in (32, 56):
        raise ValueError("a message id has 32 or 56 hex characters, got %d" % len(msg_id))
    raw = bytes.fromhex(msg_id)
    ip_length = len(raw) - 12
    family = socket.AF_INET if ip_length == 4 else socket.AF_INET6
    host = socket.inet_ntop(family, raw[:ip_length])
    (port,) = struct.unpack_from(">i", raw, ip_length)
    (offset,) = struct.unpack_from(">q", raw, ip_length + 4)
    return (host, port), offset


class StoredMessage:
    """A message as the broker keeps it, with every field of MessageExt."""

    def __init__(self, topic: str, body: bytes, properties: Dict[str, str], queue_id: int = 0,
                 flag: int = 0, sysflag: int = 0, born_timestamp: int = 0,
                 born_host: Address = ("127.0.0.1", 0), store_host: Address = ("127.0.0.1", 0),
                 reconsume_times: int = 0, prepared_transaction_offset: int = 0) -> None:
        self.topic = topic
        self.body = body
        self.properties = dict(properties)
        self.queue_id = queue_id
        self.flag = flag
        self.sysflag = sysflag
        self.born_timestamp = born_timestamp
        self.born_host = born_host
        self.store_host = store_host
        self.reconsume_times = reconsume_times
        self.prepared_transaction_offset = prepared_transaction_offset
        # Assigned by the store when the message is appended.
        self.queue_offset = 0
        self.commit_log_offset = 0
        self.store_timestamp = 0
        self.store_size = 0

    @property
    def tags(self) -> Optional[str]:
        return self.properties.get(Prop.TAGS)

    @property
    def keys(self) -> Optional[str]:
        return self.properties.get(Prop.KEYS)

    @property
    def msg_id(self) -> str:
        return create_message_id(self.store_host, self.commit_log_offset)

    @property
    def uniq_key(self) -> Optional[str]:
        return self.properties.get(Prop.UNIQ_KEY)

    @property
    def tags_code(self) -> int:
        tags = self.tags
        return java_string_hash(tags) if tags else 0

    def copy(self) -> "StoredMessage":
        clone = StoredMessage(self.topic, self.body, self.properties, self.queue_id, self.flag,
                              self.sysflag, self.born_timestamp, self.born_host, self.store_host,
                              self.reconsume_times, self.prepared_transaction_offset)
        return clone

    def __repr__(self) -> str:
        return "StoredMessage(topic=%r, queue_id=%d, queue_offset=%d, body=%r, properties=%r)" % (
            self.topic, self.queue_id, self.queue_offset, self.body[:64], self.properties)


def encode_stored(msg: StoredMessage) -> bytes:
    """MessageDecoder.encode layout: what pull responses and transaction checks carry."""
    topic = msg.topic.encode("utf-8")
    props = properties_to_string(msg.properties).encode("utf-8")
    sysflag = msg.sysflag & ~(MessageSysFlag.BORNHOST_V6 | MessageSysFlag.STOREHOST_V6)
    rest = b"".join([
        struct.pack(">iiiqqiq", body_crc(msg.body), msg.queue_id, msg.flag, msg.queue_offset,
                    msg.commit_log_offset, sysflag, msg.born_timestamp),
        _pack_host(msg.born_host),
        struct.pack(">q", msg.store_timestamp),
        _pack_host(msg.store_host),
        struct.pack(">iqi", msg.reconsume_times, msg.prepared_transaction_offset, len(msg.body)),
        msg.body,
        struct.pack(">B", len(topic)), topic,
        struct.pack(">h", len(props)), props,
    ])
    total = 8 + len(rest)
    return struct.pack(">ii", total, MESSAGE_MAGIC_CODE) + rest


def decode_stored(data: bytes, pos: int = 0) -> Tuple[StoredMessage, int]:
    """Inverse of encode_stored (IPv4 hosts); returns the message and the next position."""
    total, magic = struct.unpack_from(">ii", data, pos)
    if magic != MESSAGE_MAGIC_CODE or total < 8 or pos + total > len(data):
        raise ValueError("not a stored message at %d" % pos)
    p = pos + 8
    _crc, queue_id, flag, queue_offset, cl_offset, sysflag, born_ts = struct.unpack_from(">iiiqqiq", data, p)
    p += 40
    born_host = (socket.inet_ntoa(data[p:p + 4]), struct.unpack_from(">i", data, p + 4)[0])
    p += 8
    (store_ts,) = struct.unpack_from(">q", data, p)
    p += 8
    store_host = (socket.inet_ntoa(data[p:p + 4]), struct.unpack_from(">i", data, p + 4)[0])
    p += 8
    reconsume, prepared, body_len = struct.unpack_from(">iqi", data, p)
    p += 16
    body = data[p:p + body_len]
    p += body_len
    topic_len = data[p]
    topic = data[p + 1:p + 1 + topic_len].decode("utf-8")
    p += 1 + topic_len
    (props_len,) = struct.unpack_from(">h", data, p)
    props = string_to_properties(data[p + 2:p + 2 + props_len].decode("utf-8"))
    msg = StoredMessage(topic, body, props, queue_id, flag, sysflag, born_ts, born_host, store_host,
                        reconsume, prepared)
    msg.queue_offset = queue_offset
    msg.commit_log_offset = cl_offset
    msg.store_timestamp = store_ts
    msg.store_size = total
    return msg, pos + total


def decode_batch(body: bytes) -> List[Tuple[bytes, int, Dict[str, str]]]:
    """Split a SEND_BATCH_MESSAGE body (MessageDecoder.encodeMessages) into (body, flag, properties)."""
    items = []
    pos = 0
    while pos < len(body):
        if pos + 20 > len(body):
            raise ValueError("truncated batch entry")
        _size, _magic, _crc, flag, body_len = struct.unpack_from(">iiiii", body, pos)
        pos += 20
        if body_len < 0 or pos + body_len + 2 > len(body):
            raise ValueError("bad batch body length")
        payload = body[pos:pos + body_len]
        pos += body_len
        (props_len,) = struct.unpack_from(">h", body, pos)
        pos += 2
        if props_len < 0 or pos + props_len > len(body):
            raise ValueError("bad batch properties length")
        props = string_to_properties(body[pos:pos + props_len].decode("utf-8"))
        pos += props_len
        items.append((payload, flag, props))
    return items


def encode_batch(messages: List[Tuple[bytes, int, Dict[str, str]]]) -> bytes:
    """Client side of decode_batch, used by the test client."""
    out = []
    for payload, flag, props in messages:
        raw_props = properties_to_string(props).encode("utf-8")
        size = 20 + len(payload) + 2 + len(raw_props)
        out.append(struct.pack(">iiiii", size, 0, 0, flag, len(payload)) + payload
                   + struct.pack(">h", len(raw_props)) + raw_props)
    return b"".join(out)


def decode_stored_list(data: bytes) -> List[StoredMessage]:
    """All stored messages concatenated in a pull response body."""
    result = []
    pos = 0
    while pos < len(data):
        msg, pos = decode_stored(data, pos)
        result.append(msg)
    return result
