"""The embedded cluster over TCP: routes, registration, slaves, replication and broker faults."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib

import pytest
from broker_requests import heartbeat, send_v2
from test_consumer import pull

from rocketmq.testing import EmbeddedCluster, RemotingClient
from rocketmq.testing.codes import RequestCode, ResponseCode
from rocketmq.testing.headers import lenient_json
from rocketmq.testing.message_codec import decode_stored_list

pytest_plugins = ["rocketmq.testing.pytest_plugin"]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Small intervals so that registrations, expiry and slave syncs happen within a test.
# Expiry is kept well above the registration period so that a busy machine does not expire live brokers.
FAST = dict(register_interval=0.3, broker_expiry=1.2, broker_scan_interval=0.1, slave_sync_interval=0.1)


def route(cluster, topic):
    """The name server's TopicRouteData for a topic, as {broker name: {id: addr}} and queue datas."""
    with RemotingClient(cluster.namesrv_addr) as ns:
        resp = ns.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {"topic": topic})
    if resp.code != ResponseCode.SUCCESS:
        return resp.code, {}, {}
    data = lenient_json(resp.body)
    brokers = {bd["brokerName"]: {int(k): v for k, v in bd["brokerAddrs"].items()}
               for bd in data["brokerDatas"]}
    queues = {qd["brokerName"]: qd for qd in data["queueDatas"]}
    return resp.code, brokers, queues


