"""set_name_server_domain: name server addresses fetched over HTTP, as hosted clouds hand them out."""

from __future__ import annotations

import http.server
import threading

import pytest
from _helpers import unique_name

from rocketmq.client import Message, Producer, SendStatus
from rocketmq.exceptions import ProducerSendSyncFailed


class LookupServer:
    """A local HTTP endpoint that answers GET <path> with `answer` and counts requests."""

    def __init__(self, path: str, answer: str, status: int = 200) -> None:
        self.path, self.answer, self.status, self.hits = path, answer, status, 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner.hits += 1
                code = owner.status if self.path == owner.path else 404
                body = owner.answer.encode() if code == 200 else b"not here"
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send_one(domain: str) -> SendStatus:
    producer = Producer(unique_name("PID_domain"), timeout=2000)
    producer.set_name_server_domain(domain)
    producer.start()
    try:
        message = Message(unique_name("DomainTopic"))
        message.set_body(b"found through the lookup")
        return producer.send_sync(message).status
    finally:
        producer.shutdown()


def test_full_url_is_used_as_given(rocketmq_namesrv_addr):
    lookup = LookupServer("/cloud/nameservers", "127.0.0.1:1;%s\n" % rocketmq_namesrv_addr)
    try:
        assert send_one("http://127.0.0.1:%d/cloud/nameservers" % lookup.port) == SendStatus.OK
        assert lookup.hits >= 1
    finally:
        lookup.close()


def test_bare_host_and_port_gets_the_java_default_path(rocketmq_namesrv_addr):
    lookup = LookupServer("/rocketmq/nsaddr", rocketmq_namesrv_addr)
    try:
        assert send_one("127.0.0.1:%d" % lookup.port) == SendStatus.OK
    finally:
        lookup.close()


def test_failed_lookup_is_a_clear_error():
    lookup = LookupServer("/rocketmq/nsaddr", "", status=500)
    try:
        with pytest.raises(ProducerSendSyncFailed, match="name server"):
            send_one("http://127.0.0.1:%d/rocketmq/nsaddr" % lookup.port)
    finally:
        lookup.close()
