"""OpenTelemetry metrics for producers and push consumers (``pip install rocketmq-cffi[otel]``).

``instrument(client)`` makes a client record its sends or its consumption on
an OpenTelemetry meter (the global meter provider unless one is given)::

    from rocketmq import otel

    otel.instrument(producer)                  # or a PushConsumer, AsyncProducer, AsyncPushConsumer
    otel.instrument(consumer, admin=admin)     # an AdminClient adds the lag of every queue

The histograms are those of the RocketMQ 5 clients (``rocketmq_send_cost_time``
and ``rocketmq_process_time``, in milliseconds, with their bucket boundaries
and the labels ``topic``, ``client_id``, ``consumer_group`` and
``invocation_status``), so dashboards built for those clients read them too.
Counters add what the histograms do not tell: retries, dead-lettered messages,
and messages (not calls) sent and consumed. Gauges report the messages a
consumer holds and, with an :class:`~rocketmq.admin.AdminClient`, its lag per
queue, both read when the meter's reader collects.

Recording hooks into the counters behind ``stats()``; a client that is not
instrumented pays nothing for this module.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import weakref
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

try:
    from opentelemetry import metrics
    from opentelemetry.metrics import CallbackOptions, Meter, MeterProvider, Observation
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "rocketmq.otel needs the OpenTelemetry API: pip install 'rocketmq-cffi[otel]'"
    ) from missing

from ._bindings import lib, py_string
from .admin import AdminClient
from .aio import AsyncProducer, AsyncPushConsumer
from .consumer import PushConsumer
from .exceptions import RocketMQException
from .producer import Producer

__all__ = [
    "instrument",
    "uninstrument",
    "Instrumentation",
    "METER_NAME",
    "SEND_COST_TIME",
    "PROCESS_TIME",
    "SEND_MESSAGES_TOTAL",
    "CONSUME_MESSAGES_TOTAL",
    "RECONSUME_MESSAGES_TOTAL",
    "SEND_TO_DLQ_MESSAGES_TOTAL",
    "CONSUMER_CACHED_MESSAGES",
    "CONSUMER_LAG_MESSAGES",
]

logger = logging.getLogger("rocketmq.otel")

#: The meter the instruments are created on.
METER_NAME = "rocketmq-cffi"

# Names, units and buckets of the RocketMQ 5 Java client (HistogramEnum, MetricName):
# every send, successful or not, and every callback run, one record per message.
#: Histogram (ms) of every send, labels topic, client_id, invocation_status.
SEND_COST_TIME = "rocketmq_send_cost_time"
SEND_COST_TIME_BUCKETS = (1.0, 5.0, 10.0, 20.0, 50.0, 200.0, 500.0)
#: Histogram (ms) of every callback run, labels topic, client_id, consumer_group, invocation_status.
PROCESS_TIME = "rocketmq_process_time"
PROCESS_TIME_BUCKETS = (1.0, 5.0, 10.0, 100.0, 1000.0, 10 * 1000.0, 60 * 1000.0)
#: Gauge of the messages a consumer pulled and has not consumed yet.
CONSUMER_CACHED_MESSAGES = "rocketmq_consumer_cached_messages"
# The Java client has no counters (its histograms count); these follow the
# naming of the RocketMQ 5 broker's metrics (rocketmq_send_to_dlq_messages_total,
# rocketmq_consumer_lag_messages are its names).
#: Counter of messages sent, by invocation_status.
SEND_MESSAGES_TOTAL = "rocketmq_send_messages_total"
#: Counter of messages consumed, by invocation_status.
CONSUME_MESSAGES_TOTAL = "rocketmq_consume_messages_total"
#: Counter of failed consumptions sent back for a later retry.
RECONSUME_MESSAGES_TOTAL = "rocketmq_reconsume_messages_total"
#: Counter of failed consumptions past the reconsume limit (the dead-letter queue).
SEND_TO_DLQ_MESSAGES_TOTAL = "rocketmq_send_to_dlq_messages_total"
#: Gauge of the lag of every queue (broker max offset minus the committed one), with an AdminClient.
CONSUMER_LAG_MESSAGES = "rocketmq_consumer_lag_messages"

# Label names (MetricLabels) and invocation_status values (InvocationStatus).
TOPIC = "topic"
CLIENT_ID = "client_id"
CONSUMER_GROUP = "consumer_group"
INVOCATION_STATUS = "invocation_status"
BROKER_NAME = "broker_name"
QUEUE_ID = "queue_id"
SUCCESS = "success"
FAILURE = "failure"

Instrumentable = Union[Producer, PushConsumer, AsyncProducer, AsyncPushConsumer]
Attributes = Dict[str, Union[str, int]]

_client_sequence = itertools.count(1)


def _default_client_id() -> str:
    """Host, process and a per-process sequence: unique among the clients one reader sees."""
    return f"{socket.gethostname()}@{os.getpid()}@{next(_client_sequence)}"


def _histogram(meter: Meter, name: str, description: str, buckets: Tuple[float, ...]) -> Any:
    try:
        return meter.create_histogram(name, unit="ms", description=description,
                                      explicit_bucket_boundaries_advisory=list(buckets))
    except TypeError:
        # opentelemetry-api before 1.23 takes no bucket advice: its SDK's default buckets apply.
        return meter.create_histogram(name, unit="ms", description=description)


class _ConsumerGauges:
    """What the observable gauges read for one instrumented consumer, at each collection."""

    def __init__(self, consumer: PushConsumer, group: str, client_id: str,
                 admin: Optional[AdminClient]) -> None:
        # Weak, so an instrumented consumer can still be garbage collected.
        self._consumer = weakref.ref(consumer)
        self._labels: Attributes = {CLIENT_ID: client_id, CONSUMER_GROUP: group}
        self._group = group
        self._admin = admin

    def cached(self) -> List[Observation]:
        consumer = self._consumer()
        if consumer is None:
            return []
        return [Observation(consumer._cached_message_count(), self._labels)]

    def lag(self) -> List[Observation]:
        consumer = self._consumer()
        if consumer is None or self._admin is None:
            return []
        observations = []
        for topic in consumer._subscribed_topics():
            try:
                queues = self._admin.group_offsets(self._group, topic)
            except RocketMQException as failed:
                # A broker that does not answer now leaves a gap in the series, not an error in the reader.
                logger.warning("lag of %s on %s not collected: %s", self._group, topic, failed)
                continue
            for queue in queues:
                if queue.lag is not None:
                    labels: Attributes = {**self._labels, TOPIC: topic, BROKER_NAME: queue.broker_name,
                                          QUEUE_ID: queue.queue_id}
                    observations.append(Observation(queue.lag, labels))
        return observations


class _Instruments:
    """The instruments of one meter provider, created once and shared by its clients."""

    def __init__(self, meter: Meter) -> None:
        self.send_cost_time = _histogram(meter, SEND_COST_TIME, "Time of each send, success or failure",
                                         SEND_COST_TIME_BUCKETS)
        self.process_time = _histogram(meter, PROCESS_TIME, "Time a consume callback took for a message",
                                       PROCESS_TIME_BUCKETS)
        self.sent = meter.create_counter(SEND_MESSAGES_TOTAL, unit="1",
                                         description="Messages sent, by invocation_status")
        self.consumed = meter.create_counter(CONSUME_MESSAGES_TOTAL, unit="1",
                                             description="Messages consumed, by invocation_status")
        self.reconsumed = meter.create_counter(
            RECONSUME_MESSAGES_TOTAL, unit="1",
            description="Failed consumptions sent back to the broker to be consumed again later")
        self.dead_lettered = meter.create_counter(
            SEND_TO_DLQ_MESSAGES_TOTAL, unit="1",
            description="Failed consumptions past the reconsume limit: the broker moves them to %DLQ%group")
        self._lock = threading.Lock()
        self._gauges: Dict[int, _ConsumerGauges] = {}
        meter.create_observable_gauge(CONSUMER_CACHED_MESSAGES, callbacks=[self._observe_cached], unit="1",
                                      description="Messages pulled from brokers and not yet consumed")
        meter.create_observable_gauge(CONSUMER_LAG_MESSAGES, callbacks=[self._observe_lag], unit="1",
                                      description="Broker max offset minus the committed one, per queue")

    def add_gauges(self, key: int, gauges: _ConsumerGauges) -> None:
        with self._lock:
            self._gauges[key] = gauges

    def remove_gauges(self, key: int) -> None:
        with self._lock:
            self._gauges.pop(key, None)

    def _each_gauges(self) -> List[_ConsumerGauges]:
        with self._lock:
            return list(self._gauges.values())

    def _observe_cached(self, options: CallbackOptions) -> Iterable[Observation]:
        return [observation for gauges in self._each_gauges() for observation in gauges.cached()]

    def _observe_lag(self, options: CallbackOptions) -> Iterable[Observation]:
        return [observation for gauges in self._each_gauges() for observation in gauges.lag()]


_instruments_lock = threading.Lock()
_instruments_by_provider: "weakref.WeakKeyDictionary[Any, _Instruments]" = weakref.WeakKeyDictionary()


def _instruments_for(provider: MeterProvider) -> _Instruments:
    # One set of instruments per provider: a second observable gauge of the
    # same name would be reported twice (or refused) by the SDK.
    with _instruments_lock:
        instruments = _instruments_by_provider.get(provider)
        if instruments is None:
            from . import __version__

            instruments = _Instruments(provider.get_meter(METER_NAME, __version__))
            _instruments_by_provider[provider] = instruments
        return instruments


_recording_failures = itertools.count()


def _recording_failed() -> None:
    """A metric that cannot be recorded must not fail the send or the consumption it describes."""
    if next(_recording_failures) == 0:  # once: a broken exporter would otherwise flood the log
        logger.exception("recording a metric failed; later failures are not logged")


class _SendRecorder:
    """A producer's observer: each finished send, as one record per message."""

    def __init__(self, instruments: _Instruments, client_id: str, instrumentation: Instrumentation) -> None:
        self.instrumentation = instrumentation
        self._instruments = instruments
        self._client_id = client_id
        self._labels: Dict[Tuple[str, bool], Attributes] = {}

    def _labels_for(self, topic: str, succeeded: bool) -> Attributes:
        labels = self._labels.get((topic, succeeded))
        if labels is None:
            labels = {TOPIC: topic, CLIENT_ID: self._client_id,
                      INVOCATION_STATUS: SUCCESS if succeeded else FAILURE}
            self._labels[(topic, succeeded)] = labels
        return labels

    def send_finished(self, message: Any, messages: int, elapsed_ns: int, succeeded: bool) -> None:
        try:
            labels = self._labels_for(message.topic if message is not None else "", succeeded)
            elapsed_ms = elapsed_ns / 1e6
            for _ in range(messages):  # as the Java client: a batch is recorded per message
                self._instruments.send_cost_time.record(elapsed_ms, labels)
            self._instruments.sent.add(messages, labels)
        except Exception:
            _recording_failed()


