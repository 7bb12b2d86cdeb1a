"""Memory and resource leak check of the client against an embedded cluster.

Three phases, each of which samples the resident set size (VmRSS) after a
warm-up and again at the end, and fails when it grew by more than a limit:

  a) send/consume: one producer sends with send_sync, one push consumer
     receives every message (at most WINDOW unconsumed at a time);
  b) lifecycle: producers, then push consumers, are created, started, shut
     down and destroyed (last reference dropped) over and over; the number of
     threads and of open file descriptors must also come back to where they
     were after the warm-up;
  c) messages: Message objects with body, keys, tags and a property are
     created and dropped.

The name server and broker run in a child process, so the broker's store does
not count in the RSS measured here.

    python scripts/leak_check.py            # full: 10,000 / 2 x 1,000 / 1,000,000
    python scripts/leak_check.py --quick    # for CI: the same checks, fewer cycles
    python scripts/leak_check.py --valgrind # a small run under valgrind --leak-check=full

With --valgrind the script runs itself (tiny profile) under valgrind and fails
when a block "definitely lost" was allocated by our code: librocketmq.so
anywhere on its allocation stack, or the rocketmq extension calling the
allocator itself. Under AddressSanitizer (scripts/sanitize.sh --leak-check) the RSS
limits are not asserted, since the allocator's quarantine holds freed memory
on purpose; LeakSanitizer checks instead, once every phase is over.

Run it with an interpreter that imports the built package, e.g.
``.venv/bin/python scripts/leak_check.py`` or, for the in-place build,
``PYTHONPATH=. .venv/bin/python scripts/leak_check.py``.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

MIB = 1024 * 1024


@dataclass(frozen=True)
class Profile:
    """Cycle counts of one run; limits are in MiB of RSS growth after the warm-up."""

    messages: int  # a) send/consume cycles, warm-up included
    messages_warmup: int
    messages_limit: float
    lifecycles: int  # b) per client kind, warm-up included
    lifecycles_warmup: int
    lifecycles_limit: float
    objects: int  # c) Message objects, warm-up included
    objects_warmup: int
    objects_limit: float


PROFILES: Dict[str, Profile] = {
    "full": Profile(10_000, 1_000, 10.0, 1_000, 100, 10.0, 1_000_000, 100_000, 4.0),
    # Two fifths of the cycles after warm-up (a fifth for c); the limits
    # shrink with them, down to a floor above the noise of a short run (a few
    # hundred KiB: allocator arenas and caches settling).
    "quick": Profile(4_000, 500, 3.0, 400, 50, 3.0, 250_000, 50_000, 2.0),
    # Under valgrind everything is some fifty times slower; only the leak
    # report counts there, not the RSS.
    "tiny": Profile(300, 100, 0.0, 12, 4, 0.0, 20_000, 5_000, 0.0),
}

WINDOW = 200  # a) messages sent but not yet consumed, at most
BODY = b"leak-check " * 20  # 220 bytes


# ----------------------------------------------------------------------------- measurements


def _status_field(name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {name} in /proc/self/status")


def rss_bytes() -> int:
    """Resident set size after a full garbage collection."""
    gc.collect()
    return _status_field("VmRSS") * 1024


def thread_count() -> int:
    return _status_field("Threads")


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def under_asan() -> bool:
    with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
        return any("libasan" in line for line in maps)


def under_valgrind() -> bool:
    return os.environ.get("ROCKETMQ_LEAK_CHECK_VALGRIND") == "1"


def settle(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Waits until ``predicate()`` holds (threads exit and sockets close asynchronously)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


@dataclass
class Result:
    name: str
    cycles: int
    seconds: float
    warm_rss: int
    end_rss: int
    limit_mib: float
    problems: List[str]

    @property
    def growth(self) -> int:
        return self.end_rss - self.warm_rss

    def report(self, assert_rss: bool) -> str:
        per_cycle = self.growth / max(1, self.cycles)
        verdict = "FAIL" if self.failed(assert_rss) else "ok"
        limit = f"limit {self.limit_mib:.1f} MiB" if assert_rss else "not asserted"
        text = (
            f"{self.name}: {self.cycles} cycles in {self.seconds:.1f} s; RSS after warm-up "
            f"{self.warm_rss / MIB:.1f} MiB, at the end {self.end_rss / MIB:.1f} MiB, growth "
            f"{self.growth / MIB:+.2f} MiB ({per_cycle:+.0f} B/cycle; {limit}) -> {verdict}"
        )
        return "\n".join([text] + [f"  {problem}" for problem in self.problems])

    def failed(self, assert_rss: bool) -> bool:
        return bool(self.problems) or (assert_rss and self.growth > self.limit_mib * MIB)


def trace(message: str) -> None:
    print(message, flush=True)


# ----------------------------------------------------------------------------- the cluster


def _serve_cluster(connection: Any) -> None:
    """Child process: an embedded cluster until the parent says stop (or goes away)."""
    from rocketmq.testing.server import EmbeddedCluster

    with EmbeddedCluster() as cluster:
        connection.send(cluster.namesrv_addr)
        try:
            connection.recv()
        except EOFError:
            pass


class ClusterProcess:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(target=_serve_cluster, args=(child_end,), daemon=True)

    def __enter__(self) -> str:
        self._process.start()
        if not self._connection.poll(60):
            raise RuntimeError("the embedded cluster did not start within 60 s")
        address: str = self._connection.recv()
        return address

    def __exit__(self, *exc: object) -> None:
        try:
            self._connection.send("stop")
        except OSError:
            pass
        self._process.join(15)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


# ----------------------------------------------------------------------------- the phases


class Counter:
    """Distinct message numbers a consumer has seen.

    One flag per message, allocated up front: a set of the numbers would grow
    with the run and count as a leak of its own.
    """

    def __init__(self, total: int) -> None:
        self._lock = threading.Lock()
        self._seen = bytearray(total)
        self._count = 0

    def __call__(self, message: Any) -> Any:
        from rocketmq.client import ConsumeStatus

        number = int(message.keys)
        with self._lock:
            if not self._seen[number]:
                self._seen[number] = 1
                self._count += 1
        return ConsumeStatus.CONSUME_SUCCESS

    def count(self) -> int:
        with self._lock:
            return self._count


def phase_send_consume(namesrv: str, profile: Profile) -> Result:
    from rocketmq.client import ConsumeFromWhere, Message, Producer, PushConsumer

    topic, group = "LeakCheckTopic", "CID_leak_check"
    producer = Producer("PID_leak_check")
    producer.set_name_server_address(namesrv)
    producer.start()
    counter = Counter(profile.messages)
    consumer = PushConsumer(group)
    consumer.set_name_server_address(namesrv)
    consumer.set_thread_count(2)
    consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    consumer.subscribe(topic, counter)
    consumer.start()
    problems: List[str] = []
    warm_rss = 0
    start = time.monotonic()
    try:
        for number in range(profile.messages):
            if number == profile.messages_warmup:
                if not settle(lambda: counter.count() >= number, 60):
                    problems.append(f"only {counter.count()} of {number} messages consumed in warm-up")
                    break
                warm_rss = rss_bytes()
                start = time.monotonic()
            if number - counter.count() >= WINDOW and not settle(
                lambda: number - counter.count() < WINDOW, 60
            ):
                problems.append(f"consumer stalled at {counter.count()} of {number} messages")
                break
            message = Message(topic, BODY, keys=str(number), tags="leak")
            producer.send_sync(message)
            message.close()
            if number and number % max(1, profile.messages // 10) == 0:
                trace(f"  a) {number} sent, {counter.count()} consumed, RSS {rss_bytes() / MIB:.1f} MiB")
        if not problems and not settle(lambda: counter.count() >= profile.messages, 60):
            problems.append(f"only {counter.count()} of {profile.messages} messages consumed")
        end_rss = rss_bytes()
        seconds = time.monotonic() - start
    finally:
        consumer.shutdown()
        producer.shutdown()
    return Result(
        "a) send/consume", profile.messages - profile.messages_warmup, seconds, warm_rss, end_rss,
        profile.messages_limit, problems,
    )


def _lifecycle_once(kind: str, namesrv: str, number: int) -> None:
    import weakref

    from rocketmq.client import ConsumeStatus, Producer, PushConsumer

    client: Any
    if kind == "producer":
        client = Producer("PID_leak_check_lifecycle")
    else:
        client = PushConsumer("CID_leak_check_lifecycle")
        client.set_thread_count(2)
        client.subscribe("LeakCheckLifecycleTopic", lambda message: ConsumeStatus.CONSUME_SUCCESS)
    client.set_name_server_address(namesrv)
    client.start()
    client.shutdown()
    native = client._client
    alive = weakref.ref(client)
    del client  # destroy: the last reference goes, the finalizer frees the C handle
    if alive() is not None:
        gc.collect()
    if alive() is not None or native.handle is not None:
        raise RuntimeError(f"{kind} {number}: C handle not destroyed when its last reference went")


def phase_lifecycle(kind: str, namesrv: str, profile: Profile) -> Result:
    problems: List[str] = []
    warm_rss = warm_threads = warm_fds = 0
    start = time.monotonic()
    for number in range(profile.lifecycles):
        if number == profile.lifecycles_warmup:
            time.sleep(0.5)  # let the last warm-up client's sockets close
            warm_rss, warm_threads, warm_fds = rss_bytes(), thread_count(), fd_count()
            start = time.monotonic()
        _lifecycle_once(kind, namesrv, number)
        if number and number % max(1, profile.lifecycles // 5) == 0:
            trace(
                f"  b) {number} {kind}s, RSS {rss_bytes() / MIB:.1f} MiB, "
                f"{thread_count()} threads, {fd_count()} fds"
            )
    seconds = time.monotonic() - start
    if not settle(lambda: thread_count() <= warm_threads, 10):
        problems.append(f"threads: {warm_threads} after warm-up, {thread_count()} at the end")
    if not settle(lambda: fd_count() <= warm_fds, 10):
        problems.append(f"open fds: {warm_fds} after warm-up, {fd_count()} at the end")
    end_rss = rss_bytes()
    return Result(
        f"b) {kind} create/start/shutdown/destroy", profile.lifecycles - profile.lifecycles_warmup,
        seconds, warm_rss, end_rss, profile.lifecycles_limit, problems,
    )


def phase_messages(profile: Profile) -> Result:
    from rocketmq.client import Message

    text = Union[str, bytes]
    properties: Mapping[text, text] = {"region": "eu-west", "trace": "0123456789abcdef"}
    warm_rss = 0
    start = time.monotonic()
    for number in range(profile.objects):
        if number == profile.objects_warmup:
            warm_rss = rss_bytes()
            start = time.monotonic()
        Message("LeakCheckTopic", BODY, keys="order-%d" % number, tags="created", properties=properties)
    seconds = time.monotonic() - start
    end_rss = rss_bytes()
    return Result(
        "c) Message objects", profile.objects - profile.objects_warmup, seconds, warm_rss, end_rss,
        profile.objects_limit, [],
    )


def run_phases(profile: Profile, phases: str, assert_rss: bool) -> int:
    results: List[Result] = []
    began = time.monotonic()
    if "c" in phases:
        trace(f"c) {profile.objects} Message objects ({profile.objects_warmup} of warm-up)")
        results.append(phase_messages(profile))
        trace(results[-1].report(assert_rss))
    if "a" in phases or "b" in phases:
        with ClusterProcess() as namesrv:
            trace(f"cluster: name server {namesrv} (child process)")
            if "a" in phases:
                trace(f"a) {profile.messages} send/consume cycles ({profile.messages_warmup} of warm-up)")
                results.append(phase_send_consume(namesrv, profile))
                trace(results[-1].report(assert_rss))
            if "b" in phases:
                for kind in ("producer", "consumer"):
                    trace(f"b) {profile.lifecycles} {kind} lifecycles "
                          f"({profile.lifecycles_warmup} of warm-up)")
                    results.append(phase_lifecycle(kind, namesrv, profile))
                    trace(results[-1].report(assert_rss))
    failed = [result for result in results if result.failed(assert_rss)]
    passed = len(results) - len(failed)
    trace(f"total {time.monotonic() - began:.1f} s; {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


# ----------------------------------------------------------------------------- valgrind

_RECORD = re.compile(r"^==\d+== ([\d,]+) (?:\([\d,]+ direct, [\d,]+ indirect\) )?bytes in ([\d,]+) blocks "
                     r"are definitely lost in loss record")
_FRAME = re.compile(r"^==\d+==\s+(?:at|by) 0x[0-9A-F]+: (.*)$")
_CORE = "librocketmq.so"
_EXTENSION = ("rocketmq/_native", "_native.abi3.so")
_ALLOCATORS = re.compile(r"^(malloc|calloc|realloc|operator new(\[\])?|aligned_alloc|posix_memalign) ")


def _ours(frames: List[str]) -> bool:
    """A block is ours when the core is anywhere on its allocation stack, or the
    extension itself called the allocator (cffi's own module set-up, which runs
    below the extension's PyInit, is not)."""
    if any(_CORE in frame for frame in frames):
        return True
    callers = [frame for frame in frames if not _ALLOCATORS.match(frame)]
    return bool(callers) and any(marker in callers[0] for marker in _EXTENSION)


def parse_valgrind(log: str) -> Tuple[int, int, List[str]]:
    """Bytes definitely lost in all, bytes of those allocated by our code, and those records."""
    total = ours = 0
    records: List[str] = []
    lines = log.splitlines()
    for index, line in enumerate(lines):
        match = _RECORD.match(line)
        if not match:
            continue
        size = int(match.group(1).replace(",", ""))
        total += size
        frames = []
        for follow in lines[index + 1:]:
            frame = _FRAME.match(follow)
            if not frame:
                break
            frames.append(frame.group(1))
        if _ours(frames):
            ours += size
            records.append("\n".join([line] + ["    " + frame for frame in frames]))
    return total, ours, records


def run_under_valgrind(phases: str) -> int:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        trace("valgrind not found (apt-get install -y valgrind)")
        return 2
    log_path = os.path.join(tempfile.mkdtemp(prefix="rocketmq-valgrind."), "valgrind.log")
    command = [
        valgrind, "--leak-check=full", "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
        "--num-callers=40", f"--log-file={log_path}",
        sys.executable, os.path.abspath(__file__), "--profile", "tiny", "--phases", phases,
    ]
    # PYTHONMALLOC=malloc: every Python object through malloc, so valgrind
    # sees (and can trace pointers through) all of them.
    env = dict(os.environ, PYTHONMALLOC="malloc", ROCKETMQ_LEAK_CHECK_VALGRIND="1")
    trace("running: " + " ".join(command))
    start = time.monotonic()
    status = subprocess.call(command, env=env)
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        log = fh.read()
    total, ours, records = parse_valgrind(log)
    summary = [line.split("== ", 1)[1] for line in log.splitlines()
               if re.match(r"^==\d+==\s+(definitely|indirectly|possibly) lost:|^==\d+== ERROR SUMMARY", line)]
    trace(f"valgrind run: {time.monotonic() - start:.0f} s, exit status {status}; log {log_path}")
    for line in summary:
        trace("  " + line.strip())
    trace(f"definitely lost: {total} bytes in all, {ours} bytes allocated by librocketmq or the extension")
    for record in records:
        trace(record)
    return 1 if ours or status != 0 else 0


# ----------------------------------------------------------------------------- main


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer cycles, for CI (well under a minute)")
    mode.add_argument("--profile", choices=sorted(PROFILES), help="cycle counts and limits by name")
    mode.add_argument("--valgrind", action="store_true", help="a tiny run under valgrind --leak-check=full")
    parser.add_argument("--phases", default="abc", help="which of a, b, c to run (default: all)")
    args = parser.parse_args(argv)
    phases = "".join(sorted(set(args.phases) & set("abc")))
    if not phases:
        parser.error("--phases: give some of a, b, c")
    if args.valgrind:
        return run_under_valgrind(phases)
    name = args.profile or ("quick" if args.quick else "full")
    profile = PROFILES[name]
    assert_rss = name != "tiny" and not under_valgrind()
    if under_asan():
        trace("AddressSanitizer is loaded: RSS limits are not asserted (LeakSanitizer checks at the end)")
        assert_rss = False
    import rocketmq

    package = os.path.dirname(rocketmq.__file__)
    trace(f"profile {name}; rocketmq from {package}; python {sys.version.split()[0]}")
    status = run_phases(profile, phases, assert_rss)
    if under_asan():
        # Every client is destroyed by now: LeakSanitizer checks here, with the
        # interpreter intact (scripts/sanitize.sh turns the exit-time check off).
        # On a leak it reports and ends the process with a non-zero status.
        import ctypes

        gc.collect()
        ctypes.CDLL(None).__lsan_do_leak_check()
        trace("LeakSanitizer: no leaks")
    return status


if __name__ == "__main__":
    sys.exit(main())
