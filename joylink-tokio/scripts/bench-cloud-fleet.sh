#!/usr/bin/env bash
# One `joylink cloud` and one `joylink fleet` on loopback: server RSS per connection, heartbeats
# handled per CPU-second of the server, the fleet's heartbeat round trips.
# Usage: bench-cloud-fleet.sh N DURATION_SECS [PORT]   (release build: cargo build --release -p joylink-cli)
# Environment:
#   WORKERS=W  the server's runtime: `joylink cloud --workers W` (0: current_thread; default: as
#              `joylink cloud`); the echo reference uses the same
#   FLEET_WORKERS=W  the fleet's runtime (`joylink fleet --workers W`); the echo reference's client
#              always runs on one `current_thread` runtime, so FLEET_WORKERS=0 loads both servers alike
#   HB_MS=T    heartbeat interval in ms (default 1000), for the fleet and the echo client alike:
#              below 1000 it offers N * 1000 / T heartbeats per second, to measure the server
#              busy rather than mostly asleep
#   PERF=1     `perf record -g` the server over the steady window (/tmp/bench-cloud.perf.data)
#   STRACE=1   `strace -c -f` the server for 5 s of the window (/tmp/bench-cloud.strace; it slows
#              the server down: do not read the CPU figures of that run)
#   ECHO=1     afterwards, the same N connections and interval against a minimal tokio echo server
#              (`cargo build --release -p joylink-tokio --example echo_ref`) answering each
#              message with one recvfrom + one sendto of a heartbeat's sizes: the ceiling a
#              server doing a heartbeat's two system calls reaches on this machine ("echo" in the
#              output)
set -euo pipefail
N=$1; D=$2; PORT=${3:-17100}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/joylink}
ulimit -n $(( N * 2 + 1000 )) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
TICK=$(getconf CLK_TCK)
rss() { awk '/^VmRSS:/ {print $2}' /proc/$1/status; }          # KiB
hbs() { grep -ao "heartbeats [0-9]*" /tmp/bench-cloud.err | tail -1 | cut -d" " -f2; }
cpu() { awk '{print $14 + $15}' /proc/$1/stat; }                # ticks (user + system)
sys() { awk '{print $15}' /proc/$1/stat; }                      # ticks (system)
# Context switches of all the process's threads (each is a sleep and a wake-up).
csw() { cat /proc/$1/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'; }
ECHO_BIN=${ECHO_BIN:-${CARGO_TARGET_DIR:-target}/release/examples/echo_ref}
WORKERS_ARG=()
if [ -n "${WORKERS:-}" ]; then WORKERS_ARG=(--workers "$WORKERS"); fi
FLEET_ARG=()
if [ -n "${FLEET_WORKERS:-}" ]; then FLEET_ARG=(--workers "$FLEET_WORKERS"); fi
"$BIN" cloud --listen 127.0.0.1:$PORT --fleet-seed 1 --fleet-count "$N" --quiet \
    --status-secs 1 --duration $(( D + 60 )) "${WORKERS_ARG[@]}" </dev/null 2>/tmp/bench-cloud.err &
CLOUD=$!
sleep 1
RSS0=$(rss $CLOUD)
"$BIN" fleet --cloud 127.0.0.1:$PORT --devices "$N" --seed 1 --duration "$D" \
    --heartbeat-ms "${HB_MS:-1000}" --connect-rate 2000 --json "${FLEET_ARG[@]}" >/tmp/bench-fleet.json 2>/tmp/bench-fleet.err &
FLEET=$!
# Ramp-up: N / 2000 s plus auth; then measure a steady window.
RAMP=$(( N / 2000 + 4 ))
sleep $RAMP
RSS1=$(rss $CLOUD); C1=$(cpu $CLOUD); S1=$(sys $CLOUD); T1=$(date +%s.%N); H1=$(hbs); W1=$(csw $CLOUD)
WIN=$(( D - RAMP - 2 ))
if [ -n "${PERF:-}" ]; then
    perf record -g -o /tmp/bench-cloud.perf.data -p $CLOUD -- sleep $(( WIN - 1 )) \
        >/dev/null 2>/tmp/bench-cloud.perf.err &
fi
if [ -n "${STRACE:-}" ]; then
    timeout -s INT 5 strace -c -f -p $CLOUD -o /tmp/bench-cloud.strace >/dev/null 2>&1 &
fi
sleep $WIN
C2=$(cpu $CLOUD); S2=$(sys $CLOUD); T2=$(date +%s.%N); H2=$(hbs); RSS2=$(rss $CLOUD); W2=$(csw $CLOUD)
wait $FLEET || true
kill -INT $CLOUD; wait $CLOUD || true
ECHO_OUT=null
if [ -n "${ECHO:-}" ]; then
    # The same load on the reference: N connections, a heartbeat's request and answer sizes
    # (HB_LEN, HB_REPLY: the fleet's heartbeat and the cloud's answer on the wire), every second.
    "$ECHO_BIN" server 127.0.0.1:$(( PORT + 1 )) "${WORKERS:-2}" 2>/tmp/bench-echo.err &
    ECHOS=$!
    sleep 1
    "$ECHO_BIN" client 127.0.0.1:$(( PORT + 1 )) "$N" "$D" "${HB_LEN:-32}" "${HB_MS:-1000}" "${HB_REPLY:-32}" \
        >/tmp/bench-echo.json &
    ECHOC=$!
    sleep $RAMP
    E1=$(cpu $ECHOS); ES1=$(sys $ECHOS); ET1=$(date +%s.%N); EW1=$(csw $ECHOS)
    EH1=$(grep -ao "echoes [0-9]*" /tmp/bench-echo.err | tail -1 | cut -d" " -f2)
    sleep $WIN
    E2=$(cpu $ECHOS); ES2=$(sys $ECHOS); ET2=$(date +%s.%N); EW2=$(csw $ECHOS)
    EH2=$(grep -ao "echoes [0-9]*" /tmp/bench-echo.err | tail -1 | cut -d" " -f2)
    wait $ECHOC || true
    kill $ECHOS; wait $ECHOS 2>/dev/null || true
    ECHO_OUT=$(python3 -c "
import json
cpu=($E2-$E1)/$TICK; wall=$ET2-$ET1; n=$EH2-$EH1
print(json.dumps({'window_s': round(wall,1), 'echo_per_s': round(n/wall), 'server_cpu_s': round(cpu,2),
  'server_sys_s': round(($ES2-$ES1)/$TICK,2), 'echo_per_cpu_s': round(n/cpu) if cpu>0 else None,
  'ctx_switches_per_echo': round(($EW2-$EW1)/n, 3) if n>0 else None,
  'client': json.load(open('/tmp/bench-echo.json'))}))")
fi
python3 - "$N" "$D" "$RSS0" "$RSS1" "$RSS2" "$C1" "$C2" "$T1" "$T2" "$TICK" "$H1" "$H2" "$S1" "$S2" "$(cut -d' ' -f1 /proc/loadavg)" "$ECHO_OUT" "$W1" "$W2" <<'PY'
import json, sys
n, d, rss0, rss1, rss2, c1, c2, t1, t2, tick, h1, h2, s1, s2, load, echo, w1, w2 = sys.argv[1:]
n=int(n); r=json.load(open('/tmp/bench-fleet.json'))
cpu=(int(c2)-int(c1))/int(tick); wall=float(t2)-float(t1)
hb=int(h2)-int(h1)  # status lines are 1 s apart: about one second of skew
print(json.dumps({
  "devices": n, "duration_s": int(d), "window_s": round(wall,1),
  "rss_base_kib": int(rss0), "rss_loaded_kib": int(rss1), "rss_end_kib": int(rss2),
  "rss_per_conn_bytes": round((int(rss1)-int(rss0))*1024/n),
  "server_cpu_s": round(cpu,2), "server_sys_s": round((int(s2)-int(s1))/int(tick),2),
  "server_cpu_share": round(cpu/wall,3), "load_avg_1m": float(load),
  "hb_per_s": round(hb/wall), "hb_per_cpu_s": round(hb/cpu) if cpu>0 else None,
  "ctx_switches_per_hb": round((int(w2)-int(w1))/hb, 3) if hb>0 else None,
  "fleet": r, "echo": json.loads(echo)}))
PY
