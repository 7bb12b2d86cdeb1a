"""Session credentials: every request carries an ACL signature the broker can verify."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import struct
import threading

import pytest
from _helpers import unique_name

from rocketmq.client import Message, Producer
from rocketmq.exceptions import ProducerSendSyncFailed


def read_frame(conn: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    (length,) = struct.unpack(">I", exactly(4))
    return exactly(length)


def capture_first_request(listener: socket.socket, captured: dict) -> None:
    conn, _ = listener.accept()
    with conn:
        frame = read_frame(conn)
        (mark,) = struct.unpack(">I", frame[:4])
        header_length = mark & 0xFFFFFF
        captured["header"] = json.loads(frame[4:4 + header_length])
        captured["body"] = frame[4 + header_length:]


def expected_signature(ext_fields: dict, body: bytes, secret: str) -> str:
    """PlainAccessValidator's rule: values of every field but Signature, sorted by key, then the body."""
    content = "".join(value for key, value in sorted(ext_fields.items()) if key != "Signature").encode()
    digest = hmac.new(secret.encode(), content + body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def test_requests_are_signed_as_the_acl_hook_signs_them():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    captured: dict = {}
    server = threading.Thread(target=capture_first_request, args=(listener, captured), daemon=True)
    server.start()

    producer = Producer(unique_name("PID_acl"), timeout=1000)
    producer.set_name_server_address("127.0.0.1:%d" % listener.getsockname()[1])
    producer.set_session_credentials("myAccessKey", "mySecretKey", "ALIYUN")
    producer.start()
    try:
        message = Message(unique_name("AclTopic"))
        message.set_body(b"body")
        with pytest.raises(ProducerSendSyncFailed):
            producer.send_sync(message)  # the fake name server never answers
    finally:
        producer.shutdown()
        listener.close()
    server.join(5)

    fields = captured["header"]["extFields"]
    assert fields["AccessKey"] == "myAccessKey"
    assert fields["OnsChannel"] == "ALIYUN"
    assert "SecretKey" not in fields and "mySecretKey" not in json.dumps(captured["header"])
    assert fields["Signature"] == expected_signature(fields, captured["body"], "mySecretKey")
    assert fields["Signature"] != expected_signature(fields, captured["body"], "anotherSecret")
