"""Stopping the embedded cluster is prompt and bounded, whatever its brokers are doing at that moment.

Service loops (registration, slave sync) wait for answers from other
servers; a cancellation that lands as such an answer arrives must still end
them (on Python before 3.12, asyncio.wait_for drops it), or a stop waits forever.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from _helpers import unique_name

from rocketmq.client import ConsumeFromWhere, ConsumeStatus, PushConsumer
from rocketmq.testing.server import EmbeddedCluster
from rocketmq.testing.tasks import cancel_and_wait, within

# Brokers that register and sync all the time: an answer is nearly always in flight when the stop comes.
BUSY = dict(masters=2, slaves=1, register_interval=0.001, slave_sync_interval=0.001)
# What a stop of such a cluster may take: the slowest step is one unregistration round trip per broker.
PROMPT_STOP_SECONDS = 8.0


def test_a_cancellation_arriving_with_the_answer_is_not_lost() -> None:
    async def scenario() -> None:
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        waiting = asyncio.ensure_future(within(answer, 5))
        await asyncio.sleep(0)  # the waiter now waits for the answer
        answer.set_result(1)
        waiting.cancel()  # in the same loop iteration as the answer
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(scenario())


def test_within_times_out_and_cancels_the_inner_work() -> None:
    async def scenario() -> None:
        inner = asyncio.ensure_future(asyncio.sleep(10))
        with pytest.raises(asyncio.TimeoutError):
            await within(inner, 0.05)
        await asyncio.sleep(0)
        assert inner.cancelled()

    asyncio.run(scenario())


def test_cancel_and_wait_cancels_again_and_gives_up_at_its_deadline() -> None:
    async def swallows_one_cancellation() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass
        await asyncio.sleep(10)

    async def ignores_every_cancellation() -> None:
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                pass

    async def scenario() -> None:
        stubborn = asyncio.ensure_future(ignores_every_cancellation())
        once = asyncio.ensure_future(swallows_one_cancellation())
        await asyncio.sleep(0)
        started = time.monotonic()
        left = await cancel_and_wait([once, stubborn], deadline=0.5)
        took = time.monotonic() - started
        assert once.cancelled()
        assert left == [stubborn] and not stubborn.done()
        assert 0.4 <= took < 3.0
        stubborn.cancel()
        stubborn.get_coro().close()  # type: ignore[union-attr]

    asyncio.run(scenario())


def test_busy_clusters_stop_promptly_after_kills_and_restarts() -> None:
    async def one_cycle(round_no: int) -> float:
        cluster = EmbeddedCluster(**BUSY)  # type: ignore[arg-type]
        await cluster.start_async()
        slave = cluster.broker_node("broker-a", 1)
        master = cluster.broker_node("broker-b")
        await slave.kill_async()
        await master.kill_async()
        await asyncio.sleep(0.05)
        await slave.restart_async()
        await master.restart_async()
        await asyncio.sleep(0.05 + 0.02 * round_no)
        started = time.monotonic()
        # Not wait_for: it would wait on for a stop that does not end once cancelled.
        stopping = asyncio.ensure_future(cluster.stop_async())
        await asyncio.wait({stopping}, timeout=PROMPT_STOP_SECONDS)
        assert stopping.done(), "round %d: the stop did not end in %.0f s" % (round_no, PROMPT_STOP_SECONDS)
        stopping.result()
        return time.monotonic() - started

    async def scenario() -> None:
        took = [await one_cycle(n) for n in range(6)]
        print("stop times: %s" % ", ".join("%.2fs" % t for t in took))
        assert max(took) < PROMPT_STOP_SECONDS, took

    # Not asyncio.run: on failure it would wait for the tasks that did not stop, for ever.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()


def test_a_stop_with_a_consumer_long_polling_a_restarted_broker_is_prompt() -> None:
    cluster = EmbeddedCluster(**BUSY).start()  # type: ignore[arg-type]
    consumer = None
    try:
        topic = unique_name("TopicStop")
        cluster.create_topic(topic, 4)
        cluster.broker_node("broker-a").kill()
        cluster.broker_node("broker-a").restart()
        consumer = PushConsumer(unique_name("GID_stop"))
        consumer.set_name_server_address(cluster.namesrv_addr)
        consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
        consumer.subscribe(topic, lambda message: ConsumeStatus.CONSUME_SUCCESS)
        consumer.start()
        # Pulls held by both masters: nothing to read, so each waits for its suspend time.
        def held_on_every_master() -> bool:
            return all(cluster.call(lambda: any(node.broker._waiters.values())) for node in cluster.masters)

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not held_on_every_master():
            time.sleep(0.05)
        assert held_on_every_master()
        started = time.monotonic()
        cluster.stop()
        took = time.monotonic() - started
        print("stop with long polls held: %.2fs" % took)
        assert took < PROMPT_STOP_SECONDS
    finally:
        cluster.stop()
        if consumer is not None:
            consumer.shutdown()