class _DeliveryRecorder:
    """A push consumer's observer: each message a callback finished with."""

    def __init__(self, instruments: _Instruments, client_id: str, group: str,
                 instrumentation: Instrumentation) -> None:
        self.instrumentation = instrumentation
        self._instruments = instruments
        self._client_id = client_id
        self._group = group
        self._labels: Dict[Tuple[str, Optional[bool]], Attributes] = {}

    def _labels_for(self, topic: str, succeeded: Optional[bool]) -> Attributes:
        """The labels of a topic, with invocation_status unless ``succeeded`` is None."""
        labels = self._labels.get((topic, succeeded))
        if labels is None:
            labels = {TOPIC: topic, CLIENT_ID: self._client_id, CONSUMER_GROUP: self._group}
            if succeeded is not None:
                labels[INVOCATION_STATUS] = SUCCESS if succeeded else FAILURE
            self._labels[(topic, succeeded)] = labels
        return labels

    def delivery_finished(self, c_message: Any, elapsed_ns: int, succeeded: bool,
                          dead_lettered: bool) -> None:
        try:
            topic = py_string(lib.GetMessageTopic(c_message)) if c_message is not None else ""
            labels = self._labels_for(topic, succeeded)
            self._instruments.process_time.record(elapsed_ns / 1e6, labels)
            self._instruments.consumed.add(1, labels)
            if not succeeded:
                counter = self._instruments.dead_lettered if dead_lettered else self._instruments.reconsumed
                counter.add(1, self._labels_for(topic, None))
        except Exception:
            _recording_failed()


