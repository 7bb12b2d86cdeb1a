"""The functions the core calls back into (``extern "Python"`` in the cdef).

They run on the core's threads; cffi takes the GIL for them. Each one finds
its Python context from the ``void*`` user data (a ``ffi.new_handle``, or a
number for asynchronous sends) or,
for the push consumer whose C signature has none, from the consumer pointer.
No exception may escape into C: user errors are logged (logger
``rocketmq``) and turned into the safe answer for that callback.
"""

import logging
import os
import time
import traceback
import weakref
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional

from . import _lifecycle
from ._bindings import address, ffi, lib, numbered_user_data, py_string
from ._stats import ConsumerCounters, ProducerCounters
from ._statuses import ConsumeStatus, TransactionStatus, as_status, send_result_from_c
from .exceptions import ProducerSendAsyncFailed, refined_class
from .message import ReceivedMessage, _OutgoingMessageView

logger = logging.getLogger("rocketmq")

_QUEUE_SELECTION_FAILED = -1


def _log_escaped_error(exc_type: Any, exc_value: Any, traceback: Any) -> None:
    # Last line of defence: reached only if the code below itself fails.
    if exc_type is not None:
        logger.error("error in a RocketMQ callback", exc_info=(exc_type, exc_value, traceback))


# ----- queue selector (send_orderly) ------------------------------------------------------

class QueueSelection:
    """One orderly send: the user's selector, its argument, and any error it raised."""

    __slots__ = ("selector", "message", "arg", "error")

    def __init__(self, selector: Callable[[int, Any, Any], int], message: Any, arg: Any) -> None:
        self.selector = selector
        self.message = message
        self.arg = arg
        self.error: Optional[BaseException] = None


@ffi.def_extern(error=_QUEUE_SELECTION_FAILED, onerror=_log_escaped_error)
def _rocketmq_select_queue(size: int, msg: Any, arg: Any) -> int:
    selection: QueueSelection = ffi.from_handle(arg)
    try:
        index = selection.selector(size, selection.message, selection.arg)
    except Exception as error:
        # Kept for send_orderly to re-raise in the caller's thread.
        selection.error = error
        return _QUEUE_SELECTION_FAILED
    if isinstance(index, bool) or not isinstance(index, int):
        selection.error = TypeError(f"queue selector must return int, not {type(index).__name__}")
        return _QUEUE_SELECTION_FAILED
    if not 0 <= index < size:
        selection.error = ValueError(f"queue selector returned {index}, outside 0..{size - 1}")
        return _QUEUE_SELECTION_FAILED
    return index


# ----- async send -------------------------------------------------------------------------

class AsyncSend:
    """One send_async call, alive (in ``_pending_sends``) until the core reports back."""

    __slots__ = ("message", "on_success", "on_exception", "future", "counters", "started_ns", "user_data",
                 "__weakref__")

    def __init__(self, message: Any, on_success: Optional[Callable[[Any], Any]],
                 on_exception: Optional[Callable[[Any], Any]],
                 future: "Optional[Future[Any]]", counters: ProducerCounters) -> None:
        self.message = message  # its native message, if it has one, is read by the core until completion
        self.on_success = on_success
        self.on_exception = on_exception
        self.future = future
        self.counters = counters
        self.started_ns = time.perf_counter_ns()
        self.user_data = numbered_user_data()


# Keyed by the user data the core reports back (cdata pointers hash and compare
# by address); single dict operations are atomic under the GIL, so no lock.
_pending_sends: Dict[Any, AsyncSend] = {}


def track_async_send(send: AsyncSend) -> None:
    _pending_sends[send.user_data] = send


def forget_async_send(user_data: Any) -> Optional[AsyncSend]:
    return _pending_sends.pop(user_data, None)


def pending_async_sends() -> int:
    return len(_pending_sends)


# The two below run on the send-completions thread (rocketmq._send_completions),
# which takes the core's reports in bursts.

