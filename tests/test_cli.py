"""The ``rocketmq`` command line, run as a subprocess against embedded clusters over TCP:
each command's text and --json output, stdin messages, exit statuses, and the one-line
errors for an unreachable name server, an unknown topic and rejected credentials."""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Dict, List, Optional

import pytest
from _helpers import free_port, started_producer, unique_name

from rocketmq.client import Message
from rocketmq.testing.server import EmbeddedCluster

ACL = {
    "globalWhiteRemoteAddresses": [],
    "accounts": [
        {"accessKey": "RocketMQ", "secretKey": "12345678", "defaultTopicPerm": "PUB|SUB",
         "defaultGroupPerm": "SUB"},
    ],
}
GOOD_KEYS = ["--access-key", "RocketMQ", "--secret-key", "12345678"]
WRONG_SECRET = ["--access-key", "RocketMQ", "--secret-key", "not-the-secret"]
COMMANDS = ("send", "consume", "route", "cluster", "offsets", "message", "query", "doctor", "install-lib")


def cli_env(tmp_path: Path) -> Dict[str, str]:
    env = dict(os.environ, ROCKETMQ_CLIENT_LOG_DIR=str(tmp_path / "logs"))
    for name in ("ROCKETMQ_NAMESRV", "ROCKETMQ_ACCESS_KEY", "ROCKETMQ_SECRET_KEY"):
        env.pop(name, None)
    return env


