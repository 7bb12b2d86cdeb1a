"""Producers: ``Producer`` and ``TransactionMQProducer``."""

import logging
import time
from concurrent.futures import Future
from typing import Any, Callable, Iterable, Optional, TypeVar, Union

from . import _callbacks, _reply_callbacks, _send_completions
from ._bindings import c_bool, c_int, c_positive_int, c_string, check_callable, ffi, lib, tls_arguments
from ._futures import LazyFuture
from ._lifecycle import HandleOwner, NativeClient
from ._message_lookups import MessageLookups
from ._stats import ProducerCounters, ProducerStats
from ._statuses import SendResult, send_result_from_c
from .exceptions import NullPointerException, ProducerSendAsyncFailed, ffi_check
from .ffi import TraceModel
from .log import client_log_level, client_log_rotation
from .message import DetachedMessage, Message, ReceivedMessage, free_later
from .request_reply import RequestMessage, create_reply

logger = logging.getLogger("rocketmq")

__all__ = ["Producer", "TransactionMQProducer"]

StrOrBytes = Union[str, bytes]
_T = TypeVar("_T")

# DefaultMQProducer's default send timeout, which request() takes as its own in Java.
DEFAULT_REQUEST_TIMEOUT_MS = 3000

# send_orderly does not retry on another queue: the selector chose this one on purpose.
_ORDERLY_RETRY_TIMES = 0


def _check_message(msg: Any) -> Message:
    if not isinstance(msg, Message):
        raise TypeError(f"msg must be a rocketmq.client.Message, not {type(msg).__name__}")
    return msg


def _trace_model(enabled: Any) -> int:
    return int(TraceModel.OPEN if enabled else TraceModel.CLOSE)