def wait_until(predicate, timeout=5.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def stored_identity(messages):
    return [(m.msg_id, m.topic, m.queue_id, m.queue_offset, m.commit_log_offset, m.store_timestamp, m.body)
            for m in messages]


def test_routes_and_cluster_info_list_masters_and_slaves(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=2, slaves=1, **FAST)
    a0, a1 = cluster.broker_node("broker-a", 0), cluster.broker_node("broker-a", 1)
    b0, b1 = cluster.broker_node("broker-b", 0), cluster.broker_node("broker-b", 1)
    assert [n.name for n in cluster.masters] == ["broker-a", "broker-b"]
    assert cluster.slaves_of("broker-a") == [a1] and a1.broker_id == 1 and not a1.is_master
    assert len({n.addr for n in cluster.brokers}) == 4

    code, brokers, queues = route(cluster, "ClusterRouted")
    assert code == ResponseCode.SUCCESS
    assert brokers == {"broker-a": {0: a0.addr, 1: a1.addr}, "broker-b": {0: b0.addr, 1: b1.addr}}
    assert set(queues) == {"broker-a", "broker-b"}
    assert queues["broker-a"]["writeQueueNums"] == 4 and queues["broker-a"]["perm"] == 6

    with RemotingClient(cluster.namesrv_addr) as ns:
        resp = ns.request(RequestCode.GET_BROKER_CLUSTER_INFO)
    assert resp.code == ResponseCode.SUCCESS
    # As the Java name server writes it: brokerId keys bare.
    assert '"brokerAddrs":{0:"%s",1:"%s"}' % (a0.addr, a1.addr) in resp.body.decode()
    info = lenient_json(resp.body)
    assert info["clusterAddrTable"] == {"DefaultCluster": ["broker-a", "broker-b"]}
    assert info["brokerAddrTable"]["broker-b"]["brokerAddrs"] == {"0": b0.addr, "1": b1.addr}
    # Every broker registered over its own connection.
    assert cluster.namesrv_server.request_counts[RequestCode.REGISTER_BROKER] >= 4


def java_register_body(topics, counter=1, timestamp=1700000000000):
    """RegisterBrokerBody as a 4.9.8 broker writes it with fastjson (uncompressed)."""
    table = {t: {"order": False, "perm": 6, "readQueueNums": 2, "topicFilterType": "SINGLE_TAG",
                 "topicName": t, "topicSysFlag": 0, "writeQueueNums": 2} for t in topics}
    return json.dumps({"filterServerList": [], "topicConfigSerializeWrapper": {
        "dataVersion": {"counter": counter, "timestamp": timestamp}, "topicConfigTable": table}}).encode()


def java_compressed_body(topics, counter=1, timestamp=1700000000000):
    """RegisterBrokerBody.encode(true): deflated, length-prefixed dataVersion, topic lines, filter list."""
    def piece(data):
        return len(data).to_bytes(4, "big") + data
    raw = piece(json.dumps({"counter": counter, "timestamp": timestamp}).encode())
    raw += len(topics).to_bytes(4, "big")
    for t in topics:
        raw += piece(("%s 8 8 6 SINGLE_TAG" % t).encode())
    raw += piece(b"[]")
    return zlib.compress(raw)


def register_header(name, addr, broker_id, body, compressed=False):
    return {"brokerName": name, "brokerAddr": addr, "clusterName": "OtherCluster",
            "haServerAddr": "10.0.0.9:10912", "brokerId": broker_id, "compressed": str(compressed).lower(),
            "bodyCrc32": zlib.crc32(body) & 0x7FFFFFFF}


def test_a_java_broker_can_register_and_its_connection_close_removes_it(cluster):
    cluster.config.auto_create_topics = False  # only registrations make routes here
    body = java_register_body(["JavaTopic"])
    with RemotingClient(cluster.namesrv_addr, language="JAVA") as java_master:
        resp = java_master.request(RequestCode.REGISTER_BROKER,
                                   register_header("broker-java", "10.0.0.9:10911", 0, body), body)
        assert resp.code == ResponseCode.SUCCESS
        code, brokers, queues = route(cluster, "JavaTopic")
        assert brokers == {"broker-java": {0: "10.0.0.9:10911"}}
        assert queues["broker-java"]["readQueueNums"] == 2
        zipped = java_compressed_body(["ZippedTopic"])
        with RemotingClient(cluster.namesrv_addr, language="JAVA") as java_slave:
            resp = java_slave.request(RequestCode.REGISTER_BROKER,
                                      register_header("broker-java", "10.0.0.9:20911", 1, zipped, True),
                                      zipped)
            assert resp.code == ResponseCode.SUCCESS
            # RegisterBrokerResponseHeader tells the slave where its master is.
            assert resp.ext_fields == {"masterAddr": "10.0.0.9:10911", "haServerAddr": "10.0.0.9:10912"}
            # A slave's topics do not reach the route table.
            assert route(cluster, "ZippedTopic")[0] == ResponseCode.TOPIC_NOT_EXIST
            bad = register_header("broker-java", "10.0.0.9:10911", 0, body)
            bad["bodyCrc32"] = 12345
            resp = java_master.request(RequestCode.REGISTER_BROKER, bad, body)
            assert (resp.code, resp.remark) == (ResponseCode.SYSTEM_ERROR, "crc32 not match")
        # onChannelDestroy: the slave's connection closed, only the master is left.
        assert wait_until(lambda: route(cluster, "JavaTopic")[1] == {"broker-java": {0: "10.0.0.9:10911"}})
    # The master's connection closed too: no address left, so no route either.
    assert wait_until(lambda: route(cluster, "JavaTopic")[0] == ResponseCode.TOPIC_NOT_EXIST)


def test_compressed_registration_of_a_master_fills_queue_datas(cluster):
    zipped = java_compressed_body(["ZippedMasterTopic"])
    with RemotingClient(cluster.namesrv_addr, language="JAVA") as java_master:
        resp = java_master.request(RequestCode.REGISTER_BROKER,
                                   register_header("broker-zip", "10.0.0.8:10911", 0, zipped, True), zipped)
        assert resp.code == ResponseCode.SUCCESS
        _, brokers, queues = route(cluster, "ZippedMasterTopic")
        assert brokers == {"broker-zip": {0: "10.0.0.8:10911"}}
        assert (queues["broker-zip"]["readQueueNums"], queues["broker-zip"]["writeQueueNums"]) == (8, 8)


def test_killed_master_leaves_its_slave_alone_and_keeps_queue_datas(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=2, slaves=1, **FAST)
    cluster.create_topic("KillRoute")
    a0, a1 = cluster.broker_node("broker-a", 0), cluster.broker_node("broker-a", 1)
    with RemotingClient(a0.addr) as client:
        held = {}

        def long_poll():
            try:
                held["resp"] = pull(client, "KillRoute", 0, 0, suspend_ms=5000, timeout=1.5)
            except TimeoutError as exc:
                held["error"] = exc

        poller = threading.Thread(target=long_poll)
        poller.start()
        time.sleep(0.2)
        started = time.monotonic()
        a0.kill()
        # The name server saw the registering connection drop: well within a second.
        assert wait_until(lambda: route(cluster, "KillRoute")[1].get("broker-a") == {1: a1.addr}, timeout=1.0)
        assert time.monotonic() - started < 1.0
        _, brokers, queues = route(cluster, "KillRoute")
        assert set(queues) == {"broker-a", "broker-b"}
        assert not a0.is_alive
        # The client's connection was cut and the held pull never answered.
        assert wait_until(lambda: client.closed, timeout=2)
        poller.join(5)
        assert "resp" not in held
    with pytest.raises(OSError):
        RemotingClient(a0.addr)
    # The slave gone too: broker-a and its queue data leave the route.
    a1.kill()
    assert wait_until(lambda: "broker-a" not in route(cluster, "KillRoute")[2], timeout=1.0)
    assert set(route(cluster, "KillRoute")[1]) == {"broker-b"}


def test_hung_master_expires_and_comes_back_when_resumed(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, **FAST)
    cluster.create_topic("HangRoute")
    master, slave = cluster.broker_node("broker-a", 0), cluster.broker_node("broker-a", 1)
    master.hang()
    assert master.is_hung and master.is_alive
    started = time.monotonic()
    assert wait_until(lambda: route(cluster, "HangRoute")[1] == {"broker-a": {1: slave.addr}}, timeout=3)
    # Not before broker_expiry (1.2 s) of silence, which began at the last registration (<= 0.3 s ago).
    assert time.monotonic() - started >= 0.8
    assert "broker-a" in route(cluster, "HangRoute")[2]
    master.resume()
    assert wait_until(lambda: route(cluster, "HangRoute")[1] == {"broker-a": {0: master.addr, 1: slave.addr}},
                      timeout=2)


def test_hung_broker_answers_everything_sent_meanwhile_on_resume(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, **FAST)
    cluster.create_topic("HangSend")
    node = cluster.brokers[0]
    with RemotingClient(node.addr) as client:
        node.hang()
        with pytest.raises(TimeoutError):
            client.request(RequestCode.SEND_MESSAGE_V2, send_fields("HangSend"), b"given up on", timeout=0.5)
        # New connections are still accepted, but not answered.
        late = RemotingClient(node.addr)
        answer = {}
        waiter = threading.Thread(target=lambda: answer.setdefault(
            "resp", late.request(RequestCode.GET_MAX_OFFSET, {"topic": "HangSend", "queueId": 0}, timeout=5)))
        waiter.start()
        time.sleep(0.3)
        assert "resp" not in answer and cluster.messages("HangSend") == []
        node.resume()
        waiter.join(5)
        late.close()
        assert answer["resp"].code == ResponseCode.SUCCESS
        # The send the client gave up on is stored after all, as a resumed broker would.
        assert [m.body for m in cluster.wait_for_messages("HangSend", 1)] == [b"given up on"]
        assert send_v2(client, "HangSend", b"after").code == ResponseCode.SUCCESS


def send_fields(topic, queue_id=0):
    return {"a": "pg", "b": topic, "c": "TBW102", "d": 4, "e": queue_id, "f": 0, "g": int(time.time() * 1000),
            "h": 0, "i": "", "j": 0, "k": "false", "m": "false"}


def test_replication_copies_ids_and_offsets_and_catches_up(rocketmq_cluster_factory, tmp_path):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, store_dir=str(tmp_path), **FAST)
    cluster.create_topic("Replicated")
    master, slave = cluster.broker_node("broker-a", 0), cluster.broker_node("broker-a", 1)
    assert os.path.isdir(tmp_path / "broker-a-0") and os.path.isdir(tmp_path / "broker-a-1")
    with RemotingClient(master.addr) as client:
        ids = [send_v2(client, "Replicated", b"m%d" % i, {"TAGS": "t"}).ext_fields["msgId"] for i in range(5)]
    assert wait_until(lambda: len(slave.messages("Replicated")) == 5)
    assert stored_identity(slave.messages("Replicated")) == stored_identity(master.messages("Replicated"))
    assert sorted(m.msg_id for m in slave.messages("Replicated")) == sorted(ids)
    # Only masters count in the cluster-wide view.
    assert len(cluster.messages("Replicated")) == 5

    # A hung slave copies nothing; resumed, it catches up.
    slave.hang()
    with RemotingClient(master.addr) as client:
        for i in range(3):
            send_v2(client, "Replicated", b"while slave hung %d" % i)
    time.sleep(0.2)
    assert len(slave.messages("Replicated")) == 5
    slave.resume()
    assert wait_until(lambda: len(slave.messages("Replicated")) == 8)

    # A hung master copies nothing either: a send queued at it arrives with the resume.
    master.hang()
    with RemotingClient(master.addr) as client:
        with pytest.raises(TimeoutError):
            client.request(RequestCode.SEND_MESSAGE_V2, send_fields("Replicated"), b"queued", timeout=0.3)
        time.sleep(0.1)
        assert len(slave.messages("Replicated")) == 8
        master.resume()
        assert wait_until(lambda: len(slave.messages("Replicated")) == 9)

    # Killed, the master replicates nothing; restarted from its directory, the slave goes on from there.
    master.kill()
    master.restart()
    with RemotingClient(master.addr) as client:
        send_v2(client, "Replicated", b"after restart")
    assert wait_until(lambda: len(slave.messages("Replicated")) == 10)
    assert stored_identity(slave.messages("Replicated")) == stored_identity(master.messages("Replicated"))


