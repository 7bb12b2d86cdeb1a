"""The request-reply callbacks the core calls (``extern "Python"`` in
_cdefs/request_reply.h): a reply, or why none came, for one
``Producer.request_async`` call, found through the number it gave the core
as user data."""

import logging
import threading
from concurrent.futures import Future
from typing import Any, Dict, Optional

from . import _lifecycle
from ._bindings import address, ffi, numbered_user_data
from .exceptions import ProducerSendAsyncFailed, RequestTimeoutError
from .message import DetachedMessage, ReceivedMessage

logger = logging.getLogger("rocketmq")

# CRequestReply.h's REQUEST_REPLY_TIMEOUT: CMQException.error of a timeout.
REQUEST_REPLY_TIMEOUT = 19


class PendingRequest:
    """One request_async call, alive (in ``_pending``) until the core reports back."""

    __slots__ = ("future", "user_data")

    def __init__(self, future: "Future[DetachedMessage]") -> None:
        self.future = future
        self.user_data = numbered_user_data()


_pending: Dict[int, PendingRequest] = {}
_lock = threading.Lock()


def track(request: PendingRequest) -> None:
    with _lock:
        _pending[address(request.user_data)] = request


def forget(user_data: Any) -> Optional[PendingRequest]:
    with _lock:
        return _pending.pop(address(user_data), None)


def pending_requests() -> int:
    with _lock:
        return len(_pending)


def _log_escaped_error(exc_type: Any, exc_value: Any, traceback: Any) -> None:
    if exc_type is not None:
        logger.error("error in a request-reply callback", exc_info=(exc_type, exc_value, traceback))


def _settle(future: "Future[DetachedMessage]", reply: Optional[DetachedMessage],
            error: Optional[BaseException]) -> None:
    if future.done():
        return  # cancelled by its owner meanwhile
    if error is None:
        future.set_result(reply)  # type: ignore[arg-type]
    else:
        future.set_exception(error)


@ffi.def_extern(onerror=_log_escaped_error)
def _rocketmq_on_reply(c_reply: Any, user_data: Any) -> None:
    request = forget(user_data)
    if request is None or _lifecycle.exiting():
        return
    # The core frees the reply when this returns: hand out a copy.
    received = ReceivedMessage(c_reply)
    try:
        reply = received.detach()
    finally:
        received._invalidate()
    _settle(request.future, reply, None)


def request_failure(error: Any) -> Exception:
    """The exception for a CMQException the core reported instead of a reply."""
    text = ffi.string(error.msg).decode("utf-8", "replace")
    if error.error == REQUEST_REPLY_TIMEOUT:
        return RequestTimeoutError(text)
    return ProducerSendAsyncFailed(
        text,
        error.error,
        ffi.string(error.file).decode("utf-8", "replace"),
        error.line,
        ffi.string(error.type).decode("utf-8", "replace"),
    )


@ffi.def_extern(onerror=_log_escaped_error)
def _rocketmq_on_request_failure(error: Any, user_data: Any) -> None:
    request = forget(user_data)
    if request is None or _lifecycle.exiting():
        return
    _settle(request.future, None, request_failure(error))
