"""The future send_async and request_async return, on its own (no broker)."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import gc
import threading

import pytest

from rocketmq._futures import LazyFuture


def test_it_is_a_running_concurrent_future_until_completed():
    future = LazyFuture()
    assert isinstance(future, cf.Future)
    assert future.running() and not future.done() and not future.cancelled()
    assert not future.cancel(), "a send that has started cannot be cancelled"
    future.set_result(3)
    assert future.done() and future.result(0) == 3 and future.exception(0) is None


def test_a_future_nothing_looked_at_is_one_object_for_the_cycle_collector():
    gc.collect()
    before = len(gc.get_objects())
    futures = [LazyFuture() for _ in range(1000)]
    per_future = (len(gc.get_objects()) - before) / len(futures)
    assert per_future < 1.5, per_future  # a concurrent.futures.Future is about ten
    for future in futures:
        future.set_result(None)
    assert len(gc.get_objects()) - before < 1.5 * len(futures), "completing it makes nothing either"


def test_completed_untouched_it_still_answers_every_question():
    future = LazyFuture()
    future.set_exception(KeyError("k"))
    assert future.done()
    assert isinstance(future.exception(0), KeyError)
    with pytest.raises(KeyError):
        future.result(0)
    assert "finished raised KeyError" in repr(future)


@pytest.mark.parametrize("touch_first", [False, True])
def test_a_second_completion_is_refused(touch_first):
    future = LazyFuture()
    if touch_first:
        future.add_done_callback(lambda _: None)
    future.set_result(1)
    with pytest.raises(cf.InvalidStateError):
        future.set_result(2)
    with pytest.raises(cf.InvalidStateError):
        future.set_exception(ValueError())
    assert future.result(0) == 1


def test_callbacks_run_once_completed_and_at_once_when_added_after():
    future, seen = LazyFuture(), []
    future.add_done_callback(lambda f: seen.append(("before", f.result())))
    future.set_result(5)
    future.add_done_callback(lambda f: seen.append(("after", f.result())))
    assert seen == [("before", 5), ("after", 5)]


def test_waiting_threads_wake_on_completion_from_another_thread():
    future = LazyFuture()
    timer = threading.Timer(0.05, future.set_result, (7,))
    timer.start()
    assert future.result(5) == 7
    timer.join()


def test_wait_and_as_completed_see_it():
    futures = [LazyFuture() for _ in range(4)]
    timer = threading.Timer(0.05, futures[2].set_result, ("third",))
    timer.start()
    done, not_done = cf.wait(futures, timeout=5, return_when=cf.FIRST_COMPLETED)
    assert done == {futures[2]} and len(not_done) == 3
    for future in not_done:
        future.set_exception(ValueError("late"))
    outcomes = [f.result() if f.exception() is None else "failed"
                for f in cf.as_completed(futures, timeout=5)]
    assert sorted(outcomes) == ["failed", "failed", "failed", "third"]
    timer.join()


def test_asyncio_can_await_it():
    async def main() -> int:
        future = LazyFuture()
        asyncio.get_running_loop().call_later(0.02, future.set_result, 9)
        return await asyncio.wrap_future(future)

    assert asyncio.run(main()) == 9


def test_a_waiter_racing_the_completion_never_misses_it():
    # The condition is made by the first waiter: made before the completion,
    # the completion must notify it; made after, the waiter must see the result.
    for attempt in range(500):
        future, seen = LazyFuture(), []
        waiter = threading.Thread(target=lambda f=future: seen.append(f.result(10)))
        waiter.start()
        future.set_result(attempt)
        waiter.join(10)
        assert seen == [attempt]
