"""The future ``send_async`` and ``request_async`` return.

A ``concurrent.futures.Future`` builds a ``threading.Condition`` (a lock,
five bound methods, a deque) and two lists when it is created: about ten
objects the cyclic garbage collector tracks. An asynchronous send's future
lives until the broker answers, so with a thousand sends in flight those
objects survive into the oldest generation and every full collection walks
them; most futures are never waited on at all. ``LazyFuture`` makes the
condition and the two lists the first time something needs them (``result``,
``add_done_callback``, ``concurrent.futures.wait``, ``asyncio.wrap_future``,
...), and completes a future nobody has touched without them.

It is a ``concurrent.futures.Future`` in every other respect: the base
class's methods run unchanged, they only find the attributes made on demand.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, InvalidStateError
from concurrent.futures._base import FINISHED, RUNNING
from typing import Any, List, Optional

__all__ = ["LazyFuture"]

# Making the condition and completing a future without one are decided under
# this lock, so a waiter that makes the condition either sees the result
# already set or is seen (and notified) by the completion. It is held for a
# few attribute reads and writes only.
_making = threading.Lock()


class LazyFuture(Future):  # type: ignore[type-arg]
    """A running ``Future`` whose condition and lists are made on first use."""

    # Until made: the class attribute says "not yet".
    _made_condition: Optional[threading.Condition] = None

    def __init__(self) -> None:  # noqa: D107 - the base __init__ is what this avoids
        # Started already: these futures are never cancelled before they run.
        self._state = RUNNING
        self._result: Any = None
        self._exception: Optional[BaseException] = None

    def _make(self) -> threading.Condition:
        with _making:
            condition = self._made_condition
            if condition is None:
                self._made_waiters: List[Any] = []
                self._made_callbacks: List[Any] = []
                condition = self._made_condition = threading.Condition()
            return condition

    @property
    def _condition(self) -> threading.Condition:  # type: ignore[override]
        return self._made_condition or self._make()

    @property
    def _waiters(self) -> List[Any]:  # type: ignore[override]
        self._condition  # noqa: B018 - makes the list with the condition
        return self._made_waiters

    @property
    def _done_callbacks(self) -> List[Any]:
        self._condition  # noqa: B018 - makes the list with the condition
        return self._made_callbacks

    def _finish_untouched(self, result: Any, exception: Optional[BaseException]) -> bool:
        """Completes the future if nothing has made its condition yet; False if something has."""
        with _making:
            if self._made_condition is not None:
                return False
            state = self._state
            if state == RUNNING:
                # Nothing has looked at the future: no waiter, no callback.
                self._result = result
                self._exception = exception
                self._state = FINISHED
                return True
        raise InvalidStateError(f"{state}: the future is already done")

    def set_result(self, result: Any) -> None:
        if self._made_condition is not None or not self._finish_untouched(result, None):
            super().set_result(result)

    def set_exception(self, exception: Optional[BaseException]) -> None:
        if self._made_condition is not None or not self._finish_untouched(None, exception):
            super().set_exception(exception)