def test_replication_pauses_while_the_slave_is_killed(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, **FAST)
    cluster.create_topic("SlaveDown")
    master, slave = cluster.broker_node("broker-a", 0), cluster.broker_node("broker-a", 1)
    slave.kill()
    with RemotingClient(master.addr) as client:
        for i in range(4):
            send_v2(client, "SlaveDown", b"%d" % i)
    time.sleep(0.2)
    assert slave.messages("SlaveDown") == []
    slave.restart()
    assert wait_until(lambda: len(slave.messages("SlaveDown")) == 4)
    assert stored_identity(slave.messages("SlaveDown")) == stored_identity(master.messages("SlaveDown"))


def test_slave_refuses_sends_as_a_java_slave_store_does(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, **FAST)
    cluster.create_topic("NoSlaveWrites")
    slave = cluster.slaves_of("broker-a")[0]
    with RemotingClient(slave.addr) as client:
        resp = send_v2(client, "NoSlaveWrites", b"refused")
        assert resp.code == ResponseCode.SERVICE_NOT_AVAILABLE
        disk = r"CL: [ -]\d\.\d\d CQ: [ -]\d\.\d\d INDEX: [ -]\d\.\d\d"
        assert re.fullmatch(r"service not available now\. It may be caused by one of the following reasons: "
                            r"the broker's disk is full \[" + disk + r"\], messages are put to the slave, "
                            r"message store has been shut down, etc\.", resp.remark), resp.remark
        end = client.request(RequestCode.END_TRANSACTION, {"commitOrRollback": 8, "commitLogOffset": 0})
        assert end.code == ResponseCode.SLAVE_NOT_AVAILABLE
    assert slave.messages("NoSlaveWrites") == [] and cluster.messages("NoSlaveWrites") == []


