"""asyncio API: ``AsyncProducer``, ``AsyncPushConsumer`` and ``AsyncLitePullConsumer``
(``rocketmq._aio_lite_pull``) on the same native core.

Nothing polls. A send completes in the core; the send-completions thread hands the
result to the event loop with ``call_soon_threadsafe``, which wakes it (one
wake-up for all the results that arrived meanwhile). A delivered
message goes the other way: the core's consume thread hands a copy to the
loop the same way and waits for the coroutine's answer, so the number of
messages in flight never exceeds the consume thread count (backpressure),
and the core stops pulling once its per-queue cache is full.

Calls that can block (start, shutdown, oneway and batch sends) run in the
loop's default executor so the loop keeps running meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    List,
    Optional,
    Set,
    Tuple,
    TypeVar,
    Union,
)

from ._aio_lite_pull import AsyncLitePullConsumer
from ._stats import ConsumerStats, ProducerStats
from ._statuses import ConsumeStatus, SendResult, as_status
from .consumer import PushConsumer
from .ffi import MessageModel
from .message import DetachedMessage, Message, ReceivedMessage
from .producer import Producer

__all__ = ["AsyncProducer", "AsyncPushConsumer", "AsyncLitePullConsumer", "AsyncMessageCallback"]

logger = logging.getLogger("rocketmq")

StrOrBytes = Union[str, bytes]
_T = TypeVar("_T")
AsyncMessageCallback = Callable[[DetachedMessage], Awaitable[Any]]

# How long a consume thread waits for the loop's answer before handing the
# message back for redelivery; the Java client's default consumeTimeout.
DEFAULT_CONSUME_TIMEOUT = 15 * 60.0
_RECONSUME_LATER = ConsumeStatus.RECONSUME_LATER


# A send's future, and its result or its error.
_Completion = Tuple["asyncio.Future[SendResult]", Optional[SendResult], Optional[BaseException]]


class _LoopCompletions:
    """Send results travelling from the send-completions thread to the event loop, many per wake-up.

    Each result is appended to a list; only the first one after the loop last
    drained it schedules a drain (one ``call_soon_threadsafe``, one write to
    the loop's wake-up pipe), so under load one wake-up settles many sends.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._results: List[_Completion] = []
        self._drain_scheduled = False

    def post(self, future: "asyncio.Future[SendResult]", result: Optional[SendResult],
             error: Optional[BaseException]) -> None:
        """Called on the send-completions thread."""
        with self._lock:
            self._results.append((future, result, error))
            if self._drain_scheduled:
                return
            self._drain_scheduled = True
        try:
            self._loop.call_soon_threadsafe(self._drain)
        except RuntimeError:
            pass  # the loop is closed: nobody is waiting any more

    def _drain(self) -> None:
        with self._lock:
            results, self._results = self._results, []
            self._drain_scheduled = False
        for future, result, error in results:
            if future.done():
                continue  # the awaiting task was cancelled
            if error is None:
                future.set_result(result)  # type: ignore[arg-type]
            else:
                future.set_exception(error)


class AsyncProducer:
    """Sends from coroutines: ``await producer.send(msg)``, many sends in flight at once.

    ``max_in_flight`` bounds the sends awaiting an answer: the next ``send``
    waits for a free slot, so a fast coroutine cannot queue without limit.
    Configure through the keyword arguments or the wrapped :attr:`producer`.
    """

    def __init__(
        self,
        group_id: StrOrBytes,
        *,
        name_server_address: Optional[StrOrBytes] = None,
        max_in_flight: int = 1024,
        **producer_options: Any,
    ) -> None:
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
            raise ValueError(f"max_in_flight must be a positive int, not {max_in_flight!r}")
        self.producer = Producer(group_id, **producer_options)
        if name_server_address is not None:
            self.producer.set_name_server_address(name_server_address)
        self._max_in_flight = max_in_flight
        self._slots: Optional[asyncio.Semaphore] = None
        self._completions: Optional[_LoopCompletions] = None

    async def start(self) -> None:
        # Created here, inside the running loop (Python 3.8/3.9 bind at creation).
        """Start the wrapped producer (in the loop's executor)."""
        self._slots = asyncio.Semaphore(self._max_in_flight)
        self._completions = _LoopCompletions(asyncio.get_running_loop())
        await _in_executor(self.producer.start)

    async def shutdown(self) -> None:
        """Shut the wrapped producer down (in the loop's executor)."""
        await _in_executor(self.producer.shutdown)

    async def __aenter__(self) -> "AsyncProducer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.shutdown()

    async def send(self, msg: Message) -> SendResult:
        """Send and wait for the broker's answer without blocking the loop.

        Failures raise the same exceptions as ``Producer.send_async`` reports
        (``ProducerSendAsyncFailed``); bad arguments raise at once. Cancelling
        the awaiting task stops the wait, not the send already handed to the core.
        """
        if self._slots is None or self._completions is None:
            raise RuntimeError("start() the AsyncProducer before sending")
        completions = self._completions
        async with self._slots:
            future: "asyncio.Future[SendResult]" = asyncio.get_running_loop().create_future()
            self.producer._send_async_with(
                msg,
                lambda result: completions.post(future, result, None),
                lambda error: completions.post(future, None, error),
                None,
            )
            return await future

    async def request(self, msg: Message, timeout_ms: int = 3000) -> DetachedMessage:
        """``Producer.request`` without blocking the loop: the reply, or
        ``RequestTimeoutError`` when none came within ``timeout_ms``."""
        return await asyncio.wrap_future(self.producer.request_async(msg, timeout_ms))

    async def send_oneway(self, msg: Message) -> None:
        """Send without waiting for an answer (the call runs in the loop's executor)."""
        await _in_executor(self.producer.send_oneway, msg)

    async def send_batch(self, messages: Iterable[Message]) -> SendResult:
        """Send several messages of one topic in one request (in the loop's executor)."""
        batch = list(messages)
        return await _in_executor(self.producer.send_batch, batch)

    async def send_orderly_with_sharding_key(self, msg: Message, sharding_key: StrOrBytes) -> SendResult:
        """Send to the queue ``sharding_key`` hashes to (in the loop's executor)."""
        return await _in_executor(self.producer.send_orderly_with_sharding_key, msg, sharding_key)

    def stats(self) -> ProducerStats:
        """The wrapped producer's :meth:`~rocketmq.producer.Producer.stats`."""
        return self.producer.stats()


async def _in_executor(function: Callable[..., _T], *args: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


class _Delivery:
    """One message handed from a consume thread to the loop, and the thread's wait for the answer."""

    __slots__ = ("message", "answer")

    def __init__(self, message: DetachedMessage) -> None:
        self.message = message
        self.answer: "concurrent.futures.Future[ConsumeStatus]" = concurrent.futures.Future()

    def settle(self, status: ConsumeStatus) -> None:
        if not self.answer.done():
            try:
                self.answer.set_result(status)
            except concurrent.futures.InvalidStateError:
                pass  # settled by another thread in between


_END = object()


class AsyncPushConsumer:
    """Consumes on the event loop, with async callbacks or ``async for``.

    Either subscribe with a coroutine function, which is awaited for each
    message and answers as a sync callback does (a ConsumeStatus; raising or
    being cancelled means RECONSUME_LATER)::

        consumer.subscribe("orders", handle_order)

    or subscribe without a callback and iterate::

        async for message in consumer:
            ...

    A message from ``async for`` counts as consumed when the loop body
    finishes and asks for the next one. One the body did not finish (it
    raised, or the loop was left with ``break``) goes back to the broker for
    redelivery at ``shutdown()``: delivery is at least once, never lost.
    """

    def __init__(
        self,
        group_id: StrOrBytes,
        *,
        name_server_address: Optional[StrOrBytes] = None,
        orderly: bool = False,
        message_model: MessageModel = MessageModel.CLUSTERING,
        consume_timeout: float = DEFAULT_CONSUME_TIMEOUT,
    ) -> None:
        self.consumer = PushConsumer(group_id, orderly=orderly, message_model=message_model)
        if name_server_address is not None:
            self.consumer.set_name_server_address(name_server_address)
        self._consume_timeout = float(consume_timeout)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._queue: Optional["asyncio.Queue[Any]"] = None
        self._callbacks: Dict[str, Optional[AsyncMessageCallback]] = {}
        # Deliveries handed to the loop and not yet answered; guarded by _lock
        # together with _closing, so shutdown settles every one of them.
        self._lock = threading.Lock()
        self._closing = False
        self._pending: Set[_Delivery] = set()
        self._current: Optional[_Delivery] = None

    # ----- configuration ----------------------------------------------------------------------

    def subscribe(
        self, topic: StrOrBytes, callback: Optional[AsyncMessageCallback] = None,
        expression: StrOrBytes = "*", expression_type: str = "TAG",
    ) -> None:
        """Consume ``topic``; with ``callback`` its messages go to it, otherwise to ``async for``.
        ``expression`` and ``expression_type`` ("TAG" or "SQL92") as for PushConsumer.subscribe."""
        if callback is not None and not asyncio.iscoroutinefunction(callback):
            raise TypeError("callback must be a coroutine function (async def)")
        name = topic.decode("utf-8") if isinstance(topic, bytes) else topic
        self.consumer.subscribe(topic, lambda message: self._on_message(name, message), expression,
                                expression_type)
        self._callbacks[name] = callback

    def set_thread_count(self, thread_count: int) -> None:
        """How many messages may be in flight on the loop at once."""
        self.consumer.set_thread_count(thread_count)

    # ----- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Start consuming onto the running loop (callbacks and ``async for`` run there)."""
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        await _in_executor(self.consumer.start)

    async def shutdown(self) -> None:
        """Stop consuming: unanswered messages go back for redelivery, ``async for`` ends."""
        with self._lock:
            self._closing = True
            unsettled = list(self._pending)
            self._pending.clear()
        for delivery in unsettled:
            delivery.settle(_RECONSUME_LATER)
        if self._queue is not None:
            self._queue.put_nowait(_END)
        await _in_executor(self.consumer.shutdown)

    async def __aenter__(self) -> "AsyncPushConsumer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.shutdown()

    def stats(self) -> ConsumerStats:
        """The wrapped consumer's :meth:`~rocketmq.consumer.PushConsumer.stats`."""
        return self.consumer.stats()

    # ----- the async iterator -----------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[DetachedMessage]:
        return self

    async def __anext__(self) -> DetachedMessage:
        if self._queue is None:
            raise RuntimeError("start() the AsyncPushConsumer before iterating")
        self._finish_current(ConsumeStatus.CONSUME_SUCCESS)
        while True:
            item = await self._queue.get()
            if item is _END:
                self._queue.put_nowait(_END)  # for any other iterator
                raise StopAsyncIteration
            delivery: _Delivery = item
            if delivery.answer.done():
                continue  # timed out or settled by shutdown meanwhile
            self._current = delivery
            return delivery.message

    def _finish_current(self, status: ConsumeStatus) -> None:
        current, self._current = self._current, None
        if current is not None:
            self._settle(current, status)

    def _settle(self, delivery: _Delivery, status: ConsumeStatus) -> None:
        with self._lock:
            self._pending.discard(delivery)
        delivery.settle(status)

    # ----- the consume threads' side ----------------------------------------------------------

    def _on_message(self, topic: str, message: ReceivedMessage) -> ConsumeStatus:
        """Runs on a core consume thread: hand a copy to the loop and wait for its answer."""
        loop = self._loop
        if loop is None:
            return _RECONSUME_LATER
        delivery = _Delivery(message.detach())
        callback = self._callbacks.get(topic)
        with self._lock:
            if self._closing:
                return _RECONSUME_LATER
            self._pending.add(delivery)
        try:
            if callback is None:
                loop.call_soon_threadsafe(self._enqueue, delivery)
            else:
                asyncio.run_coroutine_threadsafe(self._run_callback(callback, delivery), loop)
        except RuntimeError:
            # The loop is closed: nobody will ever answer.
            self._settle(delivery, _RECONSUME_LATER)
            return _RECONSUME_LATER
        try:
            return delivery.answer.result(timeout=self._consume_timeout)
        except concurrent.futures.TimeoutError:
            logger.error("message %s not answered within %.0f s; it will be consumed again later",
                         delivery.message.id, self._consume_timeout)
            self._settle(delivery, _RECONSUME_LATER)
            return _RECONSUME_LATER

    def _enqueue(self, delivery: _Delivery) -> None:
        assert self._queue is not None
        self._queue.put_nowait(delivery)

    async def _run_callback(self, callback: AsyncMessageCallback, delivery: _Delivery) -> None:
        status = _RECONSUME_LATER
        try:
            answer = await callback(delivery.message)
            checked = as_status(answer, ConsumeStatus)
            if checked is None:
                logger.error("async message callback returned %r instead of a ConsumeStatus; "
                             "the message will be consumed again later", answer)
            else:
                status = checked
        except Exception:
            logger.exception("async message callback raised; the message will be consumed again later")
        finally:
            # Also reached on cancellation: the message is then consumed again later.
            self._settle(delivery, status)