class Instrumentation:
    """A client's metrics, from :func:`instrument` until :meth:`uninstrument`."""

    def __init__(self, target: Union[Producer, PushConsumer], instruments: _Instruments, client_id: str,
                 admin: Optional[AdminClient]) -> None:
        self.client_id = client_id
        # The client holds its recorder, which holds this: nothing here keeps the client alive.
        self._counters = target._counters
        self._instruments = instruments
        recorder: Union[_SendRecorder, _DeliveryRecorder]
        if isinstance(target, Producer):
            recorder = _SendRecorder(instruments, client_id, self)
        else:
            group = py_string(lib.GetPushConsumerGroupID(target._handle))
            recorder = _DeliveryRecorder(instruments, client_id, group, self)
            instruments.add_gauges(id(self), _ConsumerGauges(target, group, client_id, admin))
            weakref.finalize(target, instruments.remove_gauges, id(self))
        target._counters.observer = recorder

    def uninstrument(self) -> None:
        """Stop recording; the client goes on as if it had never been instrumented."""
        observer = self._counters.observer
        if getattr(observer, "instrumentation", None) is self:
            self._counters.observer = None
        self._instruments.remove_gauges(id(self))


def _unwrap(client: Any) -> Union[Producer, PushConsumer]:
    if isinstance(client, AsyncProducer):
        return client.producer
    if isinstance(client, AsyncPushConsumer):
        return client.consumer
    if isinstance(client, (Producer, PushConsumer)):
        return client
    raise TypeError("instrument() takes a Producer, PushConsumer, AsyncProducer or AsyncPushConsumer, "
                    f"not {type(client).__name__}")


