"""The callback contract, driven through the C entry points the core calls.

Calling ``lib._rocketmq_*`` from Python goes through C and back into the
registered Python functions exactly as a core thread would.
"""

import logging
from concurrent.futures import Future

import pytest

from rocketmq import _callbacks, _send_completions
from rocketmq._bindings import ffi, lib
from rocketmq._stats import ConsumerCounters, ProducerCounters
from rocketmq.client import ConsumeStatus, Message, TransactionStatus
from rocketmq.exceptions import ProducerSendAsyncFailed

NULL = ffi.NULL


def select(selector, arg=None, size=4, message=None):
    selection = _callbacks.QueueSelection(selector, message, arg)
    handle = ffi.new_handle(selection)
    return lib._rocketmq_select_queue(size, NULL, handle), selection.error


def test_selector_gets_queue_count_message_and_arg():
    message = Message("T")
    seen = []
    index, error = select(lambda count, msg, arg: seen.append((count, msg, arg)) or 2, "arg", 8, message)
    assert (index, error) == (2, None)
    assert seen == [(8, message, "arg")]


@pytest.mark.parametrize("selector, error_type", [
    (lambda count, msg, arg: 1 / 0, ZeroDivisionError),
    (lambda count, msg, arg: "1", TypeError),
    (lambda count, msg, arg: None, TypeError),
    (lambda count, msg, arg: 4, ValueError),
    (lambda count, msg, arg: -1, ValueError),
])
def test_failing_selector_is_reported_to_the_sender(selector, error_type):
    index, error = select(selector)
    assert index < 0
    assert isinstance(error, error_type)


def test_transaction_executor_answers(caplog):
    def run(execute):
        transaction = _callbacks.LocalTransaction(execute, "user-args")
        message = Message("TxTopic")
        message.set_body(b"a\0b")
        return lib._rocketmq_execute_local_transaction(NULL, message._handle, ffi.new_handle(transaction))

    seen = []

    def execute(message, args):
        seen.append((message.topic, message.body, args))
        return TransactionStatus.ROLLBACK

    assert run(execute) == TransactionStatus.ROLLBACK
    assert seen == [("TxTopic", b"a\0b", "user-args")]
    assert run(lambda message, args: 0) == TransactionStatus.COMMIT
    with caplog.at_level(logging.ERROR, logger="rocketmq"):
        assert run(lambda message, args: 1 / 0) == TransactionStatus.UNKNOWN
        assert run(lambda message, args: None) == TransactionStatus.UNKNOWN
        assert run(lambda message, args: True) == TransactionStatus.UNKNOWN
    assert len(caplog.records) == 3


def test_transaction_checker_failures_answer_unknown(caplog):
    def check(checker):
        handle = ffi.new_handle(_callbacks.TransactionChecker(checker))
        return lib._rocketmq_check_transaction(NULL, NULL, handle)

    assert check(lambda message: TransactionStatus.COMMIT) == TransactionStatus.COMMIT
    with caplog.at_level(logging.ERROR, logger="rocketmq"):
        assert check(lambda message: 1 / 0) == TransactionStatus.UNKNOWN
        assert check(lambda message: "COMMIT") == TransactionStatus.UNKNOWN
    assert len(caplog.records) == 2


def test_consumer_callback_results(caplog):
    counters = ConsumerCounters()

    def deliver(callback):
        return _callbacks.deliver(callback, NULL, counters)

    assert deliver(lambda message: ConsumeStatus.CONSUME_SUCCESS) == 0
    assert deliver(lambda message: ConsumeStatus.RECONSUME_LATER) == 1
    assert deliver(lambda message: 0) == 0
    with caplog.at_level(logging.ERROR, logger="rocketmq"):
        # Consumed again later as RECONSUME_LATER; the core tells it apart only when a
        # console asked for the message to be consumed directly (CR_THROW_EXCEPTION).
        assert deliver(lambda message: 1 / 0) == lib.E_CONSUME_LISTENER_RAISED
        assert deliver(lambda message: None) == ConsumeStatus.RECONSUME_LATER
        assert deliver(lambda message: "ok") == ConsumeStatus.RECONSUME_LATER
        assert deliver(lambda message: 7) == ConsumeStatus.RECONSUME_LATER
    assert len(caplog.records) == 4
    stats = counters.snapshot(cached=0)
    assert (stats.consumed, stats.retried, stats.dead_lettered, stats.in_flight) == (2, 5, 0, 0)
    assert stats.latency.samples == 7


def test_received_message_is_unusable_after_its_callback():
    kept = []
    _callbacks.deliver(lambda message: kept.append(message) or ConsumeStatus.CONSUME_SUCCESS, NULL,
                       ConsumerCounters())
    with pytest.raises(RuntimeError):
        _ = kept[0].body
    assert "released" in repr(kept[0])


def test_unknown_consumer_pointer_reconsumes_later():
    assert lib._rocketmq_consume_message(ffi.cast("CPushConsumer*", 8), NULL) == ConsumeStatus.RECONSUME_LATER


def test_async_callbacks_run_once_and_release_their_context(caplog):
    results = []
    counters = ProducerCounters()
    future = Future()
    send = _callbacks.AsyncSend(Message("T"), results.append, results.append, future, counters)
    counters.async_started()
    _callbacks.track_async_send(send)
    assert _callbacks.pending_async_sends() >= 1
    c_result = ffi.new("CSendResult*", {"sendStatus": 0, "offset": 9})
    c_result.msgId = b"MSGID"
    # Through the queue the core is handed, and the thread that empties it.
    _send_completions.ensure_running()
    lib.rocketmq_queued_on_send_success(c_result[0], NULL, send.user_data)
    # A second report for the same send is ignored rather than crashing.
    lib.rocketmq_queued_on_send_success(c_result[0], NULL, send.user_data)
    assert _send_completions.drain(5)
    assert [(r.status, r.msg_id, r.offset) for r in results] == [(0, "MSGID", 9)]
    assert future.result(timeout=0) == results[0]

    failed_future = Future()
    failing = _callbacks.AsyncSend(Message("T"), results.append, lambda error: 1 / 0, failed_future, counters)
    counters.async_started()
    _callbacks.track_async_send(failing)
    c_error = ffi.new("CMQException*", {"error": 4, "line": 10})
    c_error.msg = b"broker busy"
    with caplog.at_level(logging.ERROR, logger="rocketmq"):
        lib.rocketmq_queued_on_send_exception(c_error[0], NULL, failing.user_data)
        assert _send_completions.drain(5)
    assert len(caplog.records) == 1
    assert len(results) == 1
    # A raising on_exception does not keep the future from failing.
    with pytest.raises(ProducerSendAsyncFailed, match="broker busy"):
        failed_future.result(timeout=0)
    stats = counters.snapshot()
    assert (stats.sent, stats.failed, stats.in_flight) == (1, 1, 0)
