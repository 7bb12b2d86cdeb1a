"""A small blocking remoting client: enough to talk to a name server or broker by hand."""

import itertools
import queue
import socket
import struct
import threading
from typing import Callable, Dict, Optional

from .codes import FLAG_ONEWAY
from .remoting import SERIALIZE_JSON, ProtocolError, RemotingCommand, decode_frame_payload, encode_frame

_opaque = itertools.count(1)


class RemotingClient:
    """Sends requests and waits for answers; requests from the server go to ``on_request``
    or, without one, into ``server_requests``."""

    def __init__(self, addr: str, serialize_type: int = SERIALIZE_JSON, language: str = "PYTHON",
                 on_request: Optional[Callable[["RemotingClient", RemotingCommand], None]] = None) -> None:
        host, _, port = addr.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.settimeout(None)
        self.serialize_type = serialize_type
        self.language = language
        self.on_request = on_request
        self.server_requests: "queue.Queue[RemotingCommand]" = queue.Queue()
        self._pending: Dict[int, "queue.Queue[RemotingCommand]"] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def _recv_exact(self, n: int) -> bytes:
        chunks = []
        while n:
            chunk = self.sock.recv(n)
            if not chunk:
                raise ConnectionError("closed by peer")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _read_loop(self) -> None:
        try:
            while True:
                (length,) = struct.unpack(">i", self._recv_exact(4))
                cmd = decode_frame_payload(self._recv_exact(length))
                if cmd.is_response:
                    waiter = self._pending.pop(cmd.opaque, None)
                    if waiter is not None:
                        waiter.put(cmd)
                elif self.on_request is not None:
                    self.on_request(self, cmd)
                else:
                    self.server_requests.put(cmd)
        except (OSError, ConnectionError, ProtocolError, struct.error):
            self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def _build(self, code: int, ext_fields: Optional[Dict[str, object]], body: bytes,
               flag: int) -> RemotingCommand:
        fields = {k: str(v) for k, v in (ext_fields or {}).items() if v is not None}
        return RemotingCommand(code, fields, body, opaque=next(_opaque), flag=flag, language=self.language,
                               version=409, serialize_type=self.serialize_type)

    def request(self, code: int, ext_fields: Optional[Dict[str, object]] = None, body: bytes = b"",
                timeout: float = 10.0) -> RemotingCommand:
        cmd = self._build(code, ext_fields, body, 0)
        waiter: "queue.Queue[RemotingCommand]" = queue.Queue()
        self._pending[cmd.opaque] = waiter
        self.send(cmd)
        try:
            return waiter.get(timeout=timeout)
        except queue.Empty:
            self._pending.pop(cmd.opaque, None)
            raise TimeoutError("no response to code %d within %.1fs" % (code, timeout))

    def oneway(self, code: int, ext_fields: Optional[Dict[str, object]] = None, body: bytes = b"") -> None:
        self.send(self._build(code, ext_fields, body, FLAG_ONEWAY))

    def send(self, cmd: RemotingCommand) -> None:
        with self._lock:
            self.sock.sendall(encode_frame(cmd))

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def __enter__(self) -> "RemotingClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
