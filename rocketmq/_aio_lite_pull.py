"""``AsyncLitePullConsumer``: the lite pull consumer on an event loop.

``poll`` waits in the loop's default executor, so the loop keeps running
while the core waits for messages (the GIL is released meanwhile).
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any, Deque, Iterable, List, Optional, Union

from .lite_pull_consumer import DEFAULT_POLL_TIMEOUT_MS, LitePullConsumer, MessageQueue, PolledMessage

__all__ = ["AsyncLitePullConsumer"]

StrOrBytes = Union[str, bytes]


class AsyncLitePullConsumer:
    """Polls on the event loop: ``await poll()`` for a batch, or ``async for`` message by message::

        async with AsyncLitePullConsumer("group", name_server_address=addr) as consumer:
            consumer.subscribe("orders")  # before start, or after
            async for message in consumer:
                ...

    ``async for`` ends once the consumer is shut down. The synchronous
    consumer is ``.consumer``, for settings and the quick calls (assignment,
    pause, resume).
    """

    def __init__(
        self,
        group_id: StrOrBytes,
        *,
        name_server_address: Optional[StrOrBytes] = None,
        poll_timeout_ms: int = DEFAULT_POLL_TIMEOUT_MS,
    ) -> None:
        self.consumer = LitePullConsumer(group_id)
        if name_server_address is not None:
            self.consumer.set_name_server_address(name_server_address)
        self._poll_timeout_ms = poll_timeout_ms
        # Messages of a batch that async for has not handed out yet, and
        # batches whose poll finished after its awaiting task was cancelled:
        # what poll() returned is never dropped.
        self._ready: Deque[PolledMessage] = collections.deque()
        self._closed = False

    def subscribe(self, topic: StrOrBytes, expression: StrOrBytes = "*") -> None:
        """As :meth:`LitePullConsumer.subscribe <rocketmq.lite_pull_consumer.LitePullConsumer.subscribe>`."""
        self.consumer.subscribe(topic, expression)

    def assign(self, queues: Iterable[MessageQueue]) -> None:
        """As :meth:`LitePullConsumer.assign <rocketmq.lite_pull_consumer.LitePullConsumer.assign>`."""
        self.consumer.assign(queues)

    async def _in_executor(self, call: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, call, *args)

    async def start(self) -> None:
        """Start the wrapped consumer (in the loop's executor)."""
        await self._in_executor(self.consumer.start)

    async def shutdown(self) -> None:
        """Commit (with auto-commit) and stop the wrapped consumer; ``async for`` ends."""
        self._closed = True
        await self._in_executor(self.consumer.shutdown)

    async def __aenter__(self) -> "AsyncLitePullConsumer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.shutdown()

    async def poll(self, timeout_ms: int = DEFAULT_POLL_TIMEOUT_MS) -> List[PolledMessage]:
        """The next batch (see ``LitePullConsumer.poll``); messages ``async for`` had
        left over come first."""
        if self._ready:
            batch = list(self._ready)
            self._ready.clear()
            return batch
        future = asyncio.get_running_loop().run_in_executor(None, self.consumer.poll, timeout_ms)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(self._keep_unclaimed)
            raise

    def _keep_unclaimed(self, future: "asyncio.Future[List[PolledMessage]]") -> None:
        if not future.cancelled() and future.exception() is None:
            self._ready.extend(future.result())

    async def commit(self) -> None:
        """Store the offsets past everything ``poll`` returned (in the loop's executor)."""
        await self._in_executor(self.consumer.commit)

    async def seek(self, queue: MessageQueue, offset: int) -> None:
        """As :meth:`LitePullConsumer.seek <rocketmq.lite_pull_consumer.LitePullConsumer.seek>`
        (in the loop's executor)."""
        await self._in_executor(self.consumer.seek, queue, offset)

    def __aiter__(self) -> "AsyncLitePullConsumer":
        return self

    async def __anext__(self) -> PolledMessage:
        while not self._ready:
            if self._closed:
                raise StopAsyncIteration
            batch = await self.poll(self._poll_timeout_ms)
            self._ready.extend(batch)
        return self._ready.popleft()
