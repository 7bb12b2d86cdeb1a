"""``python -m rocketmq doctor``: what is installed, and whether a name server answers."""

from __future__ import annotations

import json
import platform
import sys
import time
from typing import Optional, TextIO

from . import __version__

# The topic the Java client's producers fall back on for new topics: a name
# server with auto-created topics knows its route.
DEFAULT_PROBE_TOPIC = "TBW102"
GET_ROUTEINFO_BY_TOPIC = 105
_RESPONSE_NAMES = {0: "SUCCESS", 1: "SYSTEM_ERROR", 16: "NO_PERMISSION", 17: "TOPIC_NOT_EXIST"}


def probe_name_server(addr: str, topic: str, timeout: float) -> str:
    """One route query to ``addr``; a line describing the answer. Raises OSError/TimeoutError."""
    from .testing.client import RemotingClient
    from .testing.remoting import ProtocolError

    started = time.monotonic()
    try:
        with RemotingClient(addr) as client:
            response = client.request(GET_ROUTEINFO_BY_TOPIC, {"topic": topic}, timeout=timeout)
    except ProtocolError as exc:
        raise OSError(f"answered with bytes that are not a remoting frame: {exc}") from exc
    elapsed_ms = (time.monotonic() - started) * 1000
    name = _RESPONSE_NAMES.get(response.code, f"code {response.code}")
    detail = f"{name} for topic {topic}"
    if response.code == 0:
        detail += _describe_route(response.body)
    return f"answers in {elapsed_ms:.1f} ms: {detail}"


def _describe_route(body: bytes) -> str:
    try:
        route = json.loads(body)
        brokers = sorted(broker["brokerName"] for broker in route.get("brokerDatas", []))
    except (ValueError, KeyError, TypeError, AttributeError):
        # A Java name server may write map keys unquoted: not JSON for Python.
        return f" ({len(body)} bytes of route data)"
    return f", brokers: {', '.join(brokers) or 'none'}"


def run(namesrv: Optional[str], topic: str, timeout: float, out: TextIO = sys.stdout) -> int:
    """Print the report; 0 when everything asked about works, 1 otherwise."""
    status = 0
    print(f"rocketmq-cffi {__version__}", file=out)
    print(f"python: {platform.python_implementation()} {platform.python_version()} "
          f"on {platform.system()} {platform.machine()} ({sys.executable})", file=out)
    try:
        from . import _bindings
    except ImportError as exc:
        print(f"core library: cannot be loaded: {exc}", file=out)
        return 1
    lib, ffi = _bindings.lib, _bindings.ffi
    print(f"core library: {_bindings.core_library_path()}", file=out)
    print(f"core version: {ffi.string(lib.GetRocketMQCffiVersion()).decode()}", file=out)
    print(f"C ABI level: {lib.GetRocketMQCffiAbiLevel()} (extension built for {lib.ROCKETMQ_CFFI_ABI_LEVEL})",
          file=out)
    print(f"core log file: {_bindings.py_string(lib.GetRocketMQLogFilePath()) or 'routed to Python logging'}",
          file=out)
    if namesrv:
        for addr in filter(None, (part.strip() for part in namesrv.split(";"))):
            try:
                line = probe_name_server(addr, topic, timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                line = f"does not answer: {exc}"
                status = 1
            print(f"name server {addr}: {line}", file=out)
    return status