class Producer(MessageLookups, HandleOwner):
    """Sends messages. ``with Producer(...) as producer:`` starts it and shuts it down."""

    _KIND = "producer"

    def __init__(
        self,
        group_id: StrOrBytes,
        orderly: bool = False,
        timeout: Optional[int] = None,
        compress_level: Optional[int] = None,
        max_message_size: Optional[int] = None,
    ) -> None:
        group = c_string(group_id, "group_id")
        handle = self._create_native(group, orderly)
        if handle == ffi.NULL:
            raise NullPointerException(f"Returned null pointer when create {type(self).__name__}")
        self._own(NativeClient(handle, lib.ShutdownProducer, lib.DestroyProducer))
        self._counters = ProducerCounters()
        self._init_lookups()
        self._keep_alive_with_handle()
        if timeout is not None:
            self.set_timeout(timeout)
        if compress_level is not None:
            self.set_compress_level(compress_level)
        if max_message_size is not None:
            self.set_max_message_size(max_message_size)

    def _create_native(self, group: bytes, orderly: bool) -> Any:
        if orderly:
            return lib.CreateOrderlyProducer(group)
        return lib.CreateProducer(group)

    def _keep_alive_with_handle(self) -> None:
        """Hook for subclasses whose C handle points at Python objects."""

    # ----- configuration ------------------------------------------------------------------

    def set_group(self, group_name: StrOrBytes) -> None:
        """Rename the group (before start)."""
        ffi_check(lib.SetProducerGroupName(self._handle, c_string(group_name, "group_name")))

    def set_instance_name(self, name: StrOrBytes) -> None:
        """The instance name, part of the client id brokers and consoles show."""
        ffi_check(lib.SetProducerInstanceName(self._handle, c_string(name, "name")))

    def set_name_server_address(self, addr: StrOrBytes) -> None:
        """Name server address(es), ``host:port`` separated by ``;``; one that is down is skipped."""
        ffi_check(lib.SetProducerNameServerAddress(self._handle, c_string(addr, "addr")))
        self._lookup_settings.name_server_address = addr

    def set_name_server_domain(self, domain: StrOrBytes) -> None:
        """Fetch the name server list over HTTP from ``domain`` (a URL, or ``host[:port]`` with the Java
        client's default path) at start and every 2 minutes."""
        ffi_check(lib.SetProducerNameServerDomain(self._handle, c_string(domain, "domain")))
        self._lookup_settings.name_server_domain = domain

    def set_session_credentials(
        self, access_key: StrOrBytes, access_secret: StrOrBytes, channel: StrOrBytes
    ) -> None:
        """Sign every request with these ACL credentials (``channel`` is e.g. ``ALIYUN``), as the Java
        client's ACL hook does."""
        ffi_check(lib.SetProducerSessionCredentials(
            self._handle,
            c_string(access_key, "access_key"),
            c_string(access_secret, "access_secret"),
            c_string(channel, "channel"),
        ))
        self._lookup_settings.credentials = (access_key, access_secret, channel)

    def set_timeout(self, timeout: int) -> None:
        """Send timeout in milliseconds."""
        ffi_check(lib.SetProducerSendMsgTimeout(self._handle, c_int(timeout, "timeout")))

    def set_send_latency_fault_enable(self, enabled: bool) -> None:
        """Latency fault tolerance, on by default (the Java client's is off): a broker whose
        send failed is avoided by later sends (and probed every 3 s, then used again once it
        answers), one that was slow is avoided for a time growing with its latency. A broker
        that dies or hangs then costs one failed send, not one in every few."""
        ffi_check(lib.SetProducerSendLatencyFaultEnable(self._handle, c_bool(enabled, "enabled")))

    def set_poll_name_server_interval(self, interval_ms: int) -> None:
        """How often routes are fetched from the name server (ms, default 30000; before start):
        a master that joins gets sends, and one that left loses them, within one interval."""
        interval = c_positive_int(interval_ms, "interval_ms")
        ffi_check(lib.SetProducerPollNameServerInterval(self._handle, interval))

    def set_compress_level(self, level: int) -> None:
        """zlib level (-1 to 9, default 5) for bodies of 4 KiB and more, which are sent compressed."""
        ffi_check(lib.SetProducerCompressLevel(self._handle, c_int(level, "level")))

    def set_max_message_size(self, max_size: int) -> None:
        """Largest body accepted, in bytes (default 4 MiB); a larger one fails the send before it leaves."""
        ffi_check(lib.SetProducerMaxMessageSize(self._handle, c_int(max_size, "max_size")))

    def set_message_trace(self, message_trace: bool) -> None:
        """Record each send to ``RMQ_SYS_TRACE_TOPIC`` in the Java client's trace format (before start)."""
        ffi_check(lib.SetProducerMessageTrace(self._handle, _trace_model(message_trace)))

    def set_tls(self, enabled: bool = True, ca_file: Optional[str] = None,
                verify_hostname: bool = True) -> None:
        """TLS to brokers and name servers (before start). ``ca_file`` (PEM) makes the client
        verify the servers' certificates; without it traffic is encrypted but the server is
        not authenticated, as with the Java client's default. With ``ca_file`` and
        ``verify_hostname`` (the default) a certificate must also name the host of the
        address connected to (its DNS name, or its IP address for an IPv4/IPv6 literal);
        ``verify_hostname=False`` skips that check, as the Java client does. Server Name
        Indication is sent for DNS names only. OpenSSL (libssl 1.1 or 3) is loaded from the
        system only when a TLS connection is made."""
        enabled_arg, ca_arg, verify_arg = tls_arguments(enabled, ca_file, verify_hostname)
        ffi_check(lib.SetProducerTls(self._handle, enabled_arg, ca_arg))
        ffi_check(lib.SetProducerTlsHostnameVerification(self._handle, verify_arg))
        self._lookup_settings.tls = (bool(enabled), ca_file, bool(verify_hostname))

    # The log is process wide (see rocketmq.log); these are the C API's per-client setters.

    def set_log_path(self, path: StrOrBytes) -> None:
        """The directory of the process-wide core log (see :mod:`rocketmq.log`)."""
        ffi_check(lib.SetProducerLogPath(self._handle, c_string(path, "path")))

    def set_log_level(self, level: Union[int, str]) -> None:
        """The level of the process-wide core log: a :class:`rocketmq.log.LogLevel`, its name or its value."""
        ffi_check(lib.SetProducerLogLevel(self._handle, client_log_level(level)))

    def set_log_file_num_and_size(self, file_num: int, file_size_mib: int) -> None:
        """Rotation of the process-wide core log: ``file_num`` files of ``file_size_mib`` MiB."""
        num, size = client_log_rotation(file_num, file_size_mib)
        ffi_check(lib.SetProducerLogFileNumAndSize(self._handle, num, size))

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Connect to the name servers; sends may follow. ``with producer:`` calls it."""
        ffi_check(lib.StartProducer(self._handle))
        self._client.mark_started()

    def shutdown(self) -> None:
        """Stop the producer; calling it again (or before start) does nothing."""
        self._close_lookups()
        status = self._client.shutdown()
        if status is not None:
            # The core reported every asynchronous send before its shutdown
            # returned; their callbacks and futures run on the send-completions
            # thread, so they are waited for too.
            if not _send_completions.drain():
                logger.warning("results of asynchronous sends still undelivered %.0f s after shutdown",
                               _send_completions.DRAIN_TIMEOUT_SECONDS)
            ffi_check(status)

    def stats(self) -> ProducerStats:
        """Counts since creation and latency percentiles of the most recent sends."""
        handle = self._client.handle
        late = 0 if handle is None else int(lib.GetProducerLateReplyCount(handle))
        return self._counters.snapshot()._replace(late_replies=late)

    # ----- sending ------------------------------------------------------------------------

    def _counted(self, send: Callable[[], _T], message: Message, messages: int = 1) -> _T:
        """Run one send of ``message`` (the first of ``messages``), counting it as sent or failed
        and timing it."""
        started = time.perf_counter_ns()
        try:
            result = send()
        except BaseException:
            self._counters.failed(messages, message, started)
            raise
        self._counters.succeeded(started, messages, message)
        return result

    def _send_with_result(self, call: Callable[[Any], int], message: Message,
                          messages: int = 1) -> SendResult:
        """``_counted`` written out for the sends that return a result: every
        synchronous send comes through here, and a closure less per send shows."""
        started = time.perf_counter_ns()
        try:
            c_result = ffi.new("CSendResult*")
            ffi_check(call(c_result))
            result = send_result_from_c(c_result)
        except BaseException:
            self._counters.failed(messages, message, started)
            raise
        self._counters.succeeded(started, messages, message)
        return result

    # send_sync and send_oneway are _send_with_result and _counted written
    # out once more: they are most of what applications call, and the
    # closure and calls saved are a measurable part of a send's CPU time.

    def send_sync(self, msg: Message) -> SendResult:
        """Send and wait for the broker's answer; raises ``ProducerSendSyncFailed`` when the send failed."""
        if type(msg) is not Message:
            msg = _check_message(msg)
        started = time.perf_counter_ns()
        try:
            c_result = ffi.new("CSendResult*")
            topic = msg._pending_topic
            if topic is not None:  # only topic, tags, keys and body: no native message needed
                body = msg._pending_body
                status = lib.SendMessageSyncWithFields(
                    self._handle, topic, msg._pending_tags, msg._pending_keys, body, len(body), c_result)
            else:
                status = lib.SendMessageSync(self._handle, msg._c_message or msg._materialize(), c_result)
            if status:
                ffi_check(status)
            result = send_result_from_c(c_result)
        except BaseException:
            self._counters.failed(1, msg, started)
            raise
        self._counters.succeeded(started, 1, msg)
        return result

    def send_oneway(self, msg: Message) -> None:
        """Send without waiting for any answer: no result, and no error once the request left."""
        if type(msg) is not Message:
            msg = _check_message(msg)
        started = time.perf_counter_ns()
        try:
            topic = msg._pending_topic
            if topic is not None:  # as in send_sync
                body = msg._pending_body
                status = lib.SendMessageOnewayWithFields(
                    self._handle, topic, msg._pending_tags, msg._pending_keys, body, len(body))
            else:
                status = lib.SendMessageOneway(self._handle, msg._c_message or msg._materialize())
            if status:
                ffi_check(status)
        except BaseException:
            self._counters.failed(1, msg, started)
            raise
        self._counters.succeeded(started, 1, msg)

    def send_orderly_with_sharding_key(self, msg: Message, sharding_key: StrOrBytes) -> SendResult:
        """Send to the queue that ``sharding_key`` hashes to, so messages of one key stay in order."""
        message = _check_message(msg)
        key = c_string(sharding_key, "sharding_key")
        return self._send_with_result(
            lambda c_result: lib.SendMessageOrderlyByShardingKey(
                self._handle, message._handle, key, c_result),
            message,
        )

    def send_orderly(
        self, msg: Message, selector: Callable[[int, Message, Any], int], arg: Any = None
    ) -> SendResult:
        """Send to the queue ``selector(queue_count, msg, arg)`` picks (an index from 0).

        An exception raised by the selector fails the send and is re-raised here.
        """
        message = _check_message(msg)
        check_callable(selector, "selector")
        selection = _callbacks.QueueSelection(selector, message, arg)
        selection_handle = ffi.new_handle(selection)

        def send(c_result: Any) -> int:
            status = lib.SendMessageOrderly(
                self._handle, message._handle, lib.rocketmq_gated_select_queue, selection_handle,
                _ORDERLY_RETRY_TIMES, c_result,
            )
            if selection.error is not None:
                raise selection.error
            return status

        return self._send_with_result(send, message)

    def send_async(
        self,
        msg: Message,
        on_success: Optional[Callable[[SendResult], Any]] = None,
        on_exception: Optional[Callable[[ProducerSendAsyncFailed], Any]] = None,
    ) -> "Future[SendResult]":
        """Send without waiting; the returned future completes when the broker answers.

        The callbacks are 2.0.0's form and optional: exactly one of them runs
        on the client's ``rocketmq-send-completions`` thread, before the future
        completes. A failed send fails the future with ``ProducerSendAsyncFailed``.
        """
        if on_success is not None:
            check_callable(on_success, "on_success")
        if on_exception is not None:
            check_callable(on_exception, "on_exception")
        future: "Future[SendResult]" = LazyFuture()
        self._send_async_with(msg, on_success, on_exception, future)
        return future

    def _send_async_with(
        self,
        msg: Message,
        on_success: Optional[Callable[[SendResult], Any]],
        on_exception: Optional[Callable[[ProducerSendAsyncFailed], Any]],
        future: "Optional[Future[SendResult]]",
    ) -> None:
        """Hand one asynchronous send to the core; the callbacks and/or future report it."""
        message = msg if isinstance(msg, Message) else _check_message(msg)
        # Both handles first: a destroyed producer or closed message raises
        # before the send is tracked and counted in flight. A message that has
        # only topic, tags, keys and body (its fields still wait in Python) is
        # sent as its fields: the core copies them, no native message is made.
        producer_handle = self._handle
        topic = message._pending_topic
        message_handle = None if topic is not None else message._c_message or message._materialize(free_later)
        send = _callbacks.AsyncSend(message, on_success, on_exception, future, self._counters)
        _callbacks.track_async_send(send)
        self._counters.async_started()
        _send_completions.ensure_running()
        # The queued_* callbacks only queue the result and return, so the
        # core may run them on the thread that read the broker's answer.
        if message_handle is None:
            body = message._pending_body
            status = lib.SendAsyncWithFieldsAndQuickCallbacks(
                producer_handle, topic, message._pending_tags, message._pending_keys, body, len(body),
                lib.rocketmq_queued_on_send_success, lib.rocketmq_queued_on_send_exception, send.user_data,
            )
        else:
            status = lib.SendAsyncWithQuickCallbacks(
                producer_handle, message_handle, lib.rocketmq_queued_on_send_success,
                lib.rocketmq_queued_on_send_exception, send.user_data,
            )
        if status != 0:
            # A refused send never reaches the callbacks.
            _callbacks.forget_async_send(send.user_data)
            self._counters.async_failed(send.started_ns, message)
            ffi_check(status)

    # ----- request-reply (see rocketmq.request_reply) --------------------------------------

    def request(self, msg: Message, timeout_ms: int = DEFAULT_REQUEST_TIMEOUT_MS) -> DetachedMessage:
        """Send ``msg`` as a request and wait up to ``timeout_ms`` for the reply a
        responder sends with ``send_reply``; returns the reply.

        Raises ``RequestTimeoutError`` when no reply came in time and
        ``ProducerSendSyncFailed`` when the request could not be sent. ``msg``
        itself is not changed, so it can be sent again."""
        message = _check_message(msg)
        timeout = c_positive_int(timeout_ms, "timeout_ms")
        c_reply = ffi.new("CMessageExt**")
        ffi_check(lib.RequestMessage(self._handle, message._handle, timeout, c_reply))
        received = ReceivedMessage(c_reply[0])
        try:
            return received.detach()
        finally:
            received._invalidate()
            lib.DestroyReplyMessage(c_reply[0])

    def request_async(
        self, msg: Message, timeout_ms: int = DEFAULT_REQUEST_TIMEOUT_MS
    ) -> "Future[DetachedMessage]":
        """``request`` without waiting: the future gets the reply, or fails with
        ``RequestTimeoutError`` (no reply in time) or ``ProducerSendAsyncFailed``
        (the request could not be sent). Bad arguments raise at once."""
        message = _check_message(msg)
        timeout = c_positive_int(timeout_ms, "timeout_ms")
        future: "Future[DetachedMessage]" = LazyFuture()
        pending = _reply_callbacks.PendingRequest(future)
        _reply_callbacks.track(pending)
        status = lib.RequestMessageAsync(
            self._handle, message._handle, timeout, lib.rocketmq_gated_on_reply,
            lib.rocketmq_gated_on_request_failure, pending.user_data,
        )
        if status != 0:
            # A refused request never reaches the callbacks.
            _reply_callbacks.forget(pending.user_data)
            ffi_check(status)
        return future

    def send_reply(self, request: RequestMessage, body: StrOrBytes) -> SendResult:
        """Answer a message sent by ``Producer.request`` (as received by a consumer
        callback) with ``body``: sends ``create_reply(request, body)``, which the
        broker pushes to the requester. Raises ``ValueError`` when ``request`` is
        not a request message."""
        with create_reply(request, body) as reply:
            return self.send_sync(reply)

    def send_batch(self, messages: Iterable[Message]) -> SendResult:
        """Send several messages of one topic in one request."""
        if isinstance(messages, Message):
            raise TypeError("messages must be an iterable of Message, not a single Message")
        batch_messages = [_check_message(message) for message in messages]
        if not batch_messages:
            raise ValueError("send_batch needs at least one message")
        batch = lib.CreateBatchMessage()
        if batch == ffi.NULL:
            raise NullPointerException("Returned null pointer when create batch message")
        try:
            for message in batch_messages:
                ffi_check(lib.AddMessage(batch, message._handle))
            return self._send_with_result(
                lambda c_result: lib.SendBatchMessage(self._handle, batch, c_result), batch_messages[0],
                len(batch_messages),
            )
        finally:
            lib.DestroyBatchMessage(batch)


