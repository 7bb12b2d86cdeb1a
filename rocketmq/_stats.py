"""Counters and latency samples behind ``Producer.stats()`` and ``PushConsumer.stats()``.

Recording is on every send and every delivered message, so it is kept to a
lock, an integer add and a deque append. Percentiles are computed only when
someone asks, over the most recent samples.

An observer (``rocketmq.otel`` installs one) sees each send and each delivery
as it is counted; without one the cost is a single ``is None`` check.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from typing import Any, Deque, NamedTuple, Optional, Protocol, Sequence

__all__ = ["ProducerStats", "ConsumerStats", "LatencyPercentiles", "ProducerCounters", "ConsumerCounters"]

# Enough samples for a stable p99 while keeping memory small and bounded.
LATENCY_SAMPLES = 4096


class LatencyPercentiles(NamedTuple):
    """Latency over the most recent operations, in milliseconds (0.0 when there are none)."""

    samples: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


class ProducerStats(NamedTuple):
    sent: int  # messages the broker accepted (a batch counts each message)
    failed: int  # messages whose send raised or reported an exception
    in_flight: int  # asynchronous sends not yet completed
    latency: LatencyPercentiles  # send call to broker answer (sync and async sends)
    late_replies: int = 0  # request replies that came after their request timed out (dropped)


class ConsumerStats(NamedTuple):
    consumed: int  # callbacks that returned CONSUME_SUCCESS
    retried: int  # deliveries that failed and go back to the broker for a later retry
    dead_lettered: int  # failures past the reconsume limit: the broker moves them to the DLQ
    in_flight: int  # messages inside a callback right now
    cached: int  # messages pulled from brokers and not yet consumed (in_flight included)
    latency: LatencyPercentiles  # callback run time


class SendObserver(Protocol):
    """Told about every finished send, after it was counted."""

    def send_finished(self, message: Any, messages: int, elapsed_ns: int, succeeded: bool) -> None:
        """``message`` is the Message sent (the first of a batch of ``messages``), or None."""


class DeliveryObserver(Protocol):
    """Told about every message a callback finished with, after it was counted."""

    def delivery_finished(self, c_message: Any, elapsed_ns: int, succeeded: bool,
                          dead_lettered: bool) -> None:
        """``c_message`` is the core's message, valid only during this call."""


def _percentiles(samples_ns: Deque[int]) -> LatencyPercentiles:
    ordered = sorted(samples_ns)
    if not ordered:
        return LatencyPercentiles(0, 0.0, 0.0, 0.0, 0.0)

    def at(fraction: float) -> float:
        index = min(len(ordered) - 1, int(fraction * len(ordered)))
        return ordered[index] / 1e6

    return LatencyPercentiles(len(ordered), at(0.50), at(0.90), at(0.99), ordered[-1] / 1e6)


class _Latencies:
    def __init__(self) -> None:
        self._samples: Deque[int] = deque(maxlen=LATENCY_SAMPLES)

    def add(self, started_ns: int) -> int:
        elapsed_ns = time.perf_counter_ns() - started_ns
        self._samples.append(elapsed_ns)
        return elapsed_ns

    def add_many(self, elapsed_ns: int, count: int) -> None:
        """``count`` operations that took ``elapsed_ns`` each (a list callback's messages)."""
        self._samples.extend(itertools.repeat(elapsed_ns, min(count, LATENCY_SAMPLES)))

    def snapshot(self) -> LatencyPercentiles:
        # list() of a deque is atomic under the GIL; appends may go on meanwhile.
        return _percentiles(deque(list(self._samples)))


class ProducerCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent = 0
        self._failed = 0
        self._in_flight = 0
        self.latencies = _Latencies()
        self.observer: Optional[SendObserver] = None

    # The methods that run for every message take the lock by hand: `with`
    # costs about as much again as the acquire and release themselves.

    def succeeded(self, started_ns: int, messages: int = 1, message: Any = None) -> None:
        # Runs for every send: the latency sample is taken inline.
        elapsed_ns = time.perf_counter_ns() - started_ns
        self.latencies._samples.append(elapsed_ns)
        lock = self._lock
        lock.acquire()
        try:
            self._sent += messages
        finally:
            lock.release()
        if self.observer is not None:
            self.observer.send_finished(message, messages, elapsed_ns, True)

    def failed(self, messages: int = 1, message: Any = None, started_ns: Optional[int] = None) -> None:
        with self._lock:
            self._failed += messages
        if self.observer is not None:
            elapsed_ns = 0 if started_ns is None else time.perf_counter_ns() - started_ns
            self.observer.send_finished(message, messages, elapsed_ns, False)

    def async_started(self) -> None:
        lock = self._lock
        lock.acquire()
        try:
            self._in_flight += 1
        finally:
            lock.release()

    # An asynchronous send's end and its outcome, counted under one lock: the
    # completion of every async send comes through one of these.

    def async_succeeded(self, started_ns: int, message: Any = None) -> None:
        elapsed_ns = self.latencies.add(started_ns)
        with self._lock:
            self._in_flight -= 1
            self._sent += 1
        if self.observer is not None:
            self.observer.send_finished(message, 1, elapsed_ns, True)

    def async_failed(self, started_ns: int, message: Any = None) -> None:
        with self._lock:
            self._in_flight -= 1
            self._failed += 1
        if self.observer is not None:
            self.observer.send_finished(message, 1, time.perf_counter_ns() - started_ns, False)

    def snapshot(self) -> ProducerStats:
        with self._lock:
            sent, failed, in_flight = self._sent, self._failed, self._in_flight
        return ProducerStats(sent, failed, in_flight, self.latencies.snapshot())


class ConsumerCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._consumed = 0
        self._retried = 0
        self._dead_lettered = 0
        self._in_flight = 0
        # Calls from the core into Python, each with a burst of messages
        # (tests check that delivery stays batched).
        self.bursts = 0
        self.latencies = _Latencies()
        self.observer: Optional[DeliveryObserver] = None

    def delivery_started(self) -> int:
        with self._lock:
            self._in_flight += 1
        return time.perf_counter_ns()

    def delivery_ended(self, started_ns: int, succeeded: bool, dead_lettered: bool,
                       c_message: Any = None) -> None:
        elapsed_ns = self.latencies.add(started_ns)
        with self._lock:
            self._in_flight -= 1
            if succeeded:
                self._consumed += 1
            elif dead_lettered:
                self._dead_lettered += 1
            else:
                self._retried += 1
        if self.observer is not None:
            self.observer.delivery_finished(c_message, elapsed_ns, succeeded, dead_lettered)

    def deliveries_started(self, messages: int) -> int:
        """``delivery_started`` for the messages of one list callback at once."""
        with self._lock:
            self._in_flight += messages
        return time.perf_counter_ns()

    def deliveries_ended(self, started_ns: int, c_messages: Sequence[Any], succeeded: bool,
                         dead_lettered: Sequence[bool]) -> None:
        """``delivery_ended`` for the messages of one list callback; ``dead_lettered``
        has a flag per message when they failed."""
        elapsed_ns = time.perf_counter_ns() - started_ns
        count = len(c_messages)
        self.latencies.add_many(elapsed_ns, count)
        dead = sum(dead_lettered)
        with self._lock:
            self._in_flight -= count
            if succeeded:
                self._consumed += count
            else:
                self._dead_lettered += dead
                self._retried += count - dead
        if self.observer is not None:
            for index, c_message in enumerate(c_messages):
                self.observer.delivery_finished(c_message, elapsed_ns, succeeded,
                                                not succeeded and dead_lettered[index])

    def snapshot(self, cached: int) -> ConsumerStats:
        with self._lock:
            counts = (self._consumed, self._retried, self._dead_lettered, self._in_flight)
        return ConsumerStats(*counts, cached=cached, latency=self.latencies.snapshot())

