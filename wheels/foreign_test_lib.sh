# Sourced by the scripts that run a wheel on a foreign machine or C library
# (aarch64_qemu_test.sh, musl_python_test.sh): their --workdir option and
# how they log and time each step. The sourcing script sets work_dir (its
# default cache folder) first.

script_name=$(basename "$0")

usage() { echo "usage: $0 [--workdir DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --workdir) [ $# -ge 2 ] || usage; work_dir=$2; shift 2 ;;
        --workdir=*) work_dir=${1#--workdir=}; shift ;;
        *) usage ;;
    esac
done

die() { printf '%s: %s\n' "$script_name" "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
timings=()
timed() {
    # timed LABEL COMMAND...: run it, print it first, remember how long it took.
    local label=$1 start
    shift
    log "$label: $*"
    start=$(now)
    "$@"
    timings+=("$(printf '%-34s %7ss' "$label" "$(elapsed "$start")")")
}
