"""Smoke test of an installed rocketmq-cffi wheel: send and consume for real.

    python wheels/smoke_test.py

Starts the embedded name server + broker on loopback, sends small messages
and one large compressible body (the core compresses bodies from 4 KiB on
and the consumer inflates them, so the bundled zlib works both ways), then
consumes them all with a push consumer and compares, and reads the group's
offsets back with ``python -m rocketmq offsets``. Exits non-zero on any
mismatch or timeout.

Run it from a directory outside the source tree: a ``rocketmq/`` folder
next to the working directory would shadow the installed package. The test
refuses to run against the sources for that reason.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time

import rocketmq
from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, ReceivedMessage
from rocketmq.testing import EmbeddedCluster

TOPIC = "WheelSmokeTopic"
SMALL_MESSAGES = 20
LARGE_BODY = b"rocketmq-cffi wheel smoke test " * 4096  # ~120 KiB, compresses well
TIMEOUT = 60.0


def installed_package_dir() -> str:
    package_dir = os.path.dirname(os.path.abspath(rocketmq.__file__))
    if "site-packages" not in package_dir and "dist-packages" not in package_dir:
        raise SystemExit(f"rocketmq was imported from {package_dir}, not from an installed wheel")
    return package_dir


def check_command_line(namesrv: str, sent: int) -> None:
    """The command line and the admin client behind it: the consumer committed everything."""
    command = [sys.executable, "-m", "rocketmq", "offsets", TOPIC, "--group", "WheelSmokeConsumer", "--json",
               "--namesrv", namesrv]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    if result.returncode != 0:
        raise SystemExit(f"python -m rocketmq offsets failed ({result.returncode}): {result.stderr.strip()}")
    total = json.loads(result.stdout)["total"]
    if total != {"brokerOffset": sent, "consumerOffset": sent, "lag": 0}:
        raise SystemExit(f"python -m rocketmq offsets reports {total} after {sent} messages were consumed")


def main() -> int:
    started = time.monotonic()
    package_dir = installed_package_dir()
    libc = " ".join(platform.libc_ver()) or "unknown libc"
    print(f"python {platform.python_version()} ({libc}); rocketmq from {package_dir}")
    bundled = os.path.join(package_dir, "_lib", "librocketmq.so")
    if not os.path.isfile(bundled):
        raise SystemExit(f"the wheel carries no {bundled}")

    expected = {f"key-{index}": f"small body {index}".encode() for index in range(SMALL_MESSAGES)}
    expected["key-large"] = LARGE_BODY
    received = {}
    lock = threading.Lock()
    all_received = threading.Event()

    def on_message(message: ReceivedMessage) -> ConsumeStatus:
        with lock:
            received[message.keys.decode()] = message.body
            if len(received) >= len(expected):
                all_received.set()
        return ConsumeStatus.CONSUME_SUCCESS

    with EmbeddedCluster() as cluster:
        producer = Producer("WheelSmokeProducer")
        producer.set_name_server_address(cluster.namesrv_addr)
        producer.start()
        try:
            for key, body in expected.items():
                message = Message(TOPIC)
                message.set_keys(key)
                message.set_tags("smoke")
                message.set_body(body)
                result = producer.send_sync(message)
                if result.status.name != "OK":
                    raise SystemExit(f"send of {key} returned {result.status.name}")
        finally:
            producer.shutdown()

        consumer = PushConsumer("WheelSmokeConsumer")
        consumer.set_name_server_address(cluster.namesrv_addr)
        consumer.subscribe(TOPIC, on_message)
        consumer.start()
        try:
            if not all_received.wait(TIMEOUT):
                raise SystemExit(f"consumed {len(received)} of {len(expected)} messages in {TIMEOUT:.0f}s")
        finally:
            consumer.shutdown()
        check_command_line(cluster.namesrv_addr, len(expected))

    wrong = sorted(key for key, body in expected.items() if received.get(key) != body)
    if wrong:
        raise SystemExit(f"bodies differ for {', '.join(wrong)}")
    print(f"ok: {len(expected)} messages sent and consumed (one of {len(LARGE_BODY)} bytes, compressed), "
          f"offsets read back with python -m rocketmq, in {time.monotonic() - started:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
