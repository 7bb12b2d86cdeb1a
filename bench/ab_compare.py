"""Two builds of the client, measured in turns on the same broker.

    python bench/ab_compare.py --namesrv 127.0.0.1:9876 \\
        --a /path/to/old/venv/bin/python --b .venv/bin/python --rounds 5 --modes sync,async,oneway

On a small shared machine one run of a benchmark can differ from the next by
a third (the broker's JIT and garbage collector, other processes). Running
the two builds alternately, A B A B ..., and comparing medians keeps such
drift out of the difference. Prints one table: median msgs/s and client CPU
per message of each build, and the change. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent

# mode name -> (script, arguments); counts as in compare.sh.
MODES: Dict[str, Tuple[str, List[str]]] = {
    "sync": ("bench_producer.py", ["--mode", "sync", "--size", "1024", "--count", "20000"]),
    "async": ("bench_producer.py",
              ["--mode", "async", "--window", "1000", "--size", "1024", "--count", "50000"]),
    "oneway": ("bench_producer.py", ["--mode", "oneway", "--size", "1024", "--count", "100000"]),
    "consume": ("bench_consumer.py", ["--callback", "empty", "--size", "1024", "--count", "100000"]),
    "consume-batch": ("bench_consumer.py", ["--callback", "batch", "--size", "1024", "--count", "100000"]),
}


def run_once(python: str, mode: str, namesrv: str, topic: str, scale: int) -> Dict[str, float]:
    script, arguments = MODES[mode]
    arguments = [str(int(value) // scale) if previous == "--count" else value
                 for previous, value in zip([""] + arguments, arguments)]
    command = [python, str(HERE / script), "--namesrv", namesrv, "--topic", topic, *arguments]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    for line in output.splitlines():
        if line.startswith("RESULT "):
            result: Dict[str, float] = json.loads(line[len("RESULT "):])
            return result
    raise RuntimeError(f"no RESULT line from {' '.join(command)}:\n{output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--namesrv", required=True, help="name server address of the broker to measure on")
    parser.add_argument("--a", required=True, help="interpreter with build A installed (the baseline)")
    parser.add_argument("--b", required=True, help="interpreter with build B installed")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    parser.add_argument("--quick", action="store_true", help="a tenth of the messages")
    args = parser.parse_args()

    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown:
        parser.error(f"unknown modes: {', '.join(unknown)}")
    scale = 10 if args.quick else 1
    run_id = int(time.time())
    samples: Dict[Tuple[str, str], List[Dict[str, float]]] = {}
    for mode in modes:
        # The consumers drain what the producers of the same round stored:
        # each consume round gets a topic of its own, preloaded by the script.
        for round_index in range(args.rounds):
            for build, python in (("A", args.a), ("B", args.b)):
                topic = f"AB{mode.replace('-', '')}{run_id}r{round_index}{build}"
                result = run_once(python, mode, args.namesrv, topic, scale)
                samples.setdefault((mode, build), []).append(result)
                failed = int(result.get("failed", 0))
                note = f" ({failed} sends failed)" if failed else ""
                print(f"{mode:14s} round {round_index + 1} {build}: {result['msgs_per_s']:>9,} msgs/s "
                      f"{result['cpu_us_per_msg']:>7} us/msg{note}", file=sys.stderr, flush=True)

    def median(mode: str, build: str, key: str) -> float:
        return statistics.median(result[key] for result in samples[(mode, build)])

    print()
    print(f"medians of {args.rounds} rounds each, A and B in turns")
    print("| mode | A msgs/s | B msgs/s | A CPU us/msg | B CPU us/msg | CPU change |")
    print("|---|---|---|---|---|---|")
    for mode in modes:
        a_rate, b_rate = median(mode, "A", "msgs_per_s"), median(mode, "B", "msgs_per_s")
        a_cpu, b_cpu = median(mode, "A", "cpu_us_per_msg"), median(mode, "B", "cpu_us_per_msg")
        change = (b_cpu - a_cpu) / a_cpu * 100 if a_cpu else float("nan")
        print(f"| {mode} | {a_rate:,.0f} | {b_rate:,.0f} | {a_cpu:.1f} | {b_cpu:.1f} | {change:+.0f}% |")
    # Rates count sent messages only, but a run with failures measured a
    # struggling broker as much as the client: say so under the table.
    for (mode, build), results in samples.items():
        failures = [int(result.get("failed", 0)) for result in results]
        if any(failures):
            rounds = sum(1 for failure in failures if failure)
            print(f"{mode} {build}: sends failed in {rounds} of {len(failures)} rounds "
                  f"({sum(failures)} in all)")


if __name__ == "__main__":
    main()
