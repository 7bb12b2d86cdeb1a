"""TLS to brokers and name servers, against the embedded cluster serving TLS only."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _helpers import free_port, unique_name

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, SendStatus
from rocketmq.exceptions import ProducerSendSyncFailed
from rocketmq.testing.server import EmbeddedCluster


def make_certificate(directory: Path, name: str) -> tuple:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return str(cert), str(key)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the certificates")
    directory = tmp_path_factory.mktemp("tls")
    return {"server": make_certificate(directory, "server"), "other": make_certificate(directory, "other")}


@pytest.fixture(scope="module")
def tls_cluster(certificates):
    cert, key = certificates["server"]
    with EmbeddedCluster(namesrv_port=free_port(), delay_scale=0.01, tls_cert=cert, tls_key=key) as cluster:
        yield cluster


def tls_producer(namesrv: str, **tls) -> Producer:
    producer = Producer(unique_name("PID_tls"), timeout=3000)
    producer.set_name_server_address(namesrv)
    if tls is not None:
        producer.set_tls(**tls)
    producer.start()
    return producer


def test_send_and_consume_over_tls_with_the_servers_ca(tls_cluster, certificates):
    ca_file = certificates["server"][0]
    topic = unique_name("TopicTls")
    received = threading.Event()
    bodies = []

    def on_message(message):
        bodies.append(message.body)
        received.set()
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(unique_name("GID_tls"))
    consumer.set_name_server_address(tls_cluster.namesrv_addr)
    consumer.set_tls(True, ca_file)
    consumer.subscribe(topic, on_message)
    consumer.start()
    producer = tls_producer(tls_cluster.namesrv_addr, enabled=True, ca_file=ca_file)
    try:
        body = b"\x00 encrypted \xff" * 1000
        assert producer.send_sync(Message(topic, body)).status == SendStatus.OK
        assert received.wait(20)
    finally:
        producer.shutdown()
        consumer.shutdown()
    assert bodies == [body]


def test_tls_without_a_ca_encrypts_without_authenticating(tls_cluster):
    producer = tls_producer(tls_cluster.namesrv_addr, enabled=True)
    try:
        assert producer.send_sync(Message(unique_name("TopicTlsNoCa"), "x")).status == SendStatus.OK
    finally:
        producer.shutdown()


def test_a_certificate_the_ca_does_not_sign_is_refused(tls_cluster, certificates):
    producer = tls_producer(tls_cluster.namesrv_addr, enabled=True, ca_file=certificates["other"][0])
    try:
        with pytest.raises(ProducerSendSyncFailed, match="TLS handshake .* failed.*certificate"):
            producer.send_sync(Message(unique_name("TopicTlsWrongCa"), "x"))
    finally:
        producer.shutdown()


def test_plain_client_against_a_tls_server_fails_clearly(tls_cluster):
    producer = tls_producer(tls_cluster.namesrv_addr, enabled=False)
    try:
        with pytest.raises(ProducerSendSyncFailed):
            producer.send_sync(Message(unique_name("TopicPlainToTls"), "x"))
    finally:
        producer.shutdown()


def test_bad_tls_arguments_raise(tmp_path):
    producer = Producer(unique_name("PID_tls_args"))
    with pytest.raises(TypeError):
        producer.set_tls("yes")
    with pytest.raises(TypeError):
        producer.set_tls(True, 5)
    with pytest.raises(ValueError, match="not a file"):
        producer.set_tls(True, str(tmp_path / "missing.pem"))


def test_importing_and_using_the_client_loads_no_openssl(tmp_path, rocketmq_namesrv_addr):
    # (asyncio imports Python's own ssl module, so rocketmq.aio is left out here.)
    code = ("import sys\n"
            "from rocketmq.client import Message, Producer\n"
            "producer = Producer('PID_plain_tcp')\n"
            "producer.set_name_server_address(sys.argv[1])\n"
            "producer.start()\n"
            "producer.send_sync(Message('TopicPlainTcp', 'x'))\n"
            "producer.shutdown()\n"
            "maps = open('/proc/self/maps').read()\n"
            "print('libssl' in maps, 'libcrypto' in maps)\n")
    result = subprocess.run([sys.executable, "-c", code, rocketmq_namesrv_addr], capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.skipif(shutil.which("readelf") is None, reason="readelf (binutils) reads the dynamic section")
def test_the_library_does_not_link_openssl():
    from rocketmq import _library

    dynamic = subprocess.run(["readelf", "-d", str(_library.BUNDLED_LIBRARY)], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    needed = [line for line in dynamic.splitlines() if "(NEEDED)" in line]
    assert needed and not [line for line in needed if "libssl" in line or "libcrypto" in line]


def test_pull_consumer_over_tls(tls_cluster, certificates):
    from rocketmq.pull_consumer import PullConsumer, PullStatus

    ca_file = certificates["server"][0]
    topic = unique_name("TopicTlsPull")
    producer = tls_producer(tls_cluster.namesrv_addr, enabled=True, ca_file=ca_file)
    try:
        producer.send_sync(Message(topic, "pulled over TLS"))
    finally:
        producer.shutdown()
    consumer = PullConsumer(unique_name("GID_tls_pull"))
    consumer.set_name_server_address(tls_cluster.namesrv_addr)
    consumer.set_tls(True, ca_file)
    consumer.start()
    try:
        found = []
        for queue in consumer.fetch_queues(topic):
            result = consumer.pull(queue, "*", 0, 32)
            if result.status == PullStatus.FOUND:
                found += [message.body for message in result.messages]
    finally:
        consumer.shutdown()
    assert found == [b"pulled over TLS"]