def report_sends(records: Any, count: int) -> None:
    """A burst of the core's reports: ``count`` entries of ``records``.

    Each success is counted, then its callback and future run; the steps are
    written out in one loop rather than split into helpers, as this runs once
    per asynchronous send and the calls saved are a good part of the Python
    time a completion costs. Failures, and producers with an observer, take
    the general functions."""
    exiting = _lifecycle.exiting()
    clock = time.perf_counter_ns
    pop = _pending_sends.pop
    for index in range(count):
        record = records[index]
        try:
            if record.failed:
                send_failed(record.error, record.user_data)
                continue
            send = pop(record.user_data, None)
            if send is None:
                continue
            counters = send.counters
            if counters.observer is not None:
                counters.async_succeeded(send.started_ns, send.message)
            else:
                counters.latencies._samples.append(clock() - send.started_ns)
                lock = counters._lock
                lock.acquire()  # by hand: `with` costs as much again
                try:
                    counters._in_flight -= 1
                    counters._sent += 1
                finally:
                    lock.release()
            if exiting:
                continue
            send_result = send_result_from_c(record.result)
            if send.on_success is not None:
                try:
                    send.on_success(send_result)
                except Exception:
                    logger.exception("send_async on_success callback raised")
            if send.future is not None:
                send.future.set_result(send_result)
        except BaseException:  # noqa: BLE001 - the thread must outlive any one report
            logger.exception("reporting an asynchronous send failed")


def send_failed(error: Any, user_data: Any) -> None:
    """An asynchronous send that failed: count it, then its callback and future."""
    send = forget_async_send(user_data)
    if send is None:
        return
    send.counters.async_failed(send.started_ns, send.message)
    if _lifecycle.exiting():
        return
    text = ffi.string(error.msg).decode("utf-8", "replace")
    failure = refined_class(ProducerSendAsyncFailed, text)(
        text,
        error.error,
        ffi.string(error.file).decode("utf-8", "replace"),
        error.line,
        ffi.string(error.type).decode("utf-8", "replace"),
    )
    if send.on_exception is not None:
        try:
            send.on_exception(failure)
        except Exception:
            logger.exception("send_async on_exception callback raised")
    if send.future is not None:
        send.future.set_exception(failure)


# ----- transactions -----------------------------------------------------------------------

class LocalTransaction:
    """One send_message_in_transaction call: the executor and its argument."""

    __slots__ = ("execute", "user_args")

    def __init__(self, execute: Callable[[Any, Any], Any], user_args: Any) -> None:
        self.execute = execute
        self.user_args = user_args


class TransactionChecker:
    """A transaction producer's checker, for the broker's state checks."""

    __slots__ = ("check",)

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check


_UNKNOWN = int(TransactionStatus.UNKNOWN)


def _transaction_answer(run: Callable[[ReceivedMessage], Any], message: ReceivedMessage, what: str) -> int:
    try:
        answer = run(message)
    except Exception:
        logger.exception("%s raised; answering UNKNOWN", what)
        return _UNKNOWN
    finally:
        message._invalidate()
    status = as_status(answer, TransactionStatus)
    if status is None:
        logger.error("%s returned %r instead of a TransactionStatus; answering UNKNOWN", what, answer)
        return _UNKNOWN
    return int(status)


@ffi.def_extern(error=_UNKNOWN, onerror=_log_escaped_error)
def _rocketmq_execute_local_transaction(producer: Any, msg: Any, data: Any) -> int:
    transaction: LocalTransaction = ffi.from_handle(data)
    if _lifecycle.exiting():
        return _UNKNOWN
    return _transaction_answer(
        lambda message: transaction.execute(message, transaction.user_args),
        _OutgoingMessageView(msg),
        "local transaction executor",
    )


@ffi.def_extern(error=_UNKNOWN, onerror=_log_escaped_error)
def _rocketmq_check_transaction(producer: Any, msg: Any, data: Any) -> int:
    checker: TransactionChecker = ffi.from_handle(data)
    if _lifecycle.exiting():
        return _UNKNOWN
    return _transaction_answer(checker.check, ReceivedMessage(msg), "transaction checker")


# ----- push consumer ----------------------------------------------------------------------

_RECONSUME_LATER = int(ConsumeStatus.RECONSUME_LATER)
_CONSUME_SUCCESS = int(ConsumeStatus.CONSUME_SUCCESS)
# A callback that raised: consumed again later like RECONSUME_LATER, but a
# console that asked for the message to be consumed directly is told
# CR_THROW_EXCEPTION (as the Java client answers for a listener that threw).
_LISTENER_RAISED = int(lib.E_CONSUME_LISTENER_RAISED)
# A failure description longer than this is cut (a remark is one line of a console).
_MAX_FAILURE_CHARS = 1024

# CPushConsumer address -> the PushConsumer that owns it. Weak, so a
# consumer that is dropped can still be garbage collected (and shut down).
_consumers: "weakref.WeakValueDictionary[int, Any]" = weakref.WeakValueDictionary()