def test_slave_serves_pulls_consumers_and_offsets_but_ignores_the_commit_flag(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, **FAST)
    cluster.create_topic("SlaveReads")
    master, slave = cluster.broker_node("broker-a", 0), cluster.broker_node("broker-a", 1)
    with RemotingClient(master.addr) as client:
        for i in range(3):
            send_v2(client, "SlaveReads", b"r%d" % i, queue_id=2)
        client.request(RequestCode.UPDATE_CONSUMER_OFFSET,
                       {"consumerGroup": "sg", "topic": "SlaveReads", "queueId": 2, "commitOffset": 1})
    # The slave learns the topic (and the master's offsets) from its sync.
    assert wait_until(lambda: slave.consumer_offset("sg", "SlaveReads", 2) == 1)
    assert wait_until(lambda: len(slave.messages("SlaveReads")) == 3)
    with RemotingClient(slave.addr) as consumer, RemotingClient(slave.addr) as other:
        resp = pull(consumer, "SlaveReads", 2, 0, group="sg", commit=2)
        assert resp.code == ResponseCode.SUCCESS
        assert [m.body for m in decode_stored_list(resp.body)] == [b"r0", b"r1", b"r2"]
        assert resp.ext_fields["suggestWhichBrokerId"] == "0"
        # The commit flag is ignored on a slave: its offset (copied from the master) stays.
        assert slave.consumer_offset("sg", "SlaveReads", 2) == 1
        assert master.consumer_offset("sg", "SlaveReads", 2) == 1
        # UPDATE_CONSUMER_OFFSET goes into the slave's own table.
        resp = consumer.request(RequestCode.UPDATE_CONSUMER_OFFSET,
                                {"consumerGroup": "own", "topic": "SlaveReads", "queueId": 2,
                                 "commitOffset": 3})
        assert resp.code == ResponseCode.SUCCESS
        resp = consumer.request(RequestCode.QUERY_CONSUMER_OFFSET,
                                {"consumerGroup": "own", "topic": "SlaveReads", "queueId": 2})
        assert (resp.code, resp.ext_fields["offset"]) == (ResponseCode.SUCCESS, "3")
        assert master.consumer_offset("own", "SlaveReads", 2) is None
        # Consumers register with a slave as with a master and are told of each other.
        assert heartbeat(consumer, "c1", consumer_group="sg", topic="SlaveReads").code == ResponseCode.SUCCESS
        assert heartbeat(other, "c2", consumer_group="sg", topic="SlaveReads").code == ResponseCode.SUCCESS
        notice = consumer.server_requests.get(timeout=5)
        assert notice.code == RequestCode.NOTIFY_CONSUMER_IDS_CHANGED
        assert notice.ext_fields == {"consumerGroup": "sg"}
        resp = consumer.request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {"consumerGroup": "sg"})
        assert sorted(json.loads(resp.body)["consumerIdList"]) == ["c1", "c2"]
        assert sorted(slave.consumer_ids("sg")) == ["c1", "c2"] and cluster.consumer_ids("sg") == []
        # The master's table is put over the slave's: a group only the slave has stays.
        time.sleep(0.3)
        assert slave.consumer_offset("own", "SlaveReads", 2) == 3


