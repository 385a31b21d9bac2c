#!/usr/bin/env bash
# Instruction counts of the packet path (issue 20) under callgrind, beside JD's SDK 2.0.19.
#
#   benches/callgrind.sh            # soft AES (RUSTFLAGS='--cfg aes_backend="soft"'), check the baseline
#   benches/callgrind.sh --update   # the same, and rewrite benches/callgrind-baseline.txt
#   AES=ni benches/callgrind.sh     # the default build (AES-NI, which valgrind emulates); no check
#   CPUBITS=32 benches/callgrind.sh # soft AES with 32-bit words (a Cortex-M4's fixslice); no check
#   SOFT=compact benches/callgrind.sh  # soft AES, RustCrypto's compact (semi-fixsliced) variant; no check
#   PREPARED=on benches/callgrind.sh   # the session machines keep keys prepared (joylink-session's
#                                      # `joylink_prepared_keys` cfg; on by default on 32-bit targets); no check
#   CRC=simd AES=ni benches/callgrind.sh  # a server's real path: joylink-wire's `std` (the `crc-fast`
#                                      # carry-less-multiply CRC16, which valgrind emulates); no check
#
# Builds the `icount` binary (crate joylink-icount, release profile: lto, cgu=1) in its own target
# directory, runs it at N and N/10 under `valgrind --tool=callgrind --toggle-collect` on each
# case's function, and prints per-op = (Ir(N) - Ir(N/10)) / (0.9 N): set-up and first-call costs
# cancel out, and the counts repeat exactly from run to run, unlike wall time on a loaded machine.
# The soft run fails (exit 1) when a case takes more than 5 % over benches/callgrind-baseline.txt.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
baseline="$here/callgrind-baseline.txt"
aes="${AES:-soft}"
n="${N:-1000}"
update=0
[[ "${1:-}" == "--update" ]] && update=1

command -v valgrind >/dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 2; }

flags=""
if [[ "$aes" == soft ]]; then flags='--cfg aes_backend="soft"'; fi
if [[ -n "${CPUBITS:-}" ]]; then flags="$flags --cfg cpubits=\"$CPUBITS\""; fi
if [[ -n "${SOFT:-}" ]]; then flags="$flags --cfg aes_backend_soft=\"$SOFT\""; fi
if [[ -n "${PREPARED:-}" ]]; then flags="$flags --cfg joylink_prepared_keys=\"$PREPARED\""; fi
features=""
if [[ "${CRC:-}" == simd ]]; then features="--features std"; fi
variant="$aes${CPUBITS:-}${SOFT:+-$SOFT}${PREPARED:+-prepared-$PREPARED}${CRC:+-crc-$CRC}"
target="${CARGO_TARGET_DIR:-$root/target}/callgrind-$variant"
echo "building icount ($variant: RUSTFLAGS='$flags') in $target" >&2
(cd "$root" && RUSTFLAGS="$flags" CARGO_TARGET_DIR="$target" \
    cargo build --quiet --release -p joylink-icount --bin icount $features)
bin="$target/release/icount"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
count() { # $1 = N; prints "case inclusive-Ir" lines
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
        --toggle-collect='*icount::case_*' "$bin" "$1" >/dev/null 2>"$tmp/log.$1"
    callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.$1" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) .*icount::case_\([A-Za-z0-9_]*\) .*/\2 \1/p' | tr -d ,
}
count "$n" | sort >"$tmp/big"
count "$((n / 10))" | sort >"$tmp/small"

# JD SDK 2.0.19 built from its C source, gcc -O2, CRC checked (measured on this machine), for the "ours" cases.
declare -A sdk=(
    [lan_open_64]=5585 [lan_open_256]=19781 [lan_open_1024]=76160
    [lan_seal_64]=4536 [lan_seal_256]=18781 [lan_seal_1024]=76011
    [wan_heartbeat_build]=2143 [wan_type11_open_256]=19754 [crc16_256]=4375
)
declare -A base=()
if [[ -f "$baseline" ]]; then
    while read -r c v; do [[ -n "$c" && "$c" != \#* ]] && base[$c]=$v; done <"$baseline"
fi

join "$tmp/big" "$tmp/small" >"$tmp/joined"
[[ -s "$tmp/joined" ]] || { echo "no counts: see $tmp/log.$n" >&2; cat "$tmp/log.$n" >&2; exit 2; }
printf '%-44s %10s %10s %8s %8s\n' case "Ir/op" baseline "vs base" "vs SDK"
fail=0
: >"$tmp/new"
while read -r c big small; do
    per=$(( (big - small) * 10 / (9 * n) ))
    echo "$c $per" >>"$tmp/new"
    b="${base[$c]:-}"
    vs="-"
    if [[ -n "$b" && "$b" -gt 0 ]]; then
        vs=$(awk -v a="$per" -v b="$b" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }')
        if [[ "$aes" == soft && -z "${CPUBITS:-}${SOFT:-}${PREPARED:-}${CRC:-}" ]] && (( per * 100 > b * 105 )); then
            vs="$vs !"
            fail=1
        fi
    fi
    op="${c%%__*}"
    who="${c#*__}"
    s="-"
    if [[ "$who" == ours* || "$who" == picked ]] && [[ -n "${sdk[$op]:-}" ]]; then
        s=$(awk -v a="$per" -v b="${sdk[$op]}" 'BEGIN { printf "%.2fx", a / b }')
    fi
    printf '%-44s %10d %10s %8s %8s\n' "$c" "$per" "${b:--}" "$vs" "$s"
done <"$tmp/joined"

if (( update )); then
    { echo "# benches/callgrind.sh --update: Ir per op, soft AES (u64 fixslice), portable CRC (slice16)"
      cat "$tmp/new"; } >"$baseline"
    echo "baseline written: $baseline" >&2
elif (( fail )); then
    echo "instruction count regressed more than 5 % (marked !) against $baseline" >&2
    exit 1
fi
