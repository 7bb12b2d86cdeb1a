#!/usr/bin/env bash
# Every benchmark mode back to back, one table at the end.
#
#   bash bench/compare.sh [--namesrv host:port] [--quick] [--soak]
#
# Without --namesrv each benchmark starts the embedded broker in a child
# process. PYTHON picks the interpreter (default: .venv/bin/python), so two
# builds can be compared on the same broker:
#   PYTHON=/path/to/other/venv/bin/python bash bench/compare.sh --namesrv 127.0.0.1:9876
# --quick runs a tenth of the messages; --soak adds a 500,000-message consume
# soak whose peak RSS is the figure to watch.
# These are measurements, not tests: nothing here fails on a slow machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
namesrv_args=()
scale=1
soak=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --namesrv) namesrv_args=(--namesrv "$2"); shift 2 ;;
    --quick) scale=10; shift ;;
    --soak) soak=1; shift ;;
    *) echo "usage: $0 [--namesrv host:port] [--quick] [--soak]" >&2; exit 2 ;;
  esac
done

run_id="$(date +%s)"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT

# name | command line (after the script); counts are divided by the scale.
run() {
  local name="$1" script="$2"
  shift 2
  echo "== $name" >&2
  "$python" "$here/$script" "${namesrv_args[@]}" "$@" | tee /dev/stderr \
    | sed -n "s/^RESULT /$name\t/p" >> "$results"
}

run "send_sync 1 thread" bench_producer.py --mode sync --size 1024 --count $((20000 / scale)) \
  --topic "CompareSync$run_id"
run "send_async 1000 in flight" bench_producer.py --mode async --window 1000 --size 1024 \
  --count $((50000 / scale)) --topic "CompareAsync$run_id"
run "send_oneway" bench_producer.py --mode oneway --size 1024 --count $((100000 / scale)) \
  --topic "CompareOneway$run_id"
run "consume, empty callback" bench_consumer.py --callback empty --size 1024 --threads 1 \
  --count $((100000 / scale)) --topic "CompareConsume$run_id"
# subscribe_batch is newer than some builds this compares: a failure is a missing row, not the end.
run "consume, batch callback" bench_consumer.py --callback batch --size 1024 --threads 1 \
  --count $((100000 / scale)) --topic "CompareBatch$run_id" || echo "(batch callback not available)" >&2
if [ "$soak" = 1 ]; then
  run "consume soak 500k" bench_consumer.py --callback empty --size 1024 --threads 1 \
    --count $((500000 / scale)) --topic "CompareSoak$run_id" --timeout 600
fi

"$python" - "$results" <<'EOF'
import json
import sys

rows = []
with open(sys.argv[1], encoding="utf-8") as results:
    for line in results:
        name, _, data = line.rstrip("\n").partition("\t")
        rows.append((name, json.loads(data)))
print()
print("| mode | msgs/s | client CPU us/msg | p50 ms | p99 ms | peak RSS MiB |")
print("|---|---|---|---|---|---|")
for name, r in rows:
    latency = ("-", "-") if r["p50_ms"] != r["p50_ms"] else (f"{r['p50_ms']:.3f}", f"{r['p99_ms']:.3f}")
    print(f"| {name} | {r['msgs_per_s']:,} | {r['cpu_us_per_msg']} | {latency[0]} | {latency[1]} "
          f"| {r['peak_rss_mib']} |")
EOF