def instrument(client: Instrumentable, meter_provider: Optional[MeterProvider] = None, *,
               admin: Optional[AdminClient] = None, client_id: Optional[str] = None) -> Instrumentation:
    """Record ``client``'s sends or consumption on ``meter_provider`` (the global one by default).

    ``admin``, for a consumer, is a started :class:`~rocketmq.admin.AdminClient`
    configured for the same cluster: with it, :data:`CONSUMER_LAG_MESSAGES`
    reports the lag of every queue of the subscribed topics, queried when the
    meter's reader collects. ``client_id`` labels every record (by default
    ``host@pid@n``). Instrumenting a client twice raises ``ValueError``.
    """
    target = _unwrap(client)
    if admin is not None and not isinstance(admin, AdminClient):
        raise TypeError(f"admin must be a rocketmq.admin.AdminClient, not {type(admin).__name__}")
    if admin is not None and isinstance(target, Producer):
        raise ValueError("admin is for consumer lag; a producer has none")
    if client_id is not None and not isinstance(client_id, str):
        raise TypeError(f"client_id must be a str, not {type(client_id).__name__}")
    if target._counters.observer is not None:
        raise ValueError(f"this {type(target).__name__} is already instrumented")
    provider = meter_provider if meter_provider is not None else metrics.get_meter_provider()
    if not isinstance(provider, MeterProvider):
        raise TypeError(f"meter_provider must be an OpenTelemetry MeterProvider, "
                        f"not {type(provider).__name__}")
    return Instrumentation(target, _instruments_for(provider), client_id or _default_client_id(), admin)


def uninstrument(client: Instrumentable) -> None:
    """Undo :func:`instrument` for ``client``; a client that is not instrumented is left as it is."""
    instrumentation = getattr(_unwrap(client)._counters.observer, "instrumentation", None)
    if isinstance(instrumentation, Instrumentation):
        instrumentation.uninstrument()