def register_consumer(c_consumer: Any, consumer: Any) -> None:
    _consumers[address(c_consumer)] = consumer


# The core's default (PushConsumerConfig::maxReconsumeTimes): a message that
# fails once more after this many redeliveries goes to the dead-letter queue.
MAX_RECONSUME_TIMES = 16


def _note_listener_failure(error: BaseException) -> None:
    """Tell the core what the callback raised, as Java's exceptionSimpleDesc puts it
    (the exception, then where it was raised): a console that asked for the message
    to be consumed directly gets it back."""
    description = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        where = frames[-1]
        description += f", {where.name}({os.path.basename(where.filename)}:{where.lineno})"
    lib.NoteConsumeListenerFailure(description[:_MAX_FAILURE_CHARS].encode("utf-8", "replace"))


_SUCCESS = ConsumeStatus.CONSUME_SUCCESS


def _status_of_answer(answer: Any) -> int:
    status = as_status(answer, ConsumeStatus)
    if status is None:
        logger.error("message callback returned %r instead of a ConsumeStatus; "
                     "the message will be consumed again later", answer)
        return _RECONSUME_LATER
    return int(status)


def _consume_status(callback: Callable[[ReceivedMessage], Any], c_message: Any) -> int:
    message = ReceivedMessage(c_message)
    try:
        answer = callback(message)
    except Exception as error:
        logger.exception("message callback raised; the message will be consumed again later")
        _note_listener_failure(error)
        return _LISTENER_RAISED
    finally:
        message._invalidate()
    return _status_of_answer(answer)


def deliver_list(callback: Callable[[List[ReceivedMessage]], Any], c_messages: List[Any],
                 counters: ConsumerCounters, max_reconsume_times: int = MAX_RECONSUME_TIMES) -> int:
    """Run a subscribe_batch callback on messages; its one answer is every message's CConsumeStatus.

    The messages share one answer and one run time, so they are counted
    together: one lock round each way for the whole list."""
    messages = [ReceivedMessage(c_message) for c_message in c_messages]
    started = counters.deliveries_started(len(messages))
    status = _RECONSUME_LATER
    try:
        answer = callback(messages)
        checked = as_status(answer, ConsumeStatus)
        if checked is None:
            logger.error("batch callback returned %r instead of a ConsumeStatus; "
                         "its %d messages will be consumed again later", answer, len(messages))
        else:
            status = int(checked)
    except Exception as error:
        status = _LISTENER_RAISED
        logger.exception("batch callback raised; its %d messages will be consumed again later", len(messages))
        _note_listener_failure(error)
    finally:
        for message in messages:
            message._c_message = None  # as _invalidate(), without a call per message
        if status == _CONSUME_SUCCESS:
            counters.deliveries_ended(started, c_messages, True, ())
        else:
            dead = [lib.GetMessageReconsumeTimes(c_message) >= max_reconsume_times
                    for c_message in c_messages]
            counters.deliveries_ended(started, c_messages, False, dead)
    return status


def deliver(callback: Callable[[ReceivedMessage], Any], c_message: Any, counters: ConsumerCounters,
            max_reconsume_times: int = MAX_RECONSUME_TIMES) -> int:
    """Run a consumer callback on one message and turn its answer into a CConsumeStatus."""
    started = counters.delivery_started()
    status = _RECONSUME_LATER
    try:
        status = _consume_status(callback, c_message)
    finally:
        failed = status != _CONSUME_SUCCESS
        dead = failed and lib.GetMessageReconsumeTimes(c_message) >= max_reconsume_times
        counters.delivery_ended(started, not failed, dead, c_message)
    return status


