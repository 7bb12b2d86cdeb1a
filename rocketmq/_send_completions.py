"""The thread that reports asynchronous sends to Python, in bursts.

The core is handed C callbacks (``rocketmq_queued_on_send_*``, in
``_cdefs/send_completion_queue.h``) that only queue each result. One daemon
thread here takes everything queued in one call, with the GIL released
while it waits, and then runs the Python side of each send (counters, the
user's callbacks, the future) under a single GIL acquisition. Entering
Python once per send from the core's thread instead made every completion a
GIL hand-off with the thread that keeps sending.

Every send_async of the process reports through this thread, in the order
the core finished them; a callback that blocks holds up the ones behind it,
as a callback blocking the core's thread did before.
"""

from __future__ import annotations

import os
import threading
from typing import Optional

from . import _callbacks
from ._bindings import ffi, lib

# Completions taken per call: enough that a busy producer is served in a few
# calls per millisecond, small enough that the buffer stays a few hundred KiB.
BURST = 256
# How long the thread waits in C before looking at its stop flag again.
_WAIT_MS = 1000
# How long a producer's shutdown waits for its last results to be delivered.
DRAIN_TIMEOUT_SECONDS = 10.0


class _Dispatcher:
    def __init__(self) -> None:
        self._start_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stopping = False
        self._progress = threading.Condition()
        self._delivered = 0  # completions run, as counted by the C queue's `queued`; this thread writes it
        self._drainers = 0  # threads waiting in drain(), under _progress

    def ensure_running(self) -> None:
        """Starts the thread on the first asynchronous send."""
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None and not self._stopping:
                thread = threading.Thread(target=self._run, name="rocketmq-send-completions", daemon=True)
                thread.start()
                self._thread = thread

    def _run(self) -> None:
        records = ffi.new("rocketmq_send_completion[]", BURST)
        take = lib.rocketmq_take_send_completions
        while not self._stopping:
            count = take(records, BURST, _WAIT_MS)
            if count:
                _callbacks.report_sends(records, count)
                # Counted before looking for drainers, and a drainer registers
                # before it reads the count: one of the two sees the other.
                self._delivered += count
                if self._drainers:
                    with self._progress:
                        self._progress.notify_all()

    def drain(self, timeout: float = DRAIN_TIMEOUT_SECONDS) -> bool:
        """Waits until every result queued so far has been delivered; False on timeout.

        Returns at once on the thread itself (a callback shutting its producer
        down) and when the thread never started."""
        thread = self._thread
        if thread is None or thread is threading.current_thread() or not thread.is_alive():
            return True
        target = lib.rocketmq_send_completions_queued()
        with self._progress:
            self._drainers += 1
            try:
                return self._progress.wait_for(lambda: self._delivered >= target, timeout)
            finally:
                self._drainers -= 1

    def stop(self, timeout: float) -> None:
        """Ends the thread (interpreter exit): results still queued are dropped."""
        self._stopping = True
        lib.rocketmq_wake_send_completions()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def after_fork_in_child(self) -> None:
        # The thread exists only in the parent; so do the sends it reports.
        lib.rocketmq_reset_send_completions_after_fork()
        self._start_lock = threading.Lock()
        self._progress = threading.Condition()
        self._thread = None
        self._delivered = 0
        self._drainers = 0


_dispatcher = _Dispatcher()

ensure_running = _dispatcher.ensure_running
drain = _dispatcher.drain
stop = _dispatcher.stop

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_dispatcher.after_fork_in_child)

