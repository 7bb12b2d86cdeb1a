"""Small helpers the end-to-end tests share."""

from __future__ import annotations

import itertools
import socket
import zlib
from typing import Iterator

from rocketmq.client import Producer

COMPRESSED_FLAG = 0x1  # MessageSysFlag.COMPRESSED_FLAG

_counter: Iterator[int] = itertools.count()


def unique_name(prefix: str) -> str:
    """A topic or group name no other test uses, so tests never see each other's messages."""
    return f"{prefix}_{next(_counter)}"


def stored_body(stored) -> bytes:  # type: ignore[no-untyped-def]
    """The body as the producer meant it: the broker keeps compressed bodies as sent."""
    if stored.sysflag & COMPRESSED_FLAG:
        return zlib.decompress(stored.body)
    return stored.body


def started_producer(namesrv_addr: str, group: str = "", **kwargs) -> Producer:  # type: ignore[no-untyped-def]
    producer = Producer(group or unique_name("PID_test"), **kwargs)
    producer.set_name_server_address(namesrv_addr)
    producer.start()
    return producer


def free_port() -> int:
    """A loopback port nothing listens on (just released by the OS)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