def deliver_each(callback: Callable[[ReceivedMessage], Any], c_messages: Any, count: int,
                 stop_at_failure: int, statuses: Any, consumer: Any) -> int:
    """The usual burst: one subscription, one message per call, no observer.

    The steps of ``deliver`` for each message, written out in one loop: this
    runs once per consumed message, and the helper calls it saves are most
    of the Python time a delivery costs. Counts stay per message (``stats()``
    sees each one as its callback returns). Only failures are written into
    ``statuses``: the C side fills it with successes first."""
    counters: ConsumerCounters = consumer._counters
    # The lock is taken once per message, with acquire and release (`with`
    # costs about twice as much): a message that ends and the next that
    # starts leave the in-flight count as it is, so it changes per burst.
    acquire, release = counters._lock.acquire, counters._lock.release
    samples = counters.latencies._samples
    clock = time.perf_counter_ns
    max_reconsume_times = consumer._max_reconsume_times
    handled = 0
    acquire()
    counters._in_flight += 1
    release()
    # One clock reading per message: each message's time runs from the end
    # of the one before (the few steps between them are counted in).
    started = clock()
    try:
        while handled < count and not consumer._stopping:
            c_message = c_messages[handled]
            message = ReceivedMessage(c_message)
            status = _RECONSUME_LATER
            try:
                answer = callback(message)
                status = _CONSUME_SUCCESS if answer is _SUCCESS else _status_of_answer(answer)
            except Exception as error:
                status = _LISTENER_RAISED
                logger.exception("message callback raised; the message will be consumed again later")
                _note_listener_failure(error)
            finally:
                message._c_message = None  # read after the callback: RuntimeError, not freed memory
                ended = clock()
                samples.append(ended - started)
                started = ended
                if status == _CONSUME_SUCCESS:
                    acquire()
                    try:
                        counters._consumed += 1
                    finally:
                        release()
                else:
                    dead = lib.GetMessageReconsumeTimes(c_message) >= max_reconsume_times
                    acquire()
                    try:
                        if dead:
                            counters._dead_lettered += 1
                        else:
                            counters._retried += 1
                    finally:
                        release()
            handled += 1
            if status != _CONSUME_SUCCESS:
                statuses[handled - 1] = status  # a success is there already (see callback_gates.h)
                if stop_at_failure:
                    break
    finally:
        acquire()
        counters._in_flight -= 1
        release()
    return handled


@ffi.def_extern(error=0, onerror=_log_escaped_error)
def _rocketmq_consume_batch(c_consumer: Any, c_messages: Any, count: int, stop_at_failure: int,
                            statuses: Any) -> int:
    """A burst of messages of one queue: each through its callback, in order.

    Returns how many were handled; the core delivers the rest again later
    (shutdown began, or an orderly burst stopped at a failure). ``statuses``
    arrive filled with successes (callback_gates.h): only failures are written.
    """
    if _lifecycle.exiting():
        return 0
    consumer = _consumers.get(address(c_consumer))
    if consumer is None:
        return 0
    counters = consumer._counters
    counters.bursts += 1  # under the GIL, which this call holds
    max_reconsume_times = consumer._max_reconsume_times
    only_callback = consumer._only_callback()
    if only_callback is not None and counters.observer is None and not consumer._takes_lists(only_callback):
        return deliver_each(only_callback, c_messages, count, stop_at_failure, statuses, consumer)

    def callback_of(c_message: Any) -> Any:
        return only_callback or consumer._callback_for(py_string(lib.GetMessageTopic(c_message)))

    handled = 0
    while handled < count and not consumer._stopping:
        c_message = c_messages[handled]
        callback = callback_of(c_message)
        if callback is None:
            logger.error("no callback subscribed for topic %s", py_string(lib.GetMessageTopic(c_message)))
            chunk, status = 1, _RECONSUME_LATER
        elif consumer._takes_lists(callback):
            # subscribe_batch: the next messages for this same callback, up to the batch size.
            if only_callback is not None:
                chunk = min(consumer._batch_max_size, count - handled)
            else:
                chunk = 1
                while (chunk < consumer._batch_max_size and handled + chunk < count
                       and callback_of(c_messages[handled + chunk]) is callback):
                    chunk += 1
            status = deliver_list(callback, list(c_messages[handled:handled + chunk]), counters,
                                  max_reconsume_times)
        else:
            chunk, status = 1, deliver(callback, c_message, counters, max_reconsume_times)
        if status != _CONSUME_SUCCESS:
            statuses[handled:handled + chunk] = [status] * chunk
        handled += chunk
        if stop_at_failure and status != _CONSUME_SUCCESS:
            break
    return handled


@ffi.def_extern(error=_RECONSUME_LATER, onerror=_log_escaped_error)
def _rocketmq_consume_message(c_consumer: Any, c_message: Any) -> int:
    if _lifecycle.exiting():
        return _RECONSUME_LATER
    consumer = _consumers.get(address(c_consumer))
    if consumer is None:
        return _RECONSUME_LATER
    callback = consumer._callback_for(py_string(lib.GetMessageTopic(c_message)))
    if callback is None:
        logger.error("no callback subscribed for topic %s", py_string(lib.GetMessageTopic(c_message)))
        return _RECONSUME_LATER
    return deliver(callback, c_message, consumer._counters, consumer._max_reconsume_times)
