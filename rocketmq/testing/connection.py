"""TCP server side of the remoting protocol: connections, dispatch, misbehaviour hooks."""

import asyncio
import collections
import itertools
import logging
import ssl
from typing import Awaitable, Callable, Dict, List, Optional, Set, Tuple

from .acl import AclDenied, AclValidator
from .codes import FLAG_ONEWAY, ResponseCode
from .remoting import ProtocolError, RemotingCommand, encode_frame, read_frame
from .tasks import cancel_and_wait, within

log = logging.getLogger("rocketmq.testing")

_opaque_counter = itertools.count(1)

# How long a stop waits for connections closed cleanly to end before dropping them.
CLOSE_GRACE_SECONDS = 2.0


class Connection:
    """One client socket; the broker also sends its own requests over it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        self.peer: Tuple[str, int] = (peer[0], peer[1])
        self.closed = False
        # Frames written while the server is hung wait here for it to resume.
        self._held: Optional[List[bytes]] = None
        # The broker's own requests that wait for the client's answer, by opaque.
        self._calls: "Dict[int, asyncio.Future[RemotingCommand]]" = {}

    def send(self, cmd: RemotingCommand) -> None:
        if self.closed:
            return
        frame = encode_frame(cmd)
        if self._held is not None:
            self._held.append(frame)
            return
        try:
            self.writer.write(frame)
        except (ConnectionError, RuntimeError):
            self.closed = True

    def send_oneway(self, code: int, ext_fields: Dict[str, str], body: bytes = b"") -> None:
        self.send(RemotingCommand(code, ext_fields, body, opaque=next(_opaque_counter), flag=FLAG_ONEWAY))

    async def call(self, code: int, ext_fields: Dict[str, str], body: bytes,
                   timeout: float) -> RemotingCommand:
        """A request to the client answered over this connection (Broker2Client.callClient).

        Raises ``asyncio.TimeoutError`` without an answer in time and
        ``ConnectionError`` when the connection is or gets closed."""
        if self.closed:
            raise ConnectionError("connection %r is closed" % (self,))
        opaque = next(_opaque_counter)
        answer: "asyncio.Future[RemotingCommand]" = asyncio.get_running_loop().create_future()
        self._calls[opaque] = answer
        try:
            self.send(RemotingCommand(code, ext_fields, body, opaque=opaque))
            return await within(answer, timeout)
        finally:
            self._calls.pop(opaque, None)

    def take_response(self, response: RemotingCommand) -> None:
        """A response from the client: settles the call waiting for it, if any."""
        waiter = self._calls.pop(response.opaque, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(response)

    def _fail_calls(self) -> None:
        calls, self._calls = self._calls, {}
        for waiter in calls.values():
            if not waiter.done():
                waiter.set_exception(ConnectionError("connection %r closed" % (self,)))

    def hold(self) -> None:
        """Keep what is sent from now on, as a stopped process writes nothing."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        held, self._held = self._held, None
        if held and not self.closed:
            try:
                self.writer.write(b"".join(held))
            except (ConnectionError, RuntimeError):
                self.closed = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.close()
        self._fail_calls()

    def abort(self) -> None:
        """Gone at once with whatever was not yet written, as a killed process's sockets."""
        self.closed = True
        self._held = None
        self.writer.transport.abort()
        self._fail_calls()

    def __repr__(self) -> str:
        return "Connection(%s:%d)" % self.peer


Handler = Callable[[Connection, RemotingCommand], Awaitable[Optional[RemotingCommand]]]


class Faults:
    """Ways to make a server misbehave on purpose, keyed by request code."""

    def __init__(self) -> None:
        self.error_responses: Dict[int, Tuple[int, str]] = {}
        self.delays: Dict[int, float] = {}
        self.close_on: Set[int] = set()
        self.drop: Set[int] = set()
        self.garbled: Set[int] = set()
        self.misaddressed: Set[int] = set()

    def respond_with_error(self, request_code: int, response_code: int = ResponseCode.SYSTEM_ERROR,
                           remark: str = "injected failure") -> None:
        """Answer requests of ``request_code`` with ``response_code`` and ``remark``, unhandled."""
        self.error_responses[request_code] = (response_code, remark)

    def delay(self, request_code: int, seconds: float) -> None:
        """Hold requests of ``request_code`` for ``seconds`` before handling them."""
        self.delays[request_code] = seconds

    def close_connection_on(self, request_code: int) -> None:
        """Close the connection when a request of ``request_code`` arrives."""
        self.close_on.add(request_code)

    def never_answer(self, request_code: int) -> None:
        """Read requests of ``request_code`` and never answer them."""
        self.drop.add(request_code)

    def garble_bodies(self, request_code: int) -> None:
        """Answer as usual, but with every byte of a non-empty response body flipped."""
        self.garbled.add(request_code)

    def answer_with_unknown_opaque(self, request_code: int) -> None:
        """Answer with an opaque no request of the client's carries."""
        self.misaddressed.add(request_code)

    def clear(self) -> None:
        """Remove every fault."""
        self.error_responses.clear()
        self.delays.clear()
        self.close_on.clear()
        self.drop.clear()
        self.garbled.clear()
        self.misaddressed.clear()


