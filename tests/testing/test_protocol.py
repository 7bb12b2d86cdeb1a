import re
import socket
import struct

from rocketmq.testing import RemotingClient
from rocketmq.testing.codes import RequestCode, ResponseCode
from rocketmq.testing.remoting import SERIALIZE_ROCKETMQ, RemotingCommand, decode_frame_payload, encode_frame


def test_codec_round_trip_both_serialize_types():
    for kind in (0, SERIALIZE_ROCKETMQ):
        cmd = RemotingCommand(10, {"a": "x", "ü": "ÿ"}, b"body", opaque=7, flag=2, remark="r",
                              serialize_type=kind)
        frame = encode_frame(cmd)
        back = decode_frame_payload(frame[4:])
        assert (back.code, back.ext_fields, back.body, back.opaque, back.flag, back.remark) == (
            10, {"a": "x", "ü": "ÿ"}, b"body", 7, 2, "r")
        assert back.serialize_type == kind


def test_route_json_has_unquoted_integer_keys(cluster):
    with RemotingClient(cluster.namesrv_addr) as ns:
        resp = ns.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {"topic": "RouteTopic"})
    assert resp.code == ResponseCode.SUCCESS
    text = resp.body.decode()
    assert '"brokerAddrs":{0:"%s"}' % cluster.broker_addr in text
    assert re.search(r'"readQueueNums":4', text) and '"perm":6' in text


def test_route_for_system_topic_and_without_auto_create(cluster):
    with RemotingClient(cluster.namesrv_addr) as ns:
        resp = ns.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {"topic": "SCHEDULE_TOPIC_XXXX"})
        assert resp.code == ResponseCode.TOPIC_NOT_EXIST
        cluster.config.auto_create_topics = False
        resp = ns.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {"topic": "Unknown"})
        assert resp.code == ResponseCode.TOPIC_NOT_EXIST


def test_binary_serialize_type_is_answered_in_kind(cluster):
    with RemotingClient(cluster.namesrv_addr, serialize_type=SERIALIZE_ROCKETMQ) as ns:
        resp = ns.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {"topic": "BinTopic"})
    assert resp.code == ResponseCode.SUCCESS
    assert resp.serialize_type == SERIALIZE_ROCKETMQ


def test_garbage_closes_only_that_connection(cluster):
    host, port = cluster.broker_addr.split(":")
    for junk in (b"\xff" * 64, struct.pack(">i", 100) + b"\x00\x00\x00\x05{bad}" + b"x" * 91,
                 struct.pack(">i", 64 * 1024 * 1024)):
        raw = socket.create_connection((host, int(port)))
        raw.sendall(junk)
        raw.settimeout(5)
        assert raw.recv(10) == b""  # the server hung up on us
        raw.close()
    with RemotingClient(cluster.broker_addr) as ok:
        resp = ok.request(RequestCode.GET_MAX_OFFSET, {"topic": "T", "queueId": 0})
        assert resp.code == ResponseCode.SUCCESS


def test_unknown_code_and_fault_hooks(cluster, broker):
    assert broker.request(9999).code == ResponseCode.REQUEST_CODE_NOT_SUPPORTED
    cluster.faults.respond_with_error(RequestCode.GET_MAX_OFFSET, ResponseCode.SYSTEM_BUSY, "busy")
    resp = broker.request(RequestCode.GET_MAX_OFFSET, {"topic": "T", "queueId": 0})
    assert (resp.code, resp.remark) == (ResponseCode.SYSTEM_BUSY, "busy")
    cluster.faults.clear()
    cluster.faults.close_connection_on(RequestCode.GET_MIN_OFFSET)
    try:
        broker.request(RequestCode.GET_MIN_OFFSET, {"topic": "T", "queueId": 0}, timeout=1)
    except TimeoutError:
        pass
    assert cluster.request_counts()[RequestCode.GET_MAX_OFFSET] == 1


def test_delay_fault_and_dropped_connections(cluster, broker):
    import time

    cluster.faults.delay(RequestCode.GET_MAX_OFFSET, 0.3)
    started = time.monotonic()
    assert broker.request(RequestCode.GET_MAX_OFFSET, {"topic": "T", "queueId": 0}).code == 0
    assert time.monotonic() - started >= 0.3
    cluster.drop_client_connections()
    deadline = time.monotonic() + 5
    while not broker.closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert broker.closed
