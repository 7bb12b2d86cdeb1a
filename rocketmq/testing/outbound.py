"""Requests a broker makes of other servers (registration, slave sync), over its own TCP connection."""

import asyncio
import itertools
import ssl
from typing import Dict, Optional

from .codes import BROKER_VERSION
from .remoting import ProtocolError, RemotingCommand, encode_frame, read_frame, split_address
from .tasks import within

_opaque = itertools.count(1)

# How long a clean close waits for unwritten bytes to leave before the connection is dropped.
CLOSE_GRACE_SECONDS = 2.0


class OutboundClient:
    """One connection to one server, opened on first use and again after it drops.

    As the Java broker's remoting client: requests carry the JAVA language
    tag and the broker's version, and a lost connection is reopened by the
    next request rather than straight away.
    """

    def __init__(self, addr: str, tls: Optional[ssl.SSLContext] = None) -> None:
        self.addr = addr
        self.tls = tls
        self._writer: Optional[asyncio.StreamWriter] = None
        self._reader_task: "Optional[asyncio.Task[None]]" = None
        self._pending: "Dict[int, asyncio.Future[RemotingCommand]]" = {}
        self._connecting: Optional[asyncio.Lock] = None

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def _connect(self) -> asyncio.StreamWriter:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._writer is None:
                host, port = split_address(self.addr)
                reader, writer = await asyncio.open_connection(host, port, ssl=self.tls)
                self._writer = writer
                self._reader_task = asyncio.ensure_future(self._read_loop(reader, writer))
            return self._writer

    async def _read_loop(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                cmd = await read_frame(reader)
                if cmd is None:
                    break
                if cmd.is_response:
                    waiter = self._pending.pop(cmd.opaque, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(cmd)
        except (ConnectionError, ProtocolError, OSError):
            pass
        finally:
            self._lost(writer)

    def _lost(self, writer: asyncio.StreamWriter) -> None:
        if self._writer is writer:
            self._writer = None
        writer.close()
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(ConnectionError("connection to %s closed" % self.addr))
        self._pending.clear()

    async def request(self, code: int, ext_fields: Optional[Dict[str, str]] = None, body: bytes = b"",
                      timeout: float = 3.0) -> RemotingCommand:
        """Send a request and wait for its answer; raises OSError or asyncio.TimeoutError."""
        writer = await within(self._connect(), timeout)
        cmd = RemotingCommand(code, ext_fields, body, opaque=next(_opaque), language="JAVA",
                              version=BROKER_VERSION)
        waiter: "asyncio.Future[RemotingCommand]" = asyncio.get_event_loop().create_future()
        self._pending[cmd.opaque] = waiter
        try:
            writer.write(encode_frame(cmd))
            return await within(waiter, timeout)
        finally:
            self._pending.pop(cmd.opaque, None)

    def abort(self) -> None:
        """Drop the connection at once, unsent bytes and all, as a killed process's."""
        writer = self._writer
        if writer is not None:
            transport = writer.transport
            transport.abort()
            self._lost(writer)
        if self._reader_task is not None:
            self._reader_task.cancel()
            self._reader_task = None

    async def close(self) -> None:
        writer = self._writer
        if writer is not None:
            self._lost(writer)
            try:
                await within(writer.wait_closed(), CLOSE_GRACE_SECONDS)
            except asyncio.TimeoutError:
                # The peer reads nothing (hung): what is unwritten is dropped, as a closing process's.
                writer.transport.abort()
            except (ConnectionError, OSError):
                pass
        if self._reader_task is not None:
            self._reader_task.cancel()
            try:
                await self._reader_task
            except asyncio.CancelledError:
                pass
            self._reader_task = None
