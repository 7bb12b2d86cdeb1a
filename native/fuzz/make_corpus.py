#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses into fuzz/corpus/<name>/.

Seeds are small, valid examples of what each decoder reads from a peer, laid
out as the Java broker and name server write them. Run from anywhere; the
output is deterministic, so rerunning it leaves the tree unchanged. Files
whose names start with "regress-" are inputs that once broke a decoder
(tests/test_decoder_regressions.cpp checks the same cases).
"""

import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

MESSAGE_MAGIC = 0xDAA320A7  # MessageDecoder.MESSAGE_MAGIC_CODE
SYSFLAG_COMPRESSED = 0x1
SYSFLAG_BORN_HOST_V6 = 0x1 << 4
SYSFLAG_STORE_HOST_V6 = 0x1 << 5
COMPRESSION_ZLIB = 0x3 << 8


def write(name, filename, data):
    folder = os.path.join(CORPUS, name)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert len(data) < 4096, (name, filename, len(data))
    with open(os.path.join(folder, filename), "wb") as out:
        out.write(data)


# --- remoting frames -------------------------------------------------------


def json_header(code, opaque, flag=0, ext=None, remark=None, language="JAVA"):
    """A header in the key order fastjson writes (alphabetical)."""
    fields = {"code": code}
    if ext:
        fields["extFields"] = ext
    fields["flag"] = flag
    fields["language"] = language
    fields["opaque"] = opaque
    if remark is not None:
        fields["remark"] = remark
    fields["serializeTypeCurrentRPC"] = "JSON"
    fields["version"] = 409
    return json.dumps(fields, separators=(",", ":")).encode("utf-8")


LANGUAGES = [
    "JAVA",
    "CPP",
    "DOTNET",
    "PYTHON",
    "DELPHI",
    "ERLANG",
    "RUBY",
    "OTHER",
    "HTTP",
    "GO",
    "PHP",
    "OMS",
    "RUST",
]


def binary_header(code, opaque, flag=0, ext=None, remark=b"", language="JAVA"):
    """RocketMQSerializable.rocketMQProtocolEncode."""
    ext_bytes = b""
    for key, value in (ext or {}).items():
        k = key.encode("utf-8")
        v = value.encode("utf-8")
        ext_bytes += struct.pack(">H", len(k)) + k + struct.pack(">I", len(v)) + v
    out = struct.pack(">hBhii", code, LANGUAGES.index(language), 409, opaque, flag)
    out += struct.pack(">I", len(remark)) + remark
    out += struct.pack(">I", len(ext_bytes)) + ext_bytes
    return out


def frame(header, body=b"", serialize_type=0):
    """Length word, type/header-length word, header, body."""
    return (
        struct.pack(">I", 4 + len(header) + len(body))
        + struct.pack(">I", (serialize_type << 24) | len(header))
        + header
        + body
    )


def frames():
    send_ext = {
        "a": "ProducerGroup",
        "b": "TopicTest",
        "c": "TBW102",
        "d": "4",
        "e": "0",
        "f": "0",
        "g": "1700000000000",
        "h": "0",
        "i": "UNIQ_KEY\x01C0A8000100002A9F0000000000000001\x02WAIT\x01true",
        "j": "0",
        "k": "false",
        "m": "false",
    }
    write("frame", "send-request-json", frame(json_header(310, 7, ext=send_ext), b"Hello RocketMQ"))
    write(
        "frame",
        "send-response-json",
        frame(
            json_header(
                0,
                7,
                flag=1,
                ext={
                    "msgId": "7F00000100002A9F0000000000000000",
                    "queueId": "3",
                    "queueOffset": "12",
                    "MSG_REGION": "DefaultRegion",
                    "TRACE_ON": "true",
                },
            )
        ),
    )
    write(
        "frame",
        "error-response-remark",
        frame(json_header(17, 8, flag=1, remark="No topic route info in name server for the topic: T")),
    )
    write(
        "frame",
        "send-request-rocketmq",
        frame(binary_header(310, 9, ext={"a": "ProducerGroup", "b": "TopicTest"}), b"body", serialize_type=1),
    )
    write(
        "frame",
        "response-rocketmq-remark",
        frame(binary_header(1, 10, flag=1, remark=b"system busy", language="CPP"), serialize_type=1),
    )
    # Two frames back to back, then the start of a third, as one read() may return them.
    stream = frame(json_header(0, 11, flag=1)) + frame(json_header(34, 12, flag=2), b"{}")
    write("frame", "stream-two-and-a-half", stream + frame(json_header(0, 13, flag=1))[:9])
    write("frame", "empty-header", frame(b"", b"x"))


# --- headers ---------------------------------------------------------------


def headers():
    write("header", "request-json", json_header(105, 1, ext={"topic": "TopicTest"}, language="CPP"))
    write(
        "header",
        "response-json-remark",
        json_header(1, 2, flag=1, remark='CODE: 1  DESC: \u00e9\t"quoted"\\ \U0001f600'),
    )
    write(
        "header",
        "escapes-json",
        b'{"code":0,"extFields":{"k":"\\u0001\\u0002\\ud83d\\ude00\\n","n":12,"t":true},"flag":1,'
        b'"language":"JAVA","opaque":-5,"remark":null,"version":409}',
    )
    write("header", "numbers-json", b'{"code":1.5e3,"opaque":9223372036854775807,"flag":-0,"version":"409"}')
    write(
        "header",
        "object-key-json",
        b'{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:42},"list":[1,2.5,"x",[],{}]}',
    )
    write(
        "header",
        "request-rocketmq",
        binary_header(11, 3, ext={"consumerGroup": "G", "topic": "TopicTest", "queueId": "0"}),
    )
    write("header", "response-rocketmq", binary_header(0, 4, flag=1, remark=b"OK", language="GO"))


# --- stored messages -------------------------------------------------------


def properties(pairs):
    return "\x02".join(k + "\x01" + v for k, v in pairs).encode("utf-8")


def stored_message(
    topic,
    body,
    props,
    queue_id=0,
    queue_offset=0,
    commit_offset=0,
    sysflag=0,
    born_ip=b"\x7f\x00\x00\x01",
    store_ip=b"\x7f\x00\x00\x01",
    reconsume=0,
):
    """One record of the commit log, as MessageDecoder.decode reads it (V1 magic)."""
    topic_bytes = topic.encode("utf-8")
    rest = struct.pack(">i", zlib.crc32(body) & 0x7FFFFFFF)
    rest += struct.pack(">iiqqi", queue_id, 0, queue_offset, commit_offset, sysflag)
    rest += struct.pack(">q", 1700000000000) + born_ip + struct.pack(">i", 53000)
    rest += struct.pack(">q", 1700000000123) + store_ip + struct.pack(">i", 10911)
    rest += struct.pack(">iq", reconsume, 0)
    rest += struct.pack(">i", len(body)) + body
    rest += struct.pack(">B", len(topic_bytes)) + topic_bytes
    rest += struct.pack(">h", len(props)) + props
    total = 4 + 4 + len(rest)
    return struct.pack(">iI", total, MESSAGE_MAGIC) + rest


def messages():
    props = properties(
        [
            ("UNIQ_KEY", "7F00000100002A9F0000000000000001"),
            ("TAGS", "TagA"),
            ("KEYS", "k1 k2"),
            ("WAIT", "true"),
        ]
    )
    single = stored_message(
        "TopicTest", b"Hello RocketMQ", props, queue_id=1, queue_offset=5, commit_offset=1024
    )
    write("message", "single", single)
    batch = b"".join(
        stored_message(
            "TopicTest",
            ("message %d" % i).encode(),
            properties([("TAGS", "T%d" % i)]),
            queue_offset=i,
            commit_offset=200 * i,
        )
        for i in range(3)
    )
    write("message", "batch-of-three", batch)
    plain = b"compressible " * 60
    write(
        "message",
        "compressed-zlib",
        stored_message(
            "TopicTest", zlib.compress(plain, 5), props, sysflag=SYSFLAG_COMPRESSED | COMPRESSION_ZLIB
        ),
    )
    write(
        "message",
        "compressed-default-type",
        stored_message("TopicTest", zlib.compress(b"abcabcabc" * 20), b"", sysflag=SYSFLAG_COMPRESSED),
    )
    write(
        "message",
        "ipv6-hosts",
        stored_message(
            "%RETRY%Group",
            b"v6",
            properties([("RETRY_TOPIC", "TopicTest"), ("DELAY", "3")]),
            sysflag=SYSFLAG_BORN_HOST_V6 | SYSFLAG_STORE_HOST_V6,
            born_ip=bytes(15) + b"\x01",
            store_ip=b"\xfe\x80" + bytes(13) + b"\x02",
            reconsume=2,
        ),
    )
    write(
        "message",
        "transaction-prepared",
        stored_message(
            "TopicTest", b"half", properties([("TRAN_MSG", "true"), ("PGROUP", "Group")]), sysflag=0x1 << 2
        ),
    )
    write("message", "properties-only", properties([("a", "1"), ("", "skipped"), ("c", "3"), ("d", "")]))


# --- routes ----------------------------------------------------------------


def routes():
    # RouteInfoManager.pickupTopicRouteData through fastjson: brokerAddrs is a
    # HashMap<Long, String>, so its keys are written as bare numbers.
    write(
        "route",
        "one-broker",
        '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a",'
        '"cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},'
        '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,'
        '"writeQueueNums":4}]}',
    )
    write(
        "route",
        "master-slave-two-brokers",
        '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.2:10911",1:"127.0.0.3:10911"},"brokerName":"broker-b",'
        '"cluster":"c1"},{"brokerAddrs":{0:"127.0.0.1:10911",2:"127.0.0.4:10911"},"brokerName":"broker-a",'
        '"cluster":"c1"}],"filterServerTable":{"127.0.0.1:10911":["127.0.0.1:30000"]},'
        '"queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":8,"topicSynFlag":0,'
        '"writeQueueNums":8},{"brokerName":"broker-a","perm":4,"readQueueNums":8,"topicSynFlag":0,'
        '"writeQueueNums":0}]}',
    )
    write(
        "route",
        "order-topic",
        '{"orderTopicConf":"broker-a:4;broker-b:4","brokerDatas":[{"brokerAddrs":{0:"[::1]:10911"},'
        '"brokerName":"broker-a","cluster":"c"}],"queueDatas":[{"brokerName":"broker-a","perm":6,'
        '"readQueueNums":"4","writeQueueNums":"4"}]}',
    )
    write("route", "empty", '{"brokerDatas":[],"queueDatas":[]}')


# --- inputs that once broke a decoder -------------------------------------


def regressions():
    # Object keys nested without the parser's depth limit: unbounded
    # recursion (stack overflow on large frames; the fuzz runs use a 1 MiB
    # stack so that this size already shows it).
    deep_keys = b"{" * 3000
    write("header", "regress-deep-object-keys", deep_keys)
    write("frame", "regress-deep-object-keys", frame(deep_keys, b"body"))
    write("route", "regress-deep-object-keys", b'{"brokerDatas":[' + deep_keys)
    # Object keys within object keys: each level escaped the text below it
    # once more, doubling it; 30 levels asked for gigabytes.
    nested_keys = b'{"x":1}'
    for _ in range(30):
        nested_keys = b"{" + nested_keys + b":1}"
    write("header", "regress-object-keys-within-keys", nested_keys)
    write(
        "frame",
        "regress-object-keys-within-keys",
        frame(b'{"code":0,"extFields":' + nested_keys + b',"flag":1,"opaque":1}'),
    )
    # Property separators only: the name/value search ran to the end of the
    # text for every pair (quadratic time).
    write("message", "regress-separators", b"\x02" * 3000 + b"k\x01v")
    # Numbers beyond int64_t read as integers: the double-to-integer cast was undefined.
    write("header", "regress-huge-numbers", b'{"code":1.5e3,"opaque":9.2e20,"flag":-1e300,"version":1e999}')
    # A long run of digits overflowed the fast header reader's accumulator.
    write("header", "regress-long-digits", b'{"code":922337203685477184467440737095516155,"opaque":1}')
    write(
        "route",
        "regress-huge-numbers",
        '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"b","cluster":"c"}],'
        '"queueDatas":[{"brokerName":"b","perm":1e300,"readQueueNums":-9.3e18,"topicSysFlag":1e19,'
        '"writeQueueNums":4.0}]}',
    )


if __name__ == "__main__":
    regressions()
    frames()
    headers()
    messages()
    routes()