class TransactionMQProducer(Producer):
    """A producer of transactional messages.

    ``checker_callback(message) -> TransactionStatus`` answers the broker when
    it asks about a transaction whose outcome it has not heard.
    """

    def __init__(
        self,
        group_id: StrOrBytes,
        checker_callback: Callable[[ReceivedMessage], Any],
        user_args: Any = None,
        timeout: Optional[int] = None,
        compress_level: Optional[int] = None,
        max_message_size: Optional[int] = None,
    ) -> None:
        check_callable(checker_callback, "checker_callback")
        self._checker = _callbacks.TransactionChecker(checker_callback)
        self._checker_handle = ffi.new_handle(self._checker)
        # 2.0.0 accepted user_args and never passed it on; it is kept for compatibility.
        self._user_args = user_args
        super().__init__(group_id, timeout=timeout, compress_level=compress_level,
                         max_message_size=max_message_size)

    def _create_native(self, group: bytes, orderly: bool) -> Any:
        checker = lib.rocketmq_gated_check_transaction
        return lib.CreateTransactionProducer(group, checker, self._checker_handle)

    def _keep_alive_with_handle(self) -> None:
        # The core holds the checker's handle for as long as the C producer lives.
        self._client.keepalive.append(self._checker_handle)

    def __enter__(self) -> "TransactionMQProducer":
        self.start()
        return self

    def send_message_in_transaction(
        self, message: Message, local_execute: Callable[[ReceivedMessage, Any], Any], user_args: Any = None
    ) -> SendResult:
        """Send a half message, run ``local_execute(message, user_args)``, and commit or
        roll back by its answer (a raising executor answers UNKNOWN)."""
        msg = _check_message(message)
        check_callable(local_execute, "local_execute")
        transaction = _callbacks.LocalTransaction(local_execute, user_args)
        handle = ffi.new_handle(transaction)
        executor = lib.rocketmq_gated_execute_local_transaction
        return self._send_with_result(
            lambda c_result: lib.SendMessageTransaction(
                self._handle, msg._handle, executor, handle, c_result),
            msg,
        )
