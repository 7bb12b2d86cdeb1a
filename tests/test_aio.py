"""rocketmq.aio against the embedded broker: async sends, async callbacks, async iteration."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from _helpers import started_producer, unique_name

from rocketmq.aio import AsyncProducer, AsyncPushConsumer
from rocketmq.client import ConsumeStatus, Message, SendStatus
from rocketmq.exceptions import ProducerSendAsyncFailed


def run(coroutine, timeout=60):
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


def test_many_async_sends_in_flight_on_one_thread(rocketmq_cluster):
    topic = unique_name("TopicAioSend")
    threads_before = threading.active_count()

    async def main():
        async with AsyncProducer(unique_name("PID_aio"), name_server_address=rocketmq_cluster.namesrv_addr,
                                 max_in_flight=64) as producer:
            results = await asyncio.gather(*(producer.send(Message(topic, f"m{i}")) for i in range(500)))
            peak_threads = threading.active_count()
            return results, peak_threads, producer.stats()

    results, peak_threads, stats = run(main())
    assert all(result.status == SendStatus.OK for result in results)
    assert len({result.msg_id for result in results}) == 500
    assert stats.sent == 500 and stats.in_flight == 0
    # The core's own threads and the executor's (start): not a thread per send.
    assert peak_threads - threads_before < 20
    stored = rocketmq_cluster.wait_for_messages(topic, 500)
    assert sorted(m.body for m in stored) == sorted(f"m{i}".encode() for i in range(500))


def test_max_in_flight_bounds_outstanding_sends(rocketmq_faults, rocketmq_namesrv_addr):
    topic = unique_name("TopicAioBound")

    async def main():
        async with AsyncProducer(unique_name("PID_aio_bound"), name_server_address=rocketmq_namesrv_addr,
                                 max_in_flight=4, timeout=3000) as producer:
            await producer.send(Message(topic, "route"))
            rocketmq_faults.delay(310, 0.3)
            tasks = [asyncio.ensure_future(producer.send(Message(topic, str(i)))) for i in range(12)]
            await asyncio.sleep(0.15)
            in_flight = producer.stats().in_flight
            await asyncio.gather(*tasks)
            return in_flight

    try:
        assert run(main()) == 4
    finally:
        rocketmq_faults.clear()


def test_async_send_failure_raises_in_the_coroutine(rocketmq_faults, rocketmq_namesrv_addr):
    topic = unique_name("TopicAioFail")

    async def main():
        async with AsyncProducer(unique_name("PID_aio_fail"), name_server_address=rocketmq_namesrv_addr,
                                 timeout=1000) as producer:
            await producer.send(Message(topic, "route"))
            rocketmq_faults.never_answer(310)
            with pytest.raises(ProducerSendAsyncFailed):
                await producer.send(Message(topic, "lost"))
            return producer.stats()

    try:
        stats = run(main())
    finally:
        rocketmq_faults.clear()
    assert (stats.sent, stats.failed) == (1, 1)


def test_cancelled_send_leaves_the_producer_usable(rocketmq_faults, rocketmq_namesrv_addr):
    topic = unique_name("TopicAioCancel")

    async def main():
        async with AsyncProducer(unique_name("PID_aio_cancel"), name_server_address=rocketmq_namesrv_addr,
                                 timeout=3000) as producer:
            await producer.send(Message(topic, "route"))
            rocketmq_faults.delay(310, 0.5)
            task = asyncio.ensure_future(producer.send(Message(topic, "slow")))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            rocketmq_faults.clear()
            return await producer.send(Message(topic, "after"))

    try:
        assert run(main()).status == SendStatus.OK
    finally:
        rocketmq_faults.clear()


def test_send_before_start_is_a_clear_error():
    producer = AsyncProducer(unique_name("PID_aio_idle"))
    with pytest.raises(RuntimeError, match="start"):
        run(producer.send(Message("Topic", "x")))
    with pytest.raises(ValueError):
        AsyncProducer("PID", max_in_flight=0)


def send_all(namesrv, topic, bodies):
    producer = started_producer(namesrv)
    try:
        for body in bodies:
            producer.send_sync(Message(topic, body))
    finally:
        producer.shutdown()


async def in_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def test_async_for_receives_every_message_on_the_loop(rocketmq_namesrv_addr):
    topic = unique_name("TopicAioIter")
    bodies = [f"b{i}".encode() for i in range(40)]

    async def main():
        loop_thread = threading.get_ident()
        seen, threads = [], set()
        consumer = AsyncPushConsumer(unique_name("GID_aio_iter"), name_server_address=rocketmq_namesrv_addr)
        consumer.subscribe(topic)
        async with consumer:
            await in_thread(send_all, rocketmq_namesrv_addr, topic, bodies)
            async for message in consumer:
                threads.add(threading.get_ident())
                seen.append(message.body)
                if len(seen) == len(bodies):
                    break
            # Consume threads record the answer just after the loop gives it.
            deadline = time.monotonic() + 10
            while consumer.stats().consumed < len(bodies) - 1 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            stats = consumer.stats()
        return seen, threads == {loop_thread}, stats

    seen, on_loop, stats = run(main())
    assert sorted(seen) == sorted(bodies)
    assert on_loop
    # The last one was left with break: still in flight until shutdown hands it back.
    assert (stats.consumed, stats.in_flight) == (len(bodies) - 1, 1)


def test_async_callback_answers_and_retries(rocketmq_namesrv_addr):
    topic = unique_name("TopicAioCallback")
    attempts = {}

    async def handle(message):
        await asyncio.sleep(0)  # a real coroutine, suspended once
        attempts[message.text] = attempts.get(message.text, 0) + 1
        if message.text == "flaky" and attempts["flaky"] == 1:
            raise RuntimeError("first attempt fails")
        return ConsumeStatus.CONSUME_SUCCESS

    async def main():
        consumer = AsyncPushConsumer(unique_name("GID_aio_cb"), name_server_address=rocketmq_namesrv_addr)
        consumer.subscribe(topic, handle)
        async with consumer:
            await in_thread(send_all, rocketmq_namesrv_addr, topic, ["one", "flaky", "two"])
            deadline = time.monotonic() + 30
            while attempts.get("flaky", 0) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            while consumer.stats().consumed < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return consumer.stats()

    stats = run(main())
    assert attempts == {"one": 1, "flaky": 2, "two": 1}
    assert (stats.consumed, stats.retried) == (3, 1)


def test_shutdown_hands_unfinished_messages_back_and_ends_iteration(rocketmq_namesrv_addr):
    topic, group = unique_name("TopicAioShutdown"), unique_name("GID_aio_shutdown")

    async def first_run():
        consumer = AsyncPushConsumer(group, name_server_address=rocketmq_namesrv_addr)
        consumer.subscribe(topic)
        await consumer.start()
        await in_thread(send_all, rocketmq_namesrv_addr, topic, ["keep"])
        iterator = consumer.__aiter__()
        message = await iterator.__anext__()  # taken, never finished
        started = time.monotonic()
        await consumer.shutdown()
        elapsed = time.monotonic() - started
        with pytest.raises(StopAsyncIteration):
            await iterator.__anext__()
        return message.body, elapsed

    body, elapsed = run(first_run())
    assert body == b"keep"
    assert elapsed < 10

    async def second_run():
        consumer = AsyncPushConsumer(group, name_server_address=rocketmq_namesrv_addr)
        consumer.subscribe(topic)
        async with consumer:
            async for message in consumer:
                return message.body, message.reconsume_times

    # The unfinished message comes back to the same group.
    assert run(second_run()) == (b"keep", 1)


def test_subscribe_rejects_a_plain_function():
    consumer = AsyncPushConsumer(unique_name("GID_aio_bad"))
    with pytest.raises(TypeError, match="coroutine function"):
        consumer.subscribe("Topic", lambda message: ConsumeStatus.CONSUME_SUCCESS)