class RemotingServer:
    """Accepts connections and runs each request through ``handler`` concurrently.

    ``hang()`` / ``resume()`` act as SIGSTOP / SIGCONT on the server's
    process: connections are still accepted (by the kernel, as it were) but
    nothing is read, handled or written until the resume, when everything
    that arrived meanwhile is handled and answered.  ``kill()`` acts as
    SIGKILL: the listening socket and every connection are gone at once and
    requests in progress are never answered.
    """

    def __init__(self, name: str, handler: Handler,
                 on_close: Optional[Callable[[Connection], None]] = None) -> None:
        self.name = name
        self.handler = handler
        self.on_close = on_close
        self.faults = Faults()
        self.request_counts: "collections.Counter[int]" = collections.Counter()
        self.connections: Set[Connection] = set()
        # Checks every request before it is handled, as the broker's ACL hook does.
        self.acl: Optional[AclValidator] = None
        self._server: Optional[asyncio.AbstractServer] = None
        self._answers: "Set[asyncio.Task[None]]" = set()
        self._awake: Optional[asyncio.Event] = None
        self._dead = False
        self.port = 0

    @property
    def hung(self) -> bool:
        return self._awake is not None and not self._awake.is_set()

    async def start(self, host: str, port: int, tls: Optional[ssl.SSLContext] = None) -> None:
        self._dead = False
        self._awake = asyncio.Event()
        self._awake.set()
        self._server = await asyncio.start_server(self._serve, host, port, ssl=tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._shut(abort=False)

    async def kill(self) -> None:
        await self._shut(abort=True)

    async def _shut(self, abort: bool) -> None:
        # Marked first: connections that end from here on are not reported to on_close.
        self._dead = True
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for conn in list(self.connections):
            if abort:
                conn.abort()
            else:
                conn.close()
        if self._awake is not None:
            self._awake.set()
        # Held long-polling requests would otherwise outlive the loop (or, killed, be answered).
        await cancel_and_wait(list(self._answers))
        if server is not None:
            # From Python 3.12 on this also waits for every accepted connection to end, and a
            # connection closed cleanly lingers while a peer that reads nothing leaves bytes unsent.
            try:
                await within(server.wait_closed(), CLOSE_GRACE_SECONDS)
            except asyncio.TimeoutError:
                for conn in list(self.connections):
                    conn.abort()
                try:
                    await within(server.wait_closed(), CLOSE_GRACE_SECONDS)
                except asyncio.TimeoutError:
                    log.warning("%s: connections still open after the stop: %r", self.name, self.connections)
        await asyncio.sleep(0)

    def hang(self) -> None:
        if self._awake is not None and not self._dead:
            self._awake.clear()
            for conn in self.connections:
                conn.hold()

    def resume(self) -> None:
        if self._awake is not None and not self._awake.is_set():
            self._awake.set()
            for conn in list(self.connections):
                conn.release()

    async def _wait_awake(self) -> None:
        if self._awake is not None and not self._awake.is_set():
            await self._awake.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(reader, writer)
        if self._dead:
            conn.abort()
            return
        if self.hung:
            conn.hold()
        self.connections.add(conn)
        try:
            while not conn.closed:
                await self._wait_awake()
                cmd = await read_frame(reader)
                if cmd is None:
                    break
                # A request read just as the server hung waits for the resume.
                await self._wait_awake()
                if self._dead:
                    break
                if cmd.is_response:
                    conn.take_response(cmd)  # answers to oneway requests find no call and are dropped
                    continue
                task = asyncio.ensure_future(self._answer(conn, cmd))
                self._answers.add(task)
                task.add_done_callback(self._answers.discard)
        except ProtocolError as exc:
            log.info("%s: closing %r after bad input: %s", self.name, conn, exc)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.connections.discard(conn)
            if not self._dead:
                # A stopped process notices a peer's hang-up only once it runs again.
                await self._wait_awake()
            conn.close()
            if self.on_close is not None and not self._dead:
                self.on_close(conn)

    async def _answer(self, conn: Connection, cmd: RemotingCommand) -> None:
        self.request_counts[cmd.code] += 1
        faults = self.faults
        if cmd.code in faults.close_on:
            conn.close()
            return
        if cmd.code in faults.drop:
            return
        if cmd.code in faults.delays:
            await asyncio.sleep(faults.delays[cmd.code])
        if self.acl is not None:
            try:
                self.acl.validate(cmd, conn.peer[0])
            except AclDenied as denied:
                if not cmd.is_oneway:
                    conn.send(cmd.make_response(ResponseCode.SYSTEM_ERROR, denied.remark))
                return
        if cmd.code in faults.error_responses:
            code, remark = faults.error_responses[cmd.code]
            response: Optional[RemotingCommand] = cmd.make_response(code, remark)
        else:
            try:
                response = await self.handler(conn, cmd)
            except Exception as exc:  # one bad request must not take the server down
                log.exception("%s: request %r failed", self.name, cmd)
                response = cmd.make_response(ResponseCode.SYSTEM_ERROR, "%s: %s" % (type(exc).__name__, exc))
        if response is not None and not cmd.is_oneway:
            if cmd.code in faults.garbled and response.body:
                response.body = bytes(byte ^ 0xFF for byte in response.body)
            if cmd.code in faults.misaddressed:
                response.opaque = (response.opaque + 1_000_000) & 0x7FFFFFFF
            conn.send(response)