def rocketmq(tmp_path: Path, *args: str, stdin: Optional[str] = None, timeout: float = 60,
             env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """``python -m rocketmq ARGS`` from outside the checkout, so the installed package runs."""
    return subprocess.run([sys.executable, "-m", "rocketmq", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, cwd=tmp_path, env=env or cli_env(tmp_path))


def json_lines(text: str) -> List[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("rocketmq: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


# ----- the program and its usage --------------------------------------------------------------


def test_help_lists_every_command_and_the_console_script_runs(tmp_path):
    result = rocketmq(tmp_path, "--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"    {command}" in result.stdout
    assert "Exit status: 0 done, 1 failed, 2 usage error" in " ".join(result.stdout.split())
    script = Path(sys.executable).parent / "rocketmq"
    assert script.is_file(), "the rocketmq console script is not installed next to the interpreter"
    scripted = subprocess.run([str(script), "route", "--help"], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path, env=cli_env(tmp_path))
    assert scripted.returncode == 0
    assert scripted.stdout.startswith("usage: rocketmq route")
    for option in ("--namesrv", "--access-key", "--secret-key", "--tls", "--tls-ca-file", "--json"):
        assert option in scripted.stdout


@pytest.mark.parametrize("args, complaint", [
    ([], "required: COMMAND"),
    (["send"], "required: topic"),
    (["send", "T", "x", "--count", "0"], "argument --count: must be at least 1, not 0"),
    (["send", "T", "x", "--property", "novalue"], "expected KEY=VALUE"),
    (["send", "T", "x", "--delay-level", "-1"], "must not be negative"),
    (["send", "T", "x", "--delay-level", str(2**31)], "must fit a 32-bit int"),
    (["send", "T", "x", "--count", "two"], "not an integer: 'two'"),
    (["consume", "T"], "required: --group"),
    (["consume", "T", "--group", "G", "--from", "yesterday"], "expected first, last or a timestamp"),
    (["offsets", "T"], "required: --group"),
    (["route", "T", "--access-key", "ak"], "--access-key and --secret-key go together"),
    (["route", "T", "--tls-ca-file", "/no/such/ca.pem"], "is not a file"),
    (["route", "T", "--timeout", "0"], "must be more than 0"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_with_2(tmp_path, args, complaint):
    result = rocketmq(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr
    assert "usage:" in result.stderr


def test_name_server_defaults_to_the_environment(rocketmq_cluster, tmp_path):
    topic = unique_name("TopicCliEnv")
    env = dict(cli_env(tmp_path), ROCKETMQ_NAMESRV=rocketmq_cluster.namesrv_addr)
    result = rocketmq(tmp_path, "send", topic, "from the environment", env=env)
    assert result.returncode == 0, result.stderr
    assert [m.body for m in rocketmq_cluster.wait_for_messages(topic, 1)] == [b"from the environment"]


# ----- send ----------------------------------------------------------------------------------


def test_send_body_with_options_prints_each_result_as_json(rocketmq_cluster, tmp_path):
    topic = unique_name("TopicCliSend")
    result = rocketmq(tmp_path, "send", topic, "héllo", "--tags", "TagA", "--keys", "k1 k2",
                      "--property", "color=red", "--property", "size=", "--count", "3", "--json",
                      "--namesrv", rocketmq_cluster.namesrv_addr)
    assert result.returncode == 0, result.stderr
    results = json_lines(result.stdout)
    assert len(results) == 3
    for sent in results:
        assert sent["status"] == "SEND_OK"
        assert sent["topic"] == topic and sent["brokerName"] == "broker-a"
        assert 0 <= sent["queueId"] < 4 and sent["queueOffset"] >= 0
        assert len(sent["msgId"]) == 32 and sent["offsetMsgId"]
    assert len({sent["msgId"] for sent in results}) == 3
    assert "sent 3 messages in" in result.stderr
    stored = rocketmq_cluster.wait_for_messages(topic, 3)
    assert sorted(m.properties["UNIQ_KEY"] for m in stored) == sorted(r["msgId"] for r in results)
    for message in stored:
        assert message.body == "héllo".encode()
        assert message.tags == "TagA" and message.keys == "k1 k2"
        assert message.properties["color"] == "red" and message.properties["size"] == ""
    placed = {(m.queue_id, m.queue_offset) for m in stored}
    assert placed == {(r["queueId"], r["queueOffset"]) for r in results}


def test_send_reads_one_message_per_stdin_line(rocketmq_cluster, tmp_path):
    topic = unique_name("TopicCliStdin")
    result = rocketmq(tmp_path, "send", topic, "-", "--namesrv", rocketmq_cluster.namesrv_addr,
                      stdin="first\nsecond line\n\nthird\r\nlast without newline")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert all(line.startswith("SEND_OK msgId=") and " broker=broker-a queue=" in line for line in lines)
    stored = rocketmq_cluster.wait_for_messages(topic, 4)
    expected = [b"first", b"second line", b"third", b"last without newline"]
    assert sorted(m.body for m in stored) == sorted(expected)
    # No body at all reads stdin too, and --count repeats each line.
    again = rocketmq(tmp_path, "send", topic, "--count", "2", "--namesrv", rocketmq_cluster.namesrv_addr,
                     stdin="x\ny\n")
    assert again.returncode == 0, again.stderr
    assert len(again.stdout.splitlines()) == 4
    bodies = sorted(m.body for m in rocketmq_cluster.wait_for_messages(topic, 8))
    assert bodies[-4:] == [b"x", b"x", b"y", b"y"]


def test_send_with_a_delay_level_is_delivered_later(rocketmq_cluster, tmp_path):
    topic = unique_name("TopicCliDelay")
    result = rocketmq(tmp_path, "send", topic, "later", "--delay-level", "2", "--json",
                      "--namesrv", rocketmq_cluster.namesrv_addr)
    assert result.returncode == 0, result.stderr
    assert [m.body for m in rocketmq_cluster.wait_for_messages(topic, 1)] == [b"later"]
    # It waited in the delay queue of level 2 first.
    delayed = [m for m in rocketmq_cluster.messages("SCHEDULE_TOPIC_XXXX")
               if m.properties.get("REAL_TOPIC") == topic]
    assert [(m.body, m.properties["DELAY"], m.queue_id) for m in delayed] == [(b"later", "2", 1)]


def test_send_progress_goes_to_stderr_only_when_asked_or_on_a_terminal(rocketmq_cluster, tmp_path):
    topic = unique_name("TopicCliProgress")
    args = [sys.executable, "-m", "rocketmq", "send", topic, "--namesrv", rocketmq_cluster.namesrv_addr]
    outputs = []
    for extra in (["--progress"], []):
        process = subprocess.Popen(args + extra, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, cwd=tmp_path, env=cli_env(tmp_path))
        assert process.stdin is not None
        # Slower than the progress interval, so that a progress line is due.
        for body in (b"one\n", b"two\n", b"three\n"):
            process.stdin.write(body)
            process.stdin.flush()
            time.sleep(0.7)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert len(out.splitlines()) == 3
        outputs.append(err.decode())
    with_flag, without = outputs
    progress = [line for line in with_flag.splitlines()
                if line.startswith("sent ") and "messages in" not in line]
    assert progress and all(line.endswith("msg/s)") for line in progress), with_flag
    assert [line for line in without.splitlines() if line.startswith("sent ")] == [
        line for line in without.splitlines() if "messages in" in line]


# ----- consume -------------------------------------------------------------------------------


def send_messages(namesrv: str, topic: str, bodies: List[bytes]) -> None:
    producer = started_producer(namesrv)
    try:
        for index, body in enumerate(bodies):
            producer.send_sync(Message(topic, body, tags="TagC", keys=f"key-{index}",
                                       properties={"n": str(index)}))
    finally:
        producer.shutdown()


def test_consume_count_prints_messages_and_commits_them(rocketmq_cluster, tmp_path):
    namesrv = rocketmq_cluster.namesrv_addr
    topic, group = unique_name("TopicCliConsume"), unique_name("GID_cli")
    bodies = [b"plain text", "ünïcödé".encode(), b"\xff\xfe\x00binary"]
    send_messages(namesrv, topic, bodies)
    result = rocketmq(tmp_path, "consume", topic, "--group", group, "--from", "first", "--count", "3",
                      "--json", "--namesrv", namesrv)
    assert result.returncode == 0, result.stderr
    messages = json_lines(result.stdout)
    assert len(messages) == 3
    received = {}
    for message in messages:
        assert message["topic"] == topic and message["tags"] == "TagC"
        assert message["keys"].startswith("key-") and message["properties"]["n"] == message["keys"][4:]
        assert message["msgId"] == message["properties"]["UNIQ_KEY"]
        assert 0 <= message["queueId"] < 4 and message["queueOffset"] >= 0
        if message["bodyEncoding"] == "text":
            received[message["body"].encode()] = message
        else:
            assert message["bodyEncoding"] == "base64"
            received[base64.b64decode(message["body"])] = message
    assert set(received) == set(bodies)
    assert received[b"\xff\xfe\x00binary"]["bodyEncoding"] == "base64"
    assert "consumed 3 messages" in result.stderr
    progress = json.loads(rocketmq(tmp_path, "offsets", topic, "--group", group, "--json",
                                   "--namesrv", namesrv).stdout)
    assert progress["total"] == {"brokerOffset": 3, "consumerOffset": 3, "lag": 0}


def test_consume_count_leaves_the_rest_for_the_next_consumer(rocketmq_cluster, tmp_path):
    namesrv = rocketmq_cluster.namesrv_addr
    topic, group = unique_name("TopicCliRest"), unique_name("GID_cli_rest")
    bodies = [f"m{i}".encode() for i in range(12)]
    send_messages(namesrv, topic, bodies)
    first = rocketmq(tmp_path, "consume", topic, "--group", group, "--from", "first", "--count", "5",
                     "--json", "--namesrv", namesrv)
    assert first.returncode == 0, first.stderr
    second = rocketmq(tmp_path, "consume", topic, "--group", group, "--count", "7", "--json",
                      "--namesrv", namesrv)
    assert second.returncode == 0, second.stderr
    seen = [m["body"].encode() for m in json_lines(first.stdout) + json_lines(second.stdout)]
    assert sorted(seen) == sorted(bodies), "a message was skipped or printed twice"
    # Nothing went through the retry topic: every one was printed on its first delivery.
    assert all(m["reconsumeTimes"] == 0 for m in json_lines(second.stdout))


def test_consume_text_lines_say_how_the_body_is_shown(rocketmq_cluster, tmp_path):
    namesrv = rocketmq_cluster.namesrv_addr
    topic, group = unique_name("TopicCliText"), unique_name("GID_cli_text")
    send_messages(namesrv, topic, [b"hello", b"\x80\x81"])
    result = rocketmq(tmp_path, "consume", topic, "--group", group, "--from", "first", "--count", "2",
                      "--namesrv", namesrv)
    assert result.returncode == 0, result.stderr
    lines = sorted(result.stdout.splitlines())
    assert len(lines) == 2
    for line in lines:
        assert line.startswith(f"topic={topic} queue=") and " tags=TagC keys=key-" in line
        # The broker adds CLUSTER (as a Java broker does), the producer WAIT.
        shown = json.loads(line.split(" properties=", 1)[1].split(" body(", 1)[0])
        assert shown["n"] in ("0", "1") and set(shown) <= {"n", "WAIT", "CLUSTER"}
    assert any(line.endswith(" body(text)=hello") for line in lines)
    assert any(line.endswith(" body(base64)=" + base64.b64encode(b"\x80\x81").decode()) for line in lines)


def test_consume_filters_by_tag_expression(rocketmq_cluster, tmp_path):
    namesrv = rocketmq_cluster.namesrv_addr
    topic, group = unique_name("TopicCliTags"), unique_name("GID_cli_tags")
    producer = started_producer(namesrv)
    try:
        for tag in ("TagA", "TagB", "TagC", "TagA"):
            producer.send_sync(Message(topic, tag, tags=tag))
    finally:
        producer.shutdown()
    result = rocketmq(tmp_path, "consume", topic, "--group", group, "--from", "first", "--expression",
                      "TagA || TagC", "--count", "3", "--json", "--namesrv", namesrv)
    assert result.returncode == 0, result.stderr
    assert sorted(m["tags"] for m in json_lines(result.stdout)) == ["TagA", "TagA", "TagC"]


class LineReader:
    """The lines a subprocess prints, read by a thread of their own so that waiting can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def take(self, count: int, timeout: float) -> List[str]:
        taken: List[str] = []
        deadline = time.monotonic() + timeout
        while len(taken) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                taken.append(self.lines.get(timeout=left))
            except queue.Empty:
                break
        return taken


def test_consume_stops_cleanly_on_sigint_and_commits(rocketmq_cluster, tmp_path):
    namesrv = rocketmq_cluster.namesrv_addr
    topic, group = unique_name("TopicCliSigint"), unique_name("GID_cli_sigint")
    send_messages(namesrv, topic, [f"before-{i}".encode() for i in range(6)])
    process = subprocess.Popen(
        [sys.executable, "-m", "rocketmq", "consume", topic, "--group", group, "--from", "first", "--json",
         "--namesrv", namesrv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=cli_env(tmp_path))
    assert process.stdout is not None and process.stderr is not None
    reader = LineReader(process.stdout)
    try:
        lines = reader.take(6, timeout=30)
        assert len(lines) == 6, "the consumer printed fewer messages than were sent"
        # Messages sent while it runs arrive too.
        send_messages(namesrv, topic, [b"while-running"])
        lines += reader.take(1, timeout=30)
        assert len(lines) == 7
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        err = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    reader.thread.join(timeout=5)
    assert process.returncode == 0, err
    assert reader.lines.empty(), "printed more than it consumed"
    assert "consumed 7 messages" in err
    assert "Traceback" not in err
    bodies = sorted(json.loads(line)["body"] for line in lines)
    assert bodies == sorted([f"before-{i}" for i in range(6)] + ["while-running"])
    # Shutdown committed every printed message.
    committed = sum(rocketmq_cluster.consumer_offset(group, topic, queue) or 0 for queue in range(4))
    assert committed == 7


# ----- route, cluster, offsets ---------------------------------------------------------------


@pytest.fixture(scope="module")
def two_masters_one_slave():
    with EmbeddedCluster(masters=2, slaves=1, register_interval=1.0, slave_sync_interval=1.0) as cluster:
        yield cluster


def test_route_shows_brokers_queues_addresses_and_permissions(two_masters_one_slave, tmp_path):
    cluster = two_masters_one_slave
    topic = unique_name("TopicCliRoute")
    cluster.create_topic(topic, 3)
    addresses = {(node.name, node.broker_id): node.addr for node in cluster.brokers}
    result = rocketmq(tmp_path, "route", topic, "--json", "--namesrv", cluster.namesrv_addr)
    assert result.returncode == 0, result.stderr
    route = json.loads(result.stdout)
    assert route["topic"] == topic
    assert [b["brokerName"] for b in route["brokers"]] == ["broker-a", "broker-b"]
    for broker in route["brokers"]:
        name = broker["brokerName"]
        assert broker["cluster"] == "DefaultCluster"
        assert broker["readQueueNums"] == broker["writeQueueNums"] == 3
        assert broker["perm"] == 6 and broker["permission"] == "RW-"
        assert broker["addresses"] == {"0": addresses[(name, 0)], "1": addresses[(name, 1)]}

    text = rocketmq(tmp_path, "route", topic, "--namesrv", cluster.namesrv_addr)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["BROKER", "CLUSTER", "READ", "WRITE", "PERM", "ID", "ROLE", "ADDRESS"]
    assert [line.split() for line in lines[1:]] == [
        [name, "DefaultCluster", "3", "3", "RW-", str(broker_id), "master" if broker_id == 0 else "slave",
         addresses[(name, broker_id)]]
        for name in ("broker-a", "broker-b") for broker_id in (0, 1)
    ]


def test_cluster_lists_every_broker_with_its_version(two_masters_one_slave, tmp_path):
    cluster = two_masters_one_slave
    result = rocketmq(tmp_path, "cluster", "--json", "--namesrv", cluster.namesrv_addr)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["clusters"] == {"DefaultCluster": ["broker-a", "broker-b"]}
    listed = [(b["brokerName"], b["brokerId"], b["role"], b["address"], b["version"])
              for b in info["brokers"]]
    assert listed == [
        (node.name, node.broker_id, "master" if node.broker_id == 0 else "slave", node.addr, "V4_9_8")
        for node in sorted(cluster.brokers, key=lambda n: (n.name, n.broker_id))
    ]
    text = rocketmq(tmp_path, "cluster", "--namesrv", cluster.namesrv_addr)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["CLUSTER", "BROKER", "ID", "ROLE", "ADDRESS", "VERSION"]
    assert len(lines) == 5 and all(line.split()[-1] == "V4_9_8" for line in lines[1:])


def test_cluster_names_a_broker_that_does_not_answer(rocketmq_cluster_factory, tmp_path):
    cluster = rocketmq_cluster_factory(masters=2, broker_expiry=60.0)
    gone = cluster.broker_node("broker-b")
    gone.hang()
    try:
        result = rocketmq(tmp_path, "cluster", "--json", "--timeout", "1", "--namesrv", cluster.namesrv_addr)
    finally:
        gone.resume()
    assert result.returncode == 0, result.stderr
    versions = {b["brokerName"]: b["version"] for b in json.loads(result.stdout)["brokers"]}
    assert versions == {"broker-a": "V4_9_8", "broker-b": None}
    assert f"warning: no version from broker-b (id 0, {gone.addr}):" in result.stderr


def test_offsets_show_each_queue_and_totals(rocketmq_cluster, tmp_path):
    namesrv = rocketmq_cluster.namesrv_addr
    topic, group = unique_name("TopicCliOffsets"), unique_name("GID_cli_offsets")
    send_messages(namesrv, topic, [f"o{i}".encode() for i in range(8)])
    consumed = rocketmq(tmp_path, "consume", topic, "--group", group, "--from", "first", "--count", "8",
                        "--namesrv", namesrv)
    assert consumed.returncode == 0, consumed.stderr
    send_messages(namesrv, topic, [b"unconsumed-1", b"unconsumed-2"])
    result = rocketmq(tmp_path, "offsets", topic, "--group", group, "--json", "--namesrv", namesrv)
    assert result.returncode == 0, result.stderr
    progress = json.loads(result.stdout)
    assert progress["topic"] == topic and progress["group"] == group
    queues = [(q["brokerName"], q["queueId"]) for q in progress["queues"]]
    assert queues == [("broker-a", i) for i in range(4)]
    for entry in progress["queues"]:
        assert entry["brokerOffset"] == rocketmq_cluster.call(
            lambda q=entry: rocketmq_cluster.store.max_offset(topic, q["queueId"]))
        assert entry["lag"] == entry["brokerOffset"] - entry["consumerOffset"]
    assert progress["total"] == {"brokerOffset": 10, "consumerOffset": 8, "lag": 2}

    text = rocketmq(tmp_path, "offsets", topic, "--group", group, "--namesrv", namesrv)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["BROKER", "QUEUE", "BROKER_OFFSET", "CONSUMER_OFFSET", "LAG"]
    assert len(lines) == 6
    assert lines[-1].split() == ["total", "10", "8", "2"]


# ----- failures: exit status 1 and one line on stderr ----------------------------------------


@pytest.mark.parametrize("command", [
    ["send", "TopicX", "body"],
    ["consume", "TopicX", "--group", "GID_x"],
    ["route", "TopicX"],
    ["cluster"],
    ["offsets", "TopicX", "--group", "GID_x"],
])
def test_an_unreachable_name_server_fails_with_one_line(tmp_path, command):
    dead = f"127.0.0.1:{free_port()}"
    result = rocketmq(tmp_path, *command, "--namesrv", dead)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result)
    assert f"no name server answered ({dead})" in line and "Connection refused" in line
    assert result.stdout == ""


@pytest.fixture(scope="module")
def no_auto_create():
    with EmbeddedCluster(auto_create_topics=False) as cluster:
        yield cluster


@pytest.mark.parametrize("command", [
    ["send", "NoSuchTopic", "body"],
    ["consume", "NoSuchTopic", "--group", "GID_x"],
    ["route", "NoSuchTopic"],
    ["offsets", "NoSuchTopic", "--group", "GID_x"],
])
def test_an_unknown_topic_fails_with_one_line(no_auto_create, tmp_path, command):
    result = rocketmq(tmp_path, *command, "--namesrv", no_auto_create.namesrv_addr)
    assert result.returncode == 1, result.stderr
    assert one_error_line(result).endswith("topic NoSuchTopic does not exist (TOPIC_NOT_EXIST)")
    assert result.stdout == ""


@pytest.fixture(scope="module")
def acl_cluster():
    with EmbeddedCluster(auto_create_topics=False, acl=ACL) as cluster:
        cluster.create_topic("Guarded")
        yield cluster


@pytest.mark.parametrize("command, request_name", [
    (["send", "Guarded", "body"], "rejected the message"),
    (["consume", "Guarded", "--group", "GID_guarded"], "QUERY_CONSUMER_OFFSET refused by broker broker-a"),
    (["offsets", "Guarded", "--group", "GID_guarded"], "GET_MAX_OFFSET refused by broker broker-a"),
])
def test_rejected_credentials_fail_with_the_brokers_reason(acl_cluster, tmp_path, command, request_name):
    namesrv = ["--namesrv", acl_cluster.namesrv_addr]
    wrong = rocketmq(tmp_path, *command, *namesrv, *WRONG_SECRET)
    assert wrong.returncode == 1, wrong.stderr
    line = one_error_line(wrong)
    assert request_name in line
    assert "AclException: Check signature failed for accessKey=RocketMQ" in line
    missing = rocketmq(tmp_path, *command, *namesrv)
    assert missing.returncode == 1, missing.stderr
    assert "AclException: No accessKey is configured" in one_error_line(missing)


def test_good_credentials_send_consume_and_read_offsets(acl_cluster, tmp_path):
    namesrv = ["--namesrv", acl_cluster.namesrv_addr]
    env = dict(cli_env(tmp_path), ROCKETMQ_ACCESS_KEY="RocketMQ", ROCKETMQ_SECRET_KEY="12345678")
    sent = rocketmq(tmp_path, "send", "Guarded", "signed", *namesrv, *GOOD_KEYS)
    assert sent.returncode == 0, sent.stderr
    consumed = rocketmq(tmp_path, "consume", "Guarded", "--group", "GID_signed", "--from", "first",
                        "--count", "1", "--json", *namesrv, env=env)
    assert consumed.returncode == 0, consumed.stderr
    assert [m["body"] for m in json_lines(consumed.stdout)] == ["signed"]
    offsets = rocketmq(tmp_path, "offsets", "Guarded", "--group", "GID_signed", "--json", *namesrv, env=env)
    assert offsets.returncode == 0, offsets.stderr
    assert json.loads(offsets.stdout)["total"]["lag"] == 0


def test_cluster_with_rejected_credentials_still_lists_brokers(acl_cluster, tmp_path):
    result = rocketmq(tmp_path, "cluster", "--json", "--namesrv", acl_cluster.namesrv_addr, *WRONG_SECRET)
    assert result.returncode == 0, result.stderr
    assert [b["version"] for b in json.loads(result.stdout)["brokers"]] == [None]
    assert "AclException: Check signature failed for accessKey=RocketMQ" in result.stderr
    signed = rocketmq(tmp_path, "cluster", "--json", "--namesrv", acl_cluster.namesrv_addr, *GOOD_KEYS)
    assert [b["version"] for b in json.loads(signed.stdout)["brokers"]] == ["V4_9_8"]


# ----- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the certificate")
    directory = tmp_path_factory.mktemp("cli-tls")
    cert, key = directory / "server.pem", directory / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60)
    with EmbeddedCluster(tls_cert=str(cert), tls_key=str(key)) as cluster:
        cluster.cert = str(cert)
        yield cluster


def test_tls_options_reach_name_server_and_brokers(tls_cluster, tmp_path):
    namesrv = ["--namesrv", tls_cluster.namesrv_addr]
    topic = unique_name("TopicCliTls")
    sent = rocketmq(tmp_path, "send", topic, "over tls", "--tls", *namesrv)
    assert sent.returncode == 0, sent.stderr
    verified = rocketmq(tmp_path, "route", topic, "--json", "--tls-ca-file", tls_cluster.cert, *namesrv)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["brokers"][0]["addresses"]["0"] == tls_cluster.broker_addr
    listed = rocketmq(tmp_path, "cluster", "--json", "--tls", *namesrv)
    assert [b["version"] for b in json.loads(listed.stdout)["brokers"]] == ["V4_9_8"]
    plain = rocketmq(tmp_path, "route", topic, "--timeout", "1", *namesrv)
    assert plain.returncode == 1
    assert one_error_line(plain).endswith("the server may require TLS (use --tls)")


# ----- message, query --------------------------------------------------------------------------


def test_message_shows_one_stored_message_by_either_id(rocketmq_cluster, tmp_path):
    namesrv = ["--namesrv", rocketmq_cluster.namesrv_addr]
    topic = unique_name("TopicCliMessage")
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    try:
        sent = producer.send_sync(Message(topic, b"find me", tags="TagM", keys="cli-key"))
    finally:
        producer.shutdown()
    [stored] = rocketmq_cluster.wait_for_messages(topic, 1)
    by_unique = rocketmq(tmp_path, "message", sent.msg_id, "--topic", topic, "--json", *namesrv)
    assert by_unique.returncode == 0, by_unique.stderr
    document = json.loads(by_unique.stdout)
    assert (document["msgId"], document["body"], document["tags"], document["keys"]) == \
        (sent.msg_id, "find me", "TagM", "cli-key")
    assert (document["queueId"], document["queueOffset"], document["commitLogOffset"]) == \
        (stored.queue_id, stored.queue_offset, stored.commit_log_offset)
    by_offset = rocketmq(tmp_path, "message", stored.msg_id, *namesrv)
    assert by_offset.returncode == 0, by_offset.stderr
    assert f"msgId={sent.msg_id} tags=TagM keys=cli-key" in by_offset.stdout
    assert by_offset.stdout.rstrip().endswith("body(text)=find me")

    host, port = rocketmq_cluster.broker_addr.split(":")
    from rocketmq.testing.message_codec import create_message_id

    missing = rocketmq(tmp_path, "message", create_message_id((host, int(port)), 10**12), *namesrv)
    assert missing.returncode == 1 and missing.stdout == ""
    assert "can not find message by the offset" in one_error_line(missing)


def test_query_lists_messages_by_key_within_the_time_range(rocketmq_cluster, tmp_path):
    namesrv = ["--namesrv", rocketmq_cluster.namesrv_addr]
    topic = unique_name("TopicCliQuery")
    send_messages(rocketmq_cluster.namesrv_addr, topic, [b"q0", b"q1", b"q2"])  # keys key-0, key-1, key-2
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    try:
        producer.send_sync(Message(topic, b"q1-again", keys="key-1 other"))
    finally:
        producer.shutdown()
    stored = rocketmq_cluster.wait_for_messages(topic, 4)
    result = rocketmq(tmp_path, "query", topic, "--key", "key-1", "--json", *namesrv)
    assert result.returncode == 0, result.stderr
    assert [d["body"] for d in json.loads(result.stdout)] == ["q1", "q1-again"]
    newest = rocketmq(tmp_path, "query", topic, "--key", "key-1", "--max", "1", *namesrv)
    assert newest.returncode == 0, newest.stderr
    assert [line.rsplit("=", 1)[1] for line in newest.stdout.splitlines()] == ["q1-again"]
    after = str(max(m.store_timestamp for m in stored) + 1)
    none = rocketmq(tmp_path, "query", topic, "--key", "key-1", "--begin", after, *namesrv)
    assert none.returncode == 1 and none.stdout == ""
    assert "no message with key key-1" in one_error_line(none)


@pytest.mark.parametrize("args, complaint", [
    (["message", "xyz"], "a message id is 32 or 56 hex digits, not 'xyz'"),
    (["query", "T"], "required: --key"),
    (["query", "T", "--key", "k", "--begin", "5", "--end", "1"], "--begin (5) is after --end (1)"),
    (["query", "T", "--key", "k", "--max", "0"], "must be at least 1"),
    (["query", "T", "--key", "k", "--end", "soon"], "not a timestamp in milliseconds: 'soon'"),
])
def test_message_and_query_usage_errors_exit_with_2(tmp_path, args, complaint):
    result = rocketmq(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr
