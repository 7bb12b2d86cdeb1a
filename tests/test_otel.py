"""rocketmq.otel: metrics read back through the OpenTelemetry SDK after real sends and consumption."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

import pytest
from _helpers import started_producer, unique_name

pytest.importorskip("opentelemetry.sdk.metrics",
                    reason="opentelemetry-sdk is not installed (pip install opentelemetry-sdk)")

from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402

from rocketmq import otel  # noqa: E402
from rocketmq.admin import AdminClient  # noqa: E402
from rocketmq.aio import AsyncProducer, AsyncPushConsumer  # noqa: E402
from rocketmq.client import ConsumeFromWhere, ConsumeStatus, Message, PushConsumer, SendStatus  # noqa: E402
from rocketmq.exceptions import ProducerSendSyncFailed  # noqa: E402
from rocketmq.testing.codes import RequestCode  # noqa: E402


class Metrics:
    """One collection of an InMemoryMetricReader, looked up by metric name and labels."""

    def __init__(self, reader: InMemoryMetricReader) -> None:
        self.by_name: Dict[str, List[Any]] = {}
        data = reader.get_metrics_data()
        for resource_metrics in data.resource_metrics if data is not None else []:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    self.by_name.setdefault(metric.name, []).extend(metric.data.data_points)

    def points(self, name: str, **labels: Any) -> List[Any]:
        return [point for point in self.by_name.get(name, [])
                if all(point.attributes.get(key) == value for key, value in labels.items())]

    def total(self, name: str, **labels: Any) -> int:
        """The sum of counter values, or of histogram counts, over the points with these labels."""
        return sum(getattr(point, "count", None) or getattr(point, "value", 0)
                   for point in self.points(name, **labels))


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def provider(reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    meter_provider = MeterProvider(metric_readers=[reader])
    yield meter_provider
    meter_provider.shutdown()


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_every_kind_of_send_is_counted_and_timed_per_message(rocketmq_namesrv_addr, reader, provider):
    topic = unique_name("TopicOtelSends")
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        instrumentation = otel.instrument(producer, provider, client_id="producer-1")
        for number in range(5):
            producer.send_sync(Message(topic, f"sync {number}"))
        producer.send_batch([Message(topic, f"batch {number}") for number in range(3)])
        producer.send_oneway(Message(topic, "oneway"))
        futures = [producer.send_async(Message(topic, f"async {number}")) for number in range(2)]
        for future in futures:
            future.result(timeout=30)
    finally:
        producer.shutdown()
    metrics = Metrics(reader)
    labels = {"topic": topic, "client_id": "producer-1"}
    assert instrumentation.client_id == "producer-1"
    assert metrics.total(otel.SEND_MESSAGES_TOTAL, invocation_status="success", **labels) == 11
    assert metrics.total(otel.SEND_MESSAGES_TOTAL, invocation_status="failure", **labels) == 0
    [histogram] = metrics.points(otel.SEND_COST_TIME, invocation_status="success", **labels)
    assert histogram.count == 11
    assert list(histogram.explicit_bounds) == [1.0, 5.0, 10.0, 20.0, 50.0, 200.0, 500.0]
    assert 0 < histogram.sum < 11 * 30_000  # milliseconds, each send well under its 30 s
    assert sum(histogram.bucket_counts) == 11


def test_a_failed_send_is_recorded_with_invocation_status_failure(rocketmq_namesrv_addr, rocketmq_faults,
                                                                  reader, provider):
    topic = unique_name("TopicOtelFailure")
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        otel.instrument(producer, provider)
        producer.send_sync(Message(topic, "accepted"))
        rocketmq_faults.respond_with_error(RequestCode.SEND_MESSAGE_V2, remark="refused for the test")
        with pytest.raises(ProducerSendSyncFailed):
            producer.send_sync(Message(topic, "refused"))
    finally:
        producer.shutdown()
    metrics = Metrics(reader)
    assert metrics.total(otel.SEND_MESSAGES_TOTAL, topic=topic, invocation_status="success") == 1
    assert metrics.total(otel.SEND_MESSAGES_TOTAL, topic=topic, invocation_status="failure") == 1
    [failed] = metrics.points(otel.SEND_COST_TIME, topic=topic, invocation_status="failure")
    assert failed.count == 1
    [client_id] = {point.attributes["client_id"]
                   for point in metrics.points(otel.SEND_COST_TIME, topic=topic)}
    assert client_id  # the default: host@pid@n


def test_consumption_counts_successes_retries_and_dead_letters(rocketmq_cluster, reader, provider):
    topic, group = unique_name("TopicOtelConsume"), unique_name("GID_otel_consume")
    rocketmq_cluster.create_topic(topic, 1)
    deliveries: List[bytes] = []

    def on_message(message: Any) -> ConsumeStatus:
        deliveries.append(message.body)
        return ConsumeStatus.RECONSUME_LATER if message.body == b"poison" else ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_cluster.namesrv_addr)
    consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    consumer.set_max_reconsume_times(1)  # the first redelivery that fails goes to the DLQ
    consumer.subscribe(topic, on_message)
    otel.instrument(consumer, provider, client_id="consumer-1")
    consumer.start()
    try:
        producer = started_producer(rocketmq_cluster.namesrv_addr)
        try:
            for body in ("a", "b", "poison", "c", "d"):
                producer.send_sync(Message(topic, body))
        finally:
            producer.shutdown()
        assert wait_until(lambda: consumer.stats().consumed == 4 and consumer.stats().dead_lettered == 1)
    finally:
        consumer.shutdown()
    assert deliveries.count(b"poison") == 2
    metrics = Metrics(reader)
    labels = {"topic": topic, "consumer_group": group, "client_id": "consumer-1"}
    assert metrics.total(otel.CONSUME_MESSAGES_TOTAL, invocation_status="success", **labels) == 4
    assert metrics.total(otel.CONSUME_MESSAGES_TOTAL, invocation_status="failure", **labels) == 2
    assert metrics.total(otel.RECONSUME_MESSAGES_TOTAL, **labels) == 1
    assert metrics.total(otel.SEND_TO_DLQ_MESSAGES_TOTAL, **labels) == 1
    [succeeded] = metrics.points(otel.PROCESS_TIME, invocation_status="success", **labels)
    [failed] = metrics.points(otel.PROCESS_TIME, invocation_status="failure", **labels)
    assert (succeeded.count, failed.count) == (4, 2)
    assert list(succeeded.explicit_bounds) == [1.0, 5.0, 10.0, 100.0, 1000.0, 10_000.0, 60_000.0]
    [cached] = metrics.points(otel.CONSUMER_CACHED_MESSAGES, consumer_group=group)
    assert cached.value == 0  # shut down: it holds nothing


def test_lag_per_queue_is_the_broker_offset_minus_the_committed_one(rocketmq_cluster, reader, provider):
    topic, group = unique_name("TopicOtelLag"), unique_name("GID_otel_lag")
    rocketmq_cluster.create_topic(topic, 2)
    consumed = threading.Event()
    seen: List[bytes] = []

    def on_message(message: Any) -> ConsumeStatus:
        seen.append(message.body)
        if len(seen) == 4:
            consumed.set()
        return ConsumeStatus.CONSUME_SUCCESS

    producer = started_producer(rocketmq_cluster.namesrv_addr)
    admin = AdminClient()
    admin.set_name_server_address(rocketmq_cluster.namesrv_addr)
    admin.start()
    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_cluster.namesrv_addr)
    consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    consumer.subscribe(topic, on_message)
    otel.instrument(consumer, provider, admin=admin)
    try:
        to_queue = lambda queue_count, message, queue_id: queue_id  # noqa: E731
        for queue_id in (0, 0, 1, 1):
            producer.send_orderly(Message(topic, "before"), to_queue, queue_id)
        consumer.start()
        assert consumed.wait(30)
        consumer.shutdown()  # commits the offsets: 2 and 2
        for queue_id in (0, 0, 0, 1):
            producer.send_orderly(Message(topic, "after"), to_queue, queue_id)
        metrics = Metrics(reader)
    finally:
        consumer.shutdown()
        producer.shutdown()
        admin.shutdown()
    lags = {point.attributes["queue_id"]: point.value
            for point in metrics.points(otel.CONSUMER_LAG_MESSAGES, topic=topic, consumer_group=group)}
    assert lags == {0: 3, 1: 1}


def test_uninstrument_stops_recording_and_instrument_checks_its_arguments(rocketmq_namesrv_addr, reader,
                                                                          provider):
    topic = unique_name("TopicOtelOff")
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        otel.instrument(producer, provider)
        with pytest.raises(ValueError, match="already instrumented"):
            otel.instrument(producer, provider)
        otel.uninstrument(producer)
        with pytest.raises(ValueError, match="producer has none"):
            otel.instrument(producer, provider, admin=AdminClient())
        producer.send_sync(Message(topic, "not recorded"))
        otel.instrument(producer, provider)
        producer.send_sync(Message(topic, "recorded"))
        otel.uninstrument(producer)
        otel.uninstrument(producer)  # a second time: nothing to undo
        producer.send_sync(Message(topic, "not recorded either"))
    finally:
        producer.shutdown()
    assert Metrics(reader).total(otel.SEND_MESSAGES_TOTAL, topic=topic) == 1
    with pytest.raises(TypeError, match="Producer, PushConsumer"):
        otel.instrument(object(), provider)  # type: ignore[arg-type]
    consumer = PushConsumer(unique_name("GID_otel_args"))
    with pytest.raises(TypeError, match="AdminClient"):
        otel.instrument(consumer, provider, admin="127.0.0.1:9876")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="client_id"):
        otel.instrument(consumer, provider, client_id=7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="MeterProvider"):
        otel.instrument(consumer, "not a provider")  # type: ignore[arg-type]


def test_asyncio_clients_are_instrumented_through_their_wrapped_client(rocketmq_namesrv_addr, reader,
                                                                        provider):
    topic, group = unique_name("TopicOtelAio"), unique_name("GID_otel_aio")

    async def main() -> int:
        consumer = AsyncPushConsumer(group, name_server_address=rocketmq_namesrv_addr)
        consumer.consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
        consumer.subscribe(topic)
        otel.instrument(consumer, provider)
        producer_group = unique_name("PID_otel_aio")
        async with AsyncProducer(producer_group, name_server_address=rocketmq_namesrv_addr) as producer:
            otel.instrument(producer, provider)
            await asyncio.gather(*(producer.send(Message(topic, f"event {n}")) for n in range(3)))
        received = 0
        async with consumer:
            async for _ in consumer:
                received += 1
                if received == 3:
                    break
        return received

    assert asyncio.run(main()) == 3
    metrics = Metrics(reader)
    assert metrics.total(otel.SEND_MESSAGES_TOTAL, topic=topic, invocation_status="success") == 3
    assert metrics.total(otel.CONSUME_MESSAGES_TOTAL, topic=topic, consumer_group=group,
                         invocation_status="success") == 2
    # The third message's body did not finish (break): it goes back at shutdown, a failure.
    assert metrics.total(otel.CONSUME_MESSAGES_TOTAL, topic=topic, consumer_group=group,
                         invocation_status="failure") >= 1


def test_a_metric_that_cannot_be_recorded_never_fails_the_send(rocketmq_namesrv_addr, provider):
    class BrokenInstrument:
        def record(self, *args: Any) -> None:
            raise RuntimeError("exporter down")

        add = record

    topic = unique_name("TopicOtelBroken")
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        instrumentation = otel.instrument(producer, provider)
        instrumentation._instruments.send_cost_time = BrokenInstrument()
        assert producer.send_sync(Message(topic, "still sent")).status == SendStatus.OK
    finally:
        producer.shutdown()
    assert producer.stats().sent == 1


def test_without_the_opentelemetry_api_the_import_error_names_the_extra(tmp_path):
    # A None entry in sys.modules makes any import of the package fail, as if it were not installed.
    script = "import sys; sys.modules['opentelemetry'] = None\nimport rocketmq.otel\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "pip install 'rocketmq-cffi[otel]'" in result.stderr, result.stderr
