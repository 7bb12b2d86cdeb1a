"""Start/shutdown bookkeeping shared by producers and consumers.

Each client owns a ``NativeClient`` holding its C handle. Started clients
sit in a weak registry so an ``atexit`` hook can shut them down when the
program forgot to: the core's threads must stop before the interpreter
finalizes, or they would call back into a Python that is gone.

A forked child inherits the clients' memory but none of the core's threads,
so a client made before ``fork()`` is unusable there: using it raises
``ClientUsedAfterFork``, and the child never shuts it down or frees it (that
would wait on threads that do not exist). Clients made in the child work.
"""

import atexit
import logging
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, List, Optional, TypeVar

from .exceptions import ClientUsedAfterFork

logger = logging.getLogger("rocketmq")

# How long interpreter exit waits for forgotten clients to shut down.
EXIT_SHUTDOWN_TIMEOUT_SECONDS = 10.0

_started: "weakref.WeakSet[NativeClient]" = weakref.WeakSet()
_registry_lock = threading.Lock()
_exiting = False
_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _pid, _registry_lock
    _pid = os.getpid()
    # The parent's clients belong to the parent; a lock another thread held
    # at fork() would stay locked here forever.
    _registry_lock = threading.Lock()
    _started.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def exiting() -> bool:
    """True once interpreter exit began: callbacks stop running user code then."""
    return _exiting


class NativeClient:
    """A C producer or consumer handle with idempotent shutdown and release.

    Deliberately holds no reference to the Python object that owns it, so it
    can be the target of that object's ``weakref.finalize``.
    """

    def __init__(self, handle: Any, shutdown: Callable[[Any], int], destroy: Callable[[Any], int]) -> None:
        self._handle: Optional[Any] = handle
        self._owner_pid = _pid
        self._shutdown = shutdown
        self._destroy = destroy
        self._state_lock = threading.Lock()
        self._started = False
        # Objects the core holds raw pointers to (new_handle cdata): they
        # must live exactly as long as the C handle.
        self.keepalive: List[Any] = []

    @property
    def handle(self) -> Optional[Any]:
        """The C handle (None once released); raises in a process forked after creation."""
        if self._owner_pid != _pid:
            raise ClientUsedAfterFork(
                f"this client was created in process {self._owner_pid}; after fork() the core's threads "
                f"exist only there: create new clients in process {_pid}"
            )
        return self._handle

    @property
    def started(self) -> bool:
        return self._started

    def mark_started(self) -> None:
        with self._state_lock:
            self._started = True
        with _registry_lock:
            _started.add(self)

    def shutdown(self) -> Optional[int]:
        """Shut the C client down once; later calls return None without touching it."""
        if self._owner_pid != _pid:
            return None  # a forked child's copy: the threads to stop are the parent's
        with self._state_lock:
            if not self._started or self._handle is None:
                return None
            self._started = False
        with _registry_lock:
            _started.discard(self)
        # The lock is not held here: shutdown waits for in-flight callbacks,
        # and those must not block on this client.
        return self._shutdown(self._handle)

    def release(self) -> None:
        """Shut down if needed and free the C handle (the owner was garbage collected)."""
        if _exiting or self._owner_pid != _pid:
            # Freeing during exit gains nothing and could race the core's
            # threads that the exit hook gave up waiting for; a forked
            # child's copy is the parent's to free.
            return
        if isinstance(threading.current_thread(), threading._DummyThread):
            # Garbage collection ran on one of the core's threads (inside a
            # callback), possibly one this very client would join on
            # shutdown: release from a thread of our own instead.
            threading.Thread(target=self._release_now, name="rocketmq-release", daemon=True).start()
        else:
            self._release_now()

    def _release_now(self) -> None:
        try:
            self.shutdown()
        except Exception:
            logger.exception("shutting down a garbage-collected client failed")
        handle, self._handle = self._handle, None
        if handle is not None:
            self._destroy(handle)


_Owner = TypeVar("_Owner", bound="HandleOwner")


class HandleOwner:
    """What every client class shares: its ``NativeClient``, the ``_handle``
    every C call takes, and ``with`` starting and shutting it down."""

    _client: NativeClient
    # Completes "the ... has been destroyed" in the error of a released handle.
    _KIND = "client"

    if TYPE_CHECKING:
        def start(self) -> None: ...

        def shutdown(self) -> None: ...

    def _own(self, client: NativeClient) -> None:
        """Take ``client``; it is released (shut down and freed) once this object is collected."""
        self._client = client
        finalizer = weakref.finalize(self, client.release)
        finalizer.atexit = False  # interpreter exit is _shutdown_at_exit's job

    @property
    def _handle(self) -> Any:
        # Read on every send: the usual case is checked here, inline; the
        # client's ``handle`` property says why a handle cannot be used.
        client = self._client
        handle = client._handle
        if handle is None or client._owner_pid != _pid:
            handle = client.handle  # raises ClientUsedAfterFork in a forked child
            if handle is None:
                raise ValueError(f"the {self._KIND} has been destroyed")
        return handle

    def __enter__(self: _Owner) -> _Owner:
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.shutdown()


def _shutdown_all_started() -> None:
    with _registry_lock:
        clients = list(_started)
    for client in clients:
        try:
            client.shutdown()
        except Exception:
            logger.exception("shutting down a client at interpreter exit failed")


@atexit.register
def _shutdown_at_exit() -> None:
    global _exiting
    _exiting = True
    # A daemon thread bounds the wait: a core stuck on the network must not
    # hang interpreter exit forever.
    worker = threading.Thread(target=_shutdown_all_started, name="rocketmq-exit-shutdown", daemon=True)
    try:
        worker.start()
    except RuntimeError:
        # Some interpreters refuse new threads this late: shut down inline.
        _shutdown_all_started()
    else:
        worker.join(EXIT_SHUTDOWN_TIMEOUT_SECONDS)
    if worker.is_alive():
        logger.warning("RocketMQ clients did not shut down within %.0f s at exit",
                       EXIT_SHUTDOWN_TIMEOUT_SECONDS)
    # From here on, a core thread still running answers its callbacks in C.
    from ._bindings import lib

    if "rocketmq.log" in sys.modules:
        sys.modules["rocketmq.log"].stop_routing_at_exit()
    if "rocketmq._send_completions" in sys.modules:
        sys.modules["rocketmq._send_completions"].stop(1.0)
    lib.rocketmq_close_callbacks()