def test_slave_sync_copies_topic_configs_and_delay_progress(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, delay_scale=0.001, **FAST)
    master, slave = cluster.broker_node("broker-a", 0), cluster.broker_node("broker-a", 1)
    cluster.create_topic("SyncedTopic", 3)
    assert wait_until(lambda: "SyncedTopic" in slave.store.topics)
    assert slave.store.topics["SyncedTopic"].write_queues == 3
    assert slave.store.topic_data_version == master.store.topic_data_version
    with RemotingClient(master.addr) as client:
        send_v2(client, "SyncedTopic", b"later", {"DELAY": "2"}, queue_id=0)
    assert wait_until(lambda: len(master.messages("SyncedTopic")) == 1)
    assert wait_until(lambda: slave.store.service_state.get("schedule_progress", {}).get("2") == 1)
    assert wait_until(lambda: [m.body for m in slave.messages("SyncedTopic")] == [b"later"])


def test_suggest_which_broker_id_follows_slave_read_enable_and_pressure(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, **FAST)
    cluster.create_topic("Suggest")
    master = cluster.broker_node("broker-a", 0)
    with RemotingClient(master.addr) as client:
        send_v2(client, "Suggest", b"s", queue_id=0)

        def suggestion():
            resp = pull(client, "Suggest", 0, 0)
            assert resp.code == ResponseCode.SUCCESS
            return resp.ext_fields["suggestWhichBrokerId"]

        assert suggestion() == "0"
        master.suggest_pulling_from_slave = True
        # Without slaveReadEnable, PullMessageProcessor always names the master.
        assert suggestion() == "0"
        master.slave_read_enable = True
        assert suggestion() == "1"  # whichBrokerWhenConsumeSlowly
        master.suggest_pulling_from_slave = False
        assert suggestion() == "0"
        # No message read (offset at the end): nothing is far behind.
        master.suggest_pulling_from_slave = True
        assert pull(client, "Suggest", 0, 1).ext_fields["suggestWhichBrokerId"] == "0"


