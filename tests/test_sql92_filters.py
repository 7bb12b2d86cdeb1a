"""SQL92 subscriptions end to end: push and pull consumers against the embedded broker's property filter."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from _helpers import started_producer, unique_name

from rocketmq.aio import AsyncPushConsumer
from rocketmq.client import ConsumeStatus, Message, PullConsumer, PullStatus, PushConsumer
from rocketmq.exceptions import PullConsumerFetchMessageFailed, PushConsumerStartFailed
from rocketmq.testing.server import EmbeddedCluster

# name -> (tags, properties). m7's price is a decimal, which an integer literal cannot parse.
MESSAGES = {
    "m1": ("TagA", {"price": "10", "region": "eu"}),
    "m2": ("TagB", {"price": "120", "region": "us", "discount": "5"}),
    "m3": ("TagA", {"price": "75", "region": "asia"}),
    "m4": ("TagB", {"price": "200", "region": "eu", "discount": "10"}),
    "m5": ("TagA", {"price": "150"}),
    "m6": ("TagC", {"region": "us"}),
    "m7": ("TagB", {"price": "15.5", "region": "asia"}),
}

# expression -> the messages it selects, by Java's rules (missing property or unparsable value: not selected).
SELECTIONS = {
    "price > 100": {"m2", "m4", "m5"},
    "price > 10.5": {"m2", "m3", "m4", "m5", "m7"},
    "region = 'eu'": {"m1", "m4"},
    "region IN ('eu', 'us')": {"m1", "m2", "m4", "m6"},
    "price BETWEEN 50 AND 150": {"m2", "m3", "m5"},
    "discount IS NULL": {"m1", "m3", "m5", "m6", "m7"},
    "discount IS NOT NULL": {"m2", "m4"},
    "NOT (region = 'eu')": {"m2", "m3", "m6", "m7"},
    "region = 'asia' OR price < 20": {"m1", "m3", "m7"},
    "TAGS = 'TagB' AND price >= 100": {"m2", "m4"},
    "TAGS IN ('TagC') OR (price <> 10 AND region NOT IN ('asia'))": {"m2", "m4", "m6"},
}


@pytest.fixture(scope="module")
def filtering_cluster():
    cluster = EmbeddedCluster(enable_property_filter=True)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def filled_topic(filtering_cluster):
    """A topic holding MESSAGES (bodies are their names), spread over its queues."""
    topic = unique_name("SqlTopic")
    producer = started_producer(filtering_cluster.namesrv_addr)
    try:
        for name, (tags, properties) in MESSAGES.items():
            producer.send_sync(Message(topic, name, tags=tags, properties=properties))
    finally:
        producer.shutdown()
    return topic


def pull_consumer(namesrv):
    consumer = PullConsumer(unique_name("CID_sql_pull"))
    consumer.set_name_server_address(namesrv)
    consumer.start()
    return consumer


@pytest.mark.parametrize("expression", sorted(SELECTIONS))
def test_pull_returns_exactly_the_matching_messages(filtering_cluster, filled_topic, expression):
    consumer = pull_consumer(filtering_cluster.namesrv_addr)
    try:
        names = []
        for queue in consumer.fetch_queues(filled_topic):
            pulled = consumer.pull_all(queue, expression, expression_type="SQL92")
            names += [message.text for message in pulled]
    finally:
        consumer.shutdown()
    assert sorted(names) == sorted(SELECTIONS[expression])


def test_a_tag_pull_of_the_same_topic_still_filters_by_tag(filtering_cluster, filled_topic):
    consumer = pull_consumer(filtering_cluster.namesrv_addr)
    try:
        names = [message.text for queue in consumer.fetch_queues(filled_topic)
                 for message in consumer.pull_all(queue, "TagA || TagC")]
    finally:
        consumer.shutdown()
    assert sorted(names) == ["m1", "m3", "m5", "m6"]


class Received:
    def __init__(self):
        self.lock = threading.Lock()
        self.names = []

    def __call__(self, message):
        with self.lock:
            self.names.append(message.text)
        return ConsumeStatus.CONSUME_SUCCESS

    def snapshot(self):
        with self.lock:
            return sorted(self.names)


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_push_consumers_receive_exactly_the_matching_messages(filtering_cluster, filled_topic):
    expressions = ["price > 100", "region IN ('eu', 'us')", "NOT (region = 'eu')", "discount IS NULL",
                   "region = 'asia' OR price < 20", "TAGS = 'TagB' AND price >= 100"]
    consumers, received = [], {}
    try:
        for expression in expressions:
            received[expression] = Received()
            consumer = PushConsumer(unique_name("CID_sql_push"))
            consumer.set_name_server_address(filtering_cluster.namesrv_addr)
            consumer.set_thread_count(1)
            # The 2.0.0 positional signature, with the new keyword.
            consumer.subscribe(filled_topic, received[expression], expression, expression_type="SQL92")
            consumer.start()
            consumers.append(consumer)
        for expression in expressions:
            wanted = sorted(SELECTIONS[expression])
            assert wait_until(lambda: len(received[expression].snapshot()) >= len(wanted)), expression
        time.sleep(1.0)  # room for a message that should not have come
        for expression in expressions:
            assert received[expression].snapshot() == sorted(SELECTIONS[expression]), expression
    finally:
        for consumer in consumers:
            consumer.shutdown()


def test_long_polling_push_consumer_wakes_only_for_matching_messages(filtering_cluster):
    topic = unique_name("SqlLive")
    filtering_cluster.create_topic(topic)
    received = Received()
    consumer = PushConsumer(unique_name("CID_sql_live"))
    consumer.set_name_server_address(filtering_cluster.namesrv_addr)
    def on_batch(messages):
        for message in messages:
            received(message)
        return ConsumeStatus.CONSUME_SUCCESS

    consumer.subscribe_batch(topic, on_batch, "level >= 3", expression_type="SQL92")
    consumer.start()
    producer = started_producer(filtering_cluster.namesrv_addr)
    try:
        time.sleep(1.0)  # the consumer's pulls are now held by the broker
        for level in range(6):
            producer.send_sync(Message(topic, f"level {level}", properties={"level": str(level)}))
        assert wait_until(lambda: len(received.snapshot()) >= 3)
        time.sleep(0.5)
        assert received.snapshot() == ["level 3", "level 4", "level 5"]
    finally:
        producer.shutdown()
        consumer.shutdown()


def test_heartbeat_announces_the_sql92_subscription(filtering_cluster):
    topic, group = unique_name("SqlBeat"), unique_name("CID_sql_beat")
    filtering_cluster.create_topic(topic)
    consumer = PushConsumer(group)
    consumer.set_name_server_address(filtering_cluster.namesrv_addr)
    consumer.subscribe(topic, lambda message: ConsumeStatus.CONSUME_SUCCESS, "a > 1", expression_type="SQL92")
    consumer.start()
    try:
        clients = filtering_cluster.broker.clients
        assert wait_until(lambda: clients.consumer_group(group) is not None
                          and topic in clients.consumer_group(group).subscriptions)
        subscription = clients.consumer_group(group).subscriptions[topic]
        assert subscription["expressionType"] == "SQL92"
        assert subscription["subString"] == "a > 1"
        assert subscription["tagsSet"] == [] and subscription["codeSet"] == []
        assert subscription["subVersion"] > 0
    finally:
        consumer.shutdown()


def test_a_syntax_error_fails_start_with_the_brokers_reason(filtering_cluster):
    consumer = PushConsumer(unique_name("CID_sql_bad"))
    consumer.set_name_server_address(filtering_cluster.namesrv_addr)
    topic = unique_name("SqlBad")
    filtering_cluster.create_topic(topic)
    consumer.subscribe(topic, lambda message: 0, "price >", expression_type="SQL92")
    with pytest.raises(PushConsumerStartFailed) as caught:
        consumer.start()
    text = str(caught.value)
    assert "(code 23)" in text  # SUBSCRIPTION_PARSE_FAILED
    assert 'ParseException: Encountered "<EOF>"' in text
    consumer.shutdown()


def test_start_fails_when_the_broker_has_property_filtering_off(rocketmq_cluster):
    topic = unique_name("SqlOff")
    rocketmq_cluster.create_topic(topic)
    consumer = PushConsumer(unique_name("CID_sql_off"))
    consumer.set_name_server_address(rocketmq_cluster.namesrv_addr)
    consumer.subscribe(topic, lambda message: ConsumeStatus.CONSUME_SUCCESS, "a = 1", expression_type="SQL92")
    with pytest.raises(PushConsumerStartFailed,
                       match=r"\(code 1\): The broker does not support consumer to filter message by SQL92"):
        consumer.start()
    consumer.shutdown()


def test_pull_consumer_refused_expressions_raise_with_the_brokers_reason(filtering_cluster, rocketmq_cluster):
    for cluster, expression, reason in (
        (filtering_cluster, "a BETWEEN 5 AND 1", "must less than or equal to right value"),
        (rocketmq_cluster, "a = 1", "does not support consumer to filter message by SQL92"),
    ):
        topic = unique_name("SqlPullBad")
        cluster.create_topic(topic)
        consumer = pull_consumer(cluster.namesrv_addr)
        try:
            queue = consumer.fetch_queues(topic)[0]
            with pytest.raises(PullConsumerFetchMessageFailed, match=reason):
                consumer.pull(queue, expression, 0, expression_type="SQL92")
            # The tag path of the same consumer is unaffected.
            assert consumer.pull(queue, "*", 0).status == PullStatus.NO_NEW_MSG
        finally:
            consumer.shutdown()


@pytest.mark.parametrize("bad_type, error", [(5, TypeError), (b"SQL92", TypeError), (None, TypeError),
                                             ("sql92", ValueError), ("CLASS", ValueError)])
def test_bad_expression_types_are_refused(rocketmq_cluster, bad_type, error):
    consumer = PushConsumer(unique_name("CID_sql_args"))
    with pytest.raises(error, match="expression_type"):
        consumer.subscribe("T", lambda message: 0, "a = 1", expression_type=bad_type)
    with pytest.raises(error, match="expression_type"):
        consumer.subscribe_batch("T", lambda messages: 0, "a = 1", expression_type=bad_type)
    with pytest.raises(error, match="expression_type"):
        aio_consumer = AsyncPushConsumer(unique_name("CID_sql_aio"))
        aio_consumer.subscribe("T", expression="a = 1", expression_type=bad_type)
    puller = pull_consumer(rocketmq_cluster.namesrv_addr)
    try:
        queue = puller.fetch_queues("TBW102")[0]
        with pytest.raises(error, match="expression_type"):
            puller.pull(queue, "a = 1", 0, expression_type=bad_type)
    finally:
        puller.shutdown()


def test_an_empty_sql92_expression_is_refused():
    consumer = PushConsumer(unique_name("CID_sql_empty"))
    with pytest.raises(ValueError, match="SQL92 expression cannot be empty"):
        consumer.subscribe("T", lambda message: 0, "  ", expression_type="SQL92")
    with pytest.raises(TypeError, match="expression"):
        consumer.subscribe("T", lambda message: 0, 42, expression_type="SQL92")


def test_asyncio_consumer_gets_the_matching_messages_only(filtering_cluster, filled_topic):
    async def main():
        seen = []

        async def on_message(message):
            seen.append(message.text)

        namesrv = filtering_cluster.namesrv_addr
        consumer = AsyncPushConsumer(unique_name("CID_sql_aio"), name_server_address=namesrv)
        consumer.subscribe(filled_topic, on_message, "region = 'eu'", expression_type="SQL92")
        async with consumer:
            deadline = time.monotonic() + 30
            while len(seen) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # room for a message that should not have come
        return seen

    assert sorted(asyncio.run(main())) == ["m1", "m4"]
