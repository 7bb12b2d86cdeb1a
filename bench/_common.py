"""What every benchmark shares: arguments, the cluster, latency stats, RSS."""

from __future__ import annotations

import argparse
import array
import contextlib
import json
import re
import resource
import subprocess
import sys
import threading
from typing import Iterator, Optional

READY_PATTERN = re.compile(r"namesrv (\S+:\d+)")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--namesrv", help="name server address host:port (default: start an embedded one)")
    parser.add_argument("--topic", default="BenchTopic")
    parser.add_argument("--size", type=int, default=128, help="message body size in bytes")
    parser.add_argument("--count", type=int, default=20000, help="messages in total")
    parser.add_argument("--threads", type=int, default=1)


@contextlib.contextmanager
def embedded_cluster_or_address(namesrv: Optional[str]) -> Iterator[str]:
    """Yields `namesrv`, or the address of an embedded cluster in a child process."""
    if namesrv:
        yield namesrv
        return
    child = subprocess.Popen(
        [sys.executable, "-m", "rocketmq.testing", "--port", "0", "--broker-port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ready_line = child.stdout.readline()
        match = READY_PATTERN.search(ready_line)
        if not match:
            raise RuntimeError(f"embedded cluster did not start: {ready_line!r}")
        print(f"# embedded cluster: {ready_line.strip()}", flush=True)
        yield match.group(1)
    finally:
        child.terminate()
        child.wait(timeout=10)


class LatencyRecorder:
    """Thread-safe list of latencies in seconds.

    Kept as raw doubles, not float objects: a list of half a million floats
    is 16 MB of the benchmark's own in the peak RSS it reports."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples = array.array("d")

    def add(self, seconds: float) -> None:
        with self._lock:
            self._samples.append(seconds)

    def percentile_ms(self, fraction: float) -> float:
        with self._lock:
            ordered = sorted(self._samples)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
        return ordered[index] * 1000.0

    def __len__(self) -> int:
        with self._lock:
            return len(self._samples)


def process_cpu_seconds() -> float:
    """User + system CPU time of this process (all threads, the core's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def print_report(title: str, messages: int, elapsed: float, latencies: LatencyRecorder, latency_label: str,
                 rss_mib: float, cpu_seconds: float, failed: int = 0) -> None:
    rate = messages / elapsed if elapsed > 0 else float("nan")
    print(title)
    print(f"  messages      {messages}")
    print(f"  elapsed       {elapsed:.3f} s")
    print(f"  throughput    {rate:,.0f} msgs/s")
    print(f"  {latency_label:<13} p50 {latencies.percentile_ms(0.50):.3f} ms  "
          f"p99 {latencies.percentile_ms(0.99):.3f} ms  max {latencies.percentile_ms(1.0):.3f} ms")
    # Against the embedded (pure Python) broker the broker is the bottleneck;
    # the client's own CPU cost per message is what this client controls.
    print(f"  client CPU    {cpu_seconds * 1e6 / max(messages, 1):.1f} us/msg "
          f"({cpu_seconds / elapsed * 100 if elapsed > 0 else 0:.0f}% of one core)")
    print(f"  peak RSS      {rss_mib:.1f} MiB")
    if failed:
        print(f"  failed        {failed}")
    # One machine-readable line for bench/compare.sh.
    print("RESULT " + json.dumps({
        "title": title, "messages": messages, "msgs_per_s": round(rate),
        "cpu_us_per_msg": round(cpu_seconds * 1e6 / max(messages, 1), 1),
        "p50_ms": round(latencies.percentile_ms(0.50), 3), "p99_ms": round(latencies.percentile_ms(0.99), 3),
        "peak_rss_mib": round(rss_mib, 1), "failed": failed,
    }), flush=True)
