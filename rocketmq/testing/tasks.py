"""Waiting with a deadline and cancelling background tasks, without losing a cancellation.

On Python before 3.12, ``asyncio.wait_for`` returns the inner result when the
caller is cancelled in the same loop iteration as that result arrives: the
cancellation is dropped.  A ``while True`` service loop that waits for an
answer that way can then survive ``task.cancel()`` and keep running, and a
stop that awaits it never returns.  :func:`within` is ``wait_for`` without
that race, and :func:`cancel_and_wait` bounds a stop even if a task ignores
one cancellation.
"""

import asyncio
import logging
from typing import Any, Awaitable, Iterable, List, TypeVar

log = logging.getLogger("rocketmq.testing")

_T = TypeVar("_T")

# How long a stop waits, all told, for cancelled tasks to end.
CANCEL_DEADLINE_SECONDS = 5.0
# How often a task that is still running is cancelled again meanwhile.
RECANCEL_INTERVAL_SECONDS = 0.1


async def within(awaitable: Awaitable[_T], timeout: float) -> _T:
    """``awaitable``'s result, or ``asyncio.TimeoutError`` after ``timeout`` seconds.

    A cancellation of the caller always propagates (and cancels the inner
    work), even when the inner result arrives at the same moment.
    """
    inner: "asyncio.Future[_T]" = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({inner}, timeout=timeout)
    except asyncio.CancelledError:
        inner.cancel()
        raise
    if not done:
        inner.cancel()
        raise asyncio.TimeoutError()
    return inner.result()


async def cancel_and_wait(tasks: Iterable["asyncio.Future[Any]"],
                          deadline: float = CANCEL_DEADLINE_SECONDS) -> List["asyncio.Future[Any]"]:
    """Cancel ``tasks`` and wait until they end, cancelling again those that keep running.

    Returns the tasks still running after ``deadline`` seconds (logged), so
    that a stop stays bounded whatever a task does with its cancellation.
    """
    tasks = list(tasks)
    pending = {task for task in tasks if not task.done()}
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + deadline
    while pending:
        for task in pending:
            task.cancel()
        remaining = give_up_at - loop.time()
        if remaining <= 0:
            log.warning("%d task(s) still running after being cancelled for %.1f s: %r",
                        len(pending), deadline, pending)
            return list(pending)
        _, pending = await asyncio.wait(pending, timeout=min(RECANCEL_INTERVAL_SECONDS, remaining))
    for task in tasks:
        if not task.cancelled():
            task.exception()  # retrieved: a service that failed before the stop is not reported again
    return []
