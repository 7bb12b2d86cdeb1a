import os
import re
import signal
import subprocess
import sys

from broker_requests import send_v2

from rocketmq.testing import EmbeddedCluster, RemotingClient

pytest_plugins = ["rocketmq.testing.pytest_plugin"]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_cli_prints_ready_line_and_exits_cleanly_on_sigterm(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "rocketmq.testing", "--port", "0", "--broker-port", "0",
         "--store", str(tmp_path), "--queues", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        ready = (r"rocketmq\.testing ready: namesrv (127\.0\.0\.1:\d+) broker (127\.0\.0\.1:\d+)"
                 r" brokers broker-a/0=(127\.0\.0\.1:\d+)\n")
        match = re.fullmatch(ready, line)
        assert match, line
        assert match.group(3) == match.group(2)
        with RemotingClient(match.group(2)) as broker:
            assert send_v2(broker, "CliTopic", b"x").code == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_store_directory_survives_restart(tmp_path):
    with EmbeddedCluster(store_dir=str(tmp_path)) as first:
        with RemotingClient(first.broker_addr) as broker:
            send_v2(broker, "Kept", b"one", {"TAGS": "t"}, queue_id=1)
            send_v2(broker, "Kept", b"two", queue_id=1)
            broker.request(15, {"consumerGroup": "g", "topic": "Kept", "queueId": 1, "commitOffset": 1})
    with EmbeddedCluster(store_dir=str(tmp_path)) as second:
        kept = second.messages("Kept")
        assert [(m.body, m.queue_offset, m.tags) for m in kept] == [(b"one", 0, "t"), (b"two", 1, None)]
        assert second.consumer_offset("g", "Kept", 1) == 1
        with RemotingClient(second.broker_addr) as broker:
            assert send_v2(broker, "Kept", b"three", queue_id=1).ext_fields["queueOffset"] == "2"


def test_pytest_plugin_fixture(rocketmq_cluster, rocketmq_faults):
    host, port = rocketmq_cluster.namesrv_addr.split(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert rocketmq_cluster.broker_addr != rocketmq_cluster.namesrv_addr