def test_slave_offset_out_of_range_is_not_corrected(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, **FAST)
    cluster.create_topic("SlaveMoved")
    slave = cluster.slaves_of("broker-a")[0]
    assert wait_until(lambda: "SlaveMoved" in slave.store.topics)
    with RemotingClient(slave.addr) as client:
        resp = pull(client, "SlaveMoved", 0, 7)
    # offsetCheckInSlave is off: a slave answers "retry" and points at the master instead.
    assert (resp.code, resp.ext_fields["suggestWhichBrokerId"]) == (ResponseCode.PULL_RETRY_IMMEDIATELY, "0")


def test_restart_keeps_messages_port_and_registers_again(rocketmq_cluster_factory, tmp_path):
    cluster = rocketmq_cluster_factory(masters=2, store_dir=str(tmp_path), **FAST)
    cluster.create_topic("Restarted")
    b0 = cluster.broker_node("broker-b")
    with RemotingClient(b0.addr) as client:
        for i in range(3):
            send_v2(client, "Restarted", b"%d" % i, queue_id=1)
        client.request(RequestCode.UPDATE_CONSUMER_OFFSET,
                       {"consumerGroup": "rg", "topic": "Restarted", "queueId": 1, "commitOffset": 2})
        assert heartbeat(client, "c1", consumer_group="rg", topic="Restarted").code == ResponseCode.SUCCESS
    addr = b0.addr
    before = stored_identity(b0.messages("Restarted"))
    b0.kill()
    assert wait_until(lambda: "broker-b" not in route(cluster, "Restarted")[1])
    b0.restart()
    assert b0.is_alive and b0.addr == addr
    assert route(cluster, "Restarted")[1]["broker-b"] == {0: addr}
    assert stored_identity(b0.messages("Restarted")) == before
    assert b0.consumer_offset("rg", "Restarted", 1) == 2
    assert b0.consumer_ids("rg") == []  # a new process knows no clients yet
    with RemotingClient(b0.addr) as client:
        assert send_v2(client, "Restarted", b"3", queue_id=1).ext_fields["queueOffset"] == "3"


def test_add_master_joins_the_running_cluster(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, **FAST)
    cluster.create_topic("BeforeB")
    b0 = cluster.add_master()
    assert (b0.name, b0.broker_id, b0.is_alive) == ("broker-b", 0, True)
    assert [n.name for n in cluster.masters] == ["broker-a", "broker-b"]
    assert set(route(cluster, "AutoAfterB")[1]) == {"broker-a", "broker-b"}
    cluster.create_topic("CreatedAfterB")
    assert set(route(cluster, "CreatedAfterB")[2]) == {"broker-a", "broker-b"}
    with RemotingClient(b0.addr) as client:
        assert send_v2(client, "CreatedAfterB", b"on b").code == ResponseCode.SUCCESS
    assert [m.body for m in cluster.messages("CreatedAfterB")] == [b"on b"]


def test_clean_stop_unregisters(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=2, **FAST)
    cluster.create_topic("Unregistered")
    before = cluster.namesrv_server.request_counts[RequestCode.UNREGISTER_BROKER]
    cluster.broker_node("broker-b").stop()
    assert cluster.namesrv_server.request_counts[RequestCode.UNREGISTER_BROKER] == before + 1
    _, brokers, queues = route(cluster, "Unregistered")
    assert set(brokers) == set(queues) == {"broker-a"}


def test_unregister_broker_request_removes_only_that_address(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=1, slaves=1, **FAST)
    cluster.create_topic("Unreg")
    master = cluster.broker_node("broker-a", 0)
    with RemotingClient(cluster.namesrv_addr) as ns:
        resp = ns.request(RequestCode.UNREGISTER_BROKER, {"brokerName": "broker-a", "brokerAddr": master.addr,
                                                          "clusterName": "DefaultCluster", "brokerId": 0})
        assert resp.code == ResponseCode.SUCCESS
        resp = ns.request(RequestCode.UNREGISTER_BROKER, {"brokerName": "broker-a"})
        assert resp.code == ResponseCode.SYSTEM_ERROR
    _, brokers, queues = route(cluster, "Unreg")
    assert brokers == {"broker-a": {1: cluster.slaves_of("broker-a")[0].addr}} and "broker-a" in queues


def test_default_cluster_keeps_the_single_broker_layout(tmp_path):
    with EmbeddedCluster(store_dir=str(tmp_path)) as cluster:
        assert [(n.name, n.broker_id) for n in cluster.brokers] == [("broker-a", 0)]
        assert cluster.broker is cluster.brokers[0].broker and cluster.broker_addr == cluster.brokers[0].addr
        with RemotingClient(cluster.broker_addr) as client:
            send_v2(client, "Layout", b"x")
    assert os.path.exists(tmp_path / "commitlog.bin") and not os.path.exists(tmp_path / "broker-a-0")


def test_cli_runs_masters_and_slaves(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "rocketmq.testing", "--port", "0", "--broker-port", "0", "--masters", "2",
         "--slaves", "1", "--store", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"rocketmq\.testing ready: namesrv (\S+) broker (\S+) brokers (\S+)\n", line)
        assert match, line
        brokers = dict(item.split("=") for item in match.group(3).split(","))
        assert list(brokers) == ["broker-a/0", "broker-a/1", "broker-b/0", "broker-b/1"]
        assert brokers["broker-a/0"] == match.group(2)
        with RemotingClient(brokers["broker-b/1"]) as slave:
            assert send_v2(slave, "CliCluster", b"x").code == ResponseCode.SERVICE_NOT_AVAILABLE
        with RemotingClient(match.group(1)) as ns:
            info = lenient_json(ns.request(RequestCode.GET_BROKER_CLUSTER_INFO).body)
        assert set(info["brokerAddrTable"]) == {"broker-a", "broker-b"}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert sorted(os.listdir(tmp_path)) == ["broker-a-0", "broker-a-1", "broker-b-0", "broker-b-1"]


def test_factory_fixture_stops_what_it_started(rocketmq_cluster_factory):
    first = rocketmq_cluster_factory(masters=1)
    second = rocketmq_cluster_factory(masters=2, register_interval=1.0)
    assert first.namesrv_addr != second.namesrv_addr and len(second.masters) == 2
    assert second.register_interval == 1.0
