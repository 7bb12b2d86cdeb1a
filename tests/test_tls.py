"""TLS to brokers and name servers, against the embedded cluster serving TLS only."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _helpers import free_port, unique_name

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, SendStatus
from rocketmq.exceptions import ProducerSendSyncFailed, RocketMQException
from rocketmq.lite_pull_consumer import LitePullConsumer
from rocketmq.pull_consumer import PullConsumer
from rocketmq.testing.server import EmbeddedCluster


def make_certificate(directory: Path, name: str) -> tuple:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return str(cert), str(key)


def openssl(*arguments: str) -> None:
    subprocess.run(["openssl", *arguments], check=True, capture_output=True, timeout=60)


def make_signed_certificate(directory: Path, ca: tuple, name: str, alt_names: str) -> tuple:
    """A certificate for ``alt_names`` (subjectAltName syntax) signed by the CA ``ca`` (cert, key)."""
    cert, key, request, extensions = (directory / (name + ext) for ext in (".pem", ".key", ".csr", ".ext"))
    extensions.write_text(f"subjectAltName={alt_names}\n")
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", str(key),
            "-out", str(request))
    openssl("x509", "-req", "-in", str(request), "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
            "-days", "1", "-extfile", str(extensions), "-out", str(cert))
    return str(cert), str(key)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the certificates")
    directory = tmp_path_factory.mktemp("tls")
    ca = (str(directory / "ca.pem"), str(directory / "ca.key"))
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Test CA",
            "-keyout", ca[1], "-out", ca[0])
    return {
        "server": make_certificate(directory, "server"),
        "other": make_certificate(directory, "other"),
        "ca": ca,
        # Signed by the CA:
        "wrong_host": make_signed_certificate(directory, ca, "wrong", "DNS:wrong.example"),
        "ip": make_signed_certificate(directory, ca, "ip", "IP:127.0.0.1"),
        "localhost": make_signed_certificate(directory, ca, "localhost", "DNS:localhost"),
        "both": make_signed_certificate(directory, ca, "both", "DNS:localhost,IP:127.0.0.1"),
    }


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
        with pytest.raises(ProducerSendSyncFailed) as failure:
            producer.send_sync(Message(unique_name("TopicPlainToTls"), "x"))
    finally:
        producer.shutdown()
    assert f"connection to {tls_cluster.namesrv_addr} closed" in str(failure.value)
    assert "the server may require TLS (enable it with set_tls)" in str(failure.value)


def test_tls_client_against_a_plain_server_fails_clearly(rocketmq_namesrv_addr):
    producer = tls_producer(rocketmq_namesrv_addr, enabled=True)
    try:
        with pytest.raises(ProducerSendSyncFailed, match=r"TLS handshake with 127\.0\.0\.1 failed: .*"
                                                         r"\(the server does not speak TLS\?\)"):
            producer.send_sync(Message(unique_name("TopicTlsToPlain"), "x"))
    finally:
        producer.shutdown()


@pytest.fixture(scope="module")
def wrong_host_cluster(certificates):
    cert, key = certificates["wrong_host"]
    with EmbeddedCluster(namesrv_port=free_port(), delay_scale=0.01, tls_cert=cert, tls_key=key) as cluster:
        yield cluster


def test_a_certificate_for_another_host_is_refused(wrong_host_cluster, certificates):
    # Signed by the trusted CA, but for DNS:wrong.example, not 127.0.0.1.
    producer = tls_producer(wrong_host_cluster.namesrv_addr, enabled=True, ca_file=certificates["ca"][0])
    try:
        with pytest.raises(ProducerSendSyncFailed) as failure:
            producer.send_sync(Message(unique_name("TopicTlsWrongHost"), "x"))
    finally:
        producer.shutdown()
    assert ("TLS handshake with 127.0.0.1 failed: certificate verify failed: IP address mismatch "
            "(the server's certificate is not for 127.0.0.1)") in str(failure.value)


def test_verify_hostname_false_accepts_a_certificate_for_another_host(wrong_host_cluster, certificates):
    producer = tls_producer(wrong_host_cluster.namesrv_addr, enabled=True, ca_file=certificates["ca"][0],
                            verify_hostname=False)
    try:
        assert producer.send_sync(Message(unique_name("TopicTlsNoHostCheck"), "x")).status == SendStatus.OK
    finally:
        producer.shutdown()


def test_verify_hostname_false_still_verifies_the_chain(wrong_host_cluster, certificates):
    # The other self-signed certificate did not sign the server's.
    producer = tls_producer(wrong_host_cluster.namesrv_addr, enabled=True, ca_file=certificates["other"][0],
                            verify_hostname=False)
    try:
        with pytest.raises(ProducerSendSyncFailed, match="certificate verify failed: unable to get local"):
            producer.send_sync(Message(unique_name("TopicTlsNoHostCheckWrongCa"), "x"))
    finally:
        producer.shutdown()


@pytest.mark.parametrize("verify_hostname", [True, False])
def test_pull_consumer_checks_the_host_unless_told_not_to(wrong_host_cluster, certificates, verify_hostname):
    topic = unique_name("TopicTlsPullHostCheck")
    wrong_host_cluster.create_topic(topic)
    consumer = PullConsumer(unique_name("GID_tls_pull_host"))
    consumer.set_name_server_address(wrong_host_cluster.namesrv_addr)
    consumer.set_tls(True, certificates["ca"][0], verify_hostname=verify_hostname)
    consumer.start()
    try:
        if verify_hostname:
            with pytest.raises(RocketMQException, match="IP address mismatch"):
                consumer.fetch_queues(topic)
        else:
            assert len(consumer.fetch_queues(topic)) == 4
    finally:
        consumer.shutdown()


def test_a_ca_signed_certificate_for_the_ip_is_accepted(certificates):
    cert, key = certificates["ip"]
    with EmbeddedCluster(namesrv_port=free_port(), delay_scale=0.01, tls_cert=cert, tls_key=key) as cluster:
        producer = tls_producer(cluster.namesrv_addr, enabled=True, ca_file=certificates["ca"][0])
        try:
            assert producer.send_sync(Message(unique_name("TopicTlsIp"), "x")).status == SendStatus.OK
        finally:
            producer.shutdown()


def test_a_certificate_for_localhost_is_accepted_through_localhost_addresses(certificates):
    cert, key = certificates["localhost"]
    with EmbeddedCluster(host="localhost", namesrv_port=free_port(), broker_port=free_port(),
                         delay_scale=0.01, tls_cert=cert, tls_key=key) as cluster:
        assert cluster.namesrv_addr.startswith("localhost:") and cluster.broker_addr.startswith("localhost:")
        producer = tls_producer(cluster.namesrv_addr, enabled=True, ca_file=certificates["ca"][0])
        try:
            assert producer.send_sync(Message(unique_name("TopicTlsLocalhost"), "x")).status == SendStatus.OK
        finally:
            producer.shutdown()


class SniRecorder:
    """A TLS server on 127.0.0.1 that completes handshakes, records the server
    name each client sent (None when it sent none), and hangs up."""

    def __init__(self, cert: str, key: str) -> None:
        self.names: list = []
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.context.sni_callback = lambda sock, name, context: self.names.append(name)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.handshakes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except socket.timeout:
                continue
            raw.settimeout(5)
            try:
                with self.context.wrap_socket(raw, server_side=True):
                    self.handshakes += 1
            except (OSError, ssl.SSLError):
                raw.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


@pytest.mark.parametrize("host, expected", [("localhost", "localhost"), ("127.0.0.1", None)])
def test_sni_names_dns_hosts_only(certificates, host, expected):
    server = SniRecorder(*certificates["both"])
    try:
        producer = tls_producer(f"{host}:{server.port}", enabled=True, ca_file=certificates["ca"][0])
        try:
            with pytest.raises(ProducerSendSyncFailed):
                producer.send_sync(Message(unique_name("TopicTlsSni"), "x"))
        finally:
            producer.shutdown()
    finally:
        server.close()
    # The handshakes completed (the certificate passed for either host), each with this SNI.
    assert server.handshakes >= 1
    assert server.names and set(server.names) == {expected}


def test_bad_tls_arguments_raise(tmp_path):
    producer = Producer(unique_name("PID_tls_args"))
    with pytest.raises(TypeError):
        producer.set_tls("yes")
    with pytest.raises(TypeError):
        producer.set_tls(True, 5)
    with pytest.raises(ValueError, match="not a file"):
        producer.set_tls(True, str(tmp_path / "missing.pem"))


@pytest.mark.parametrize("client_class", [Producer, PushConsumer, PullConsumer, LitePullConsumer])
@pytest.mark.parametrize("verify_hostname", ["yes", 1, 0, None])
def test_verify_hostname_must_be_a_bool(client_class, verify_hostname):
    client = client_class(unique_name("G_tls_verify_args"))
    try:
        with pytest.raises(TypeError, match="verify_hostname must be bool"):
            client.set_tls(True, None, verify_hostname)
        client.set_tls(True, None, verify_hostname=False)
        client.set_tls(enabled=True, verify_hostname=True)
    finally:
        client.shutdown()


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
    from rocketmq.pull_consumer import PullStatus

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


def test_lite_pull_consumer_over_tls(tls_cluster, certificates):
    from rocketmq.client import ConsumeFromWhere

    ca_file = certificates["server"][0]
    topic = unique_name("TopicTlsLitePull")
    producer = tls_producer(tls_cluster.namesrv_addr, enabled=True, ca_file=ca_file)
    try:
        producer.send_sync(Message(topic, "polled over TLS"))
    finally:
        producer.shutdown()
    consumer = LitePullConsumer(unique_name("GID_tls_lite"))
    consumer.set_name_server_address(tls_cluster.namesrv_addr)
    consumer.set_tls(True, ca_file)
    consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    consumer.subscribe(topic)
    found = []
    with consumer:
        for _ in range(100):
            found = [message.body for message in consumer.poll(200)]
            if found:
                break
    assert found == [b"polled over TLS"]
