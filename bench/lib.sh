# shellcheck shell=bash
# bench/lib.sh — what bench/run and bench/frame share. Sourced, never executed:
#
#   BENCH_TAG=frame; source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets the common paths and knobs, logging, the lock both scripts take, starting and stopping
# servers (killed on exit), free loopback ports, CPU / RSS / context-switch readings, the tools
# check, the ceiling and peer builds, the machine-busy preflight, the measured wrk run that every
# load table is made of, and the optional perf profile. Each script keeps its data, checks and
# report; the report's shared parts are in bench/report.py. Load only ever targets 127.0.0.1.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
export BENCH_DIR=$BENCH # where the wrk scripts find wrk_result.lua
OUT=${OUT:-$BENCH/out}
SHARED_DIR=${SHARED_DIR:-$ROOT/../shared}
SHARED_BENCH=$(cd "$SHARED_DIR/bench" && pwd)
BIN=${BELCO_BIN:-$ROOT/target/release/belco-panel}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
REPS=${REPS:-3}
THREADS=2
CONNS=32
CLK_TCK=$(getconf CLK_TCK)
BENCH_TAG=${BENCH_TAG:-bench}

say() { printf '[%s %s] %s\n' "$BENCH_TAG" "$(date +%T)" "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }
metric() { echo "$1=$2" >>"$METRICS"; }

# bench_init RAW METRICS — the out folders, the lock, and empty result files. One benchmark at a
# time per $OUT: two would delete each other's databases and share the CPU. The lock is fd 9,
# closed in every server started (see start).
bench_init() {
  RAW=$1 METRICS=$2
  mkdir -p "$OUT"/{data,db,logs}
  exec 9>"$OUT/.lock"
  if ! flock -n 9; then
    echo "[$BENCH_TAG] another bench/run or bench/frame is using $OUT; waiting for it to finish" >&2
    flock 9
  fi
  : >"$RAW"
  : >"$METRICS"
}

# ---------------------------------------------------------------- servers and clean-up
# Each server is started with setsid, so its pid is its process group: stopping it also stops
# whatever it forked (the peers' cluster workers).
PIDS=()
stop_pid() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# start NAME DIR cmd... — runs cmd in DIR (in its own session), logs to $OUT/logs/NAME.log, sets STARTED_PID.
start() {
  local name=$1 dir=$2; shift 2
  (cd "$dir" && exec setsid "$@" 9>&-) >"$OUT/logs/$name.log" 2>&1 </dev/null &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

# wait_ready NAME PID URL [STATUS] — until the server answers URL (with STATUS when given), or 60 s.
wait_ready() {
  local name=$1 pid=$2 url=$3 want=${4:-} i code
  for i in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$OUT/logs/$name.log" >&2; die "$name exited at start-up (log: $OUT/logs/$name.log)"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    if [[ -n $want ]]; then [[ $code == "$want" ]] && return 0; else [[ $code != 000 ]] && return 0; fi
    sleep 0.1
  done
  die "$name did not answer ${want:-anything} on $url within 60 s"
}

free_ports() { # N distinct free loopback ports in 3400-3499 (never 3000, the end-to-end port)
  python3 - "$1" <<'EOF'
import random, socket, sys
want, found = int(sys.argv[1]), []
ports = list(range(3400, 3500)); random.shuffle(ports)
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); found.append(p)
    except OSError:
        pass
    finally:
        s.close()
    if len(found) == want: break
if len(found) < want: sys.exit("not enough free ports in 3400-3499")
print(" ".join(map(str, found)))
EOF
}

# ---------------------------------------------------------------- what a process uses
# cpu seconds (user+sys) used so far by PID and all its descendants
tree_pids() { local p; echo "$1"; for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree_pids "$p"; done; }
cpu_ticks() {
  local t=0 p v
  for p in $(tree_pids "$1"); do
    v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    t=$((t + v))
  done
  echo "$t"
}
rss_kb() { # rss_kb PID [FIELD]: VmRSS (default) or RssAnon/RssFile, summed over PID's tree
  local t=0 p v
  for p in $(tree_pids "$1"); do v=$(awk -v f="${2:-VmRSS}:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); t=$((t + ${v:-0})); done
  echo "$t"
}
ctx_switches() { # context switches so far, over all threads of PID and its descendants
  local t=0 p v
  for p in $(tree_pids "$1"); do
    v=$(cat /proc/"$p"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}')
    t=$((t + v))
  done
  echo "$t"
}
machine_busy() { awk '/^cpu / { print $2+$3+$4+$7+$8, $5+$6 }' /proc/stat; } # busy idle (ticks)

# preflight_busy — how busy the machine is before we start (builds or other tenants skew every
# figure); a metric, and a warning above 0.25 cores.
preflight_busy() {
  local b0 i0 b1 i1 idle_busy
  read -r b0 i0 <<<"$(machine_busy)"; sleep 2; read -r b1 i1 <<<"$(machine_busy)"
  idle_busy=$(python3 -c "print(f'{($b1 - $b0) / $CLK_TCK / 2:.2f}')")
  metric preflight_busy_cores "$idle_busy"
  python3 -c "import sys; sys.exit(0 if $idle_busy < 0.25 else 1)" \
    || say "WARNING: the machine is already busy ($idle_busy cores in use before the benchmark): figures will be noisy"
}

# ---------------------------------------------------------------- tools and references
need_apt() { # need_apt COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] || die "$1 missing: apt-get install $2"
  say "installing $2"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need_common_tools() {
  need_apt wrk wrk
  need_apt curl curl
  need_apt python3 python3
  need_apt node nodejs
  need_apt npm npm
  [[ -x /usr/bin/time ]] || need_apt /usr/bin/time time
}

# build_ceiling — sets CEIL_BIN. A copy of $SHARED_BENCH/ceiling (the shared folder is read-only;
# an empty [workspace] keeps cargo from taking our workspace as its parent), built once into
# $OUT/ceiling and shared by both scripts.
build_ceiling() {
  local dir=$OUT/ceiling
  CEIL_BIN=$dir/target/release/ceiling
  if ! cmp -s "$SHARED_BENCH/ceiling/src/main.rs" "$dir/src/main.rs" || [[ ! -x $CEIL_BIN ]]; then
    say "building the ceiling (once)"
    rm -rf "$dir/src" && mkdir -p "$dir"
    cp -r "$SHARED_BENCH/ceiling/src" "$dir/" && chmod -R u+w "$dir/src"
    { cat "$SHARED_BENCH/ceiling/Cargo.toml"; printf '\n[workspace]\n'; } >"$dir/Cargo.toml"
    (cd "$dir" && cargo build --release --target-dir "$dir/target") >"$OUT/logs/ceiling-build.log" 2>&1 \
      || { tail -30 "$OUT/logs/ceiling-build.log" >&2; die "ceiling build failed"; }
  fi
}

# install_peer — sets PEER_DIR: a copy of $SHARED_BENCH/peer-express (orders API server.js and
# Custom Frame frame.js) with its node_modules, installed once.
install_peer() {
  local f
  PEER_DIR=$OUT/peer-express
  mkdir -p "$PEER_DIR"
  for f in "$SHARED_BENCH"/peer-express/*; do
    cmp -s "$f" "$PEER_DIR/$(basename "$f")" || { cp "$f" "$PEER_DIR/" && chmod u+w "$PEER_DIR/$(basename "$f")"; rm -rf "$PEER_DIR/node_modules"; }
  done
  if ! peer_ok; then
    say "npm install for the peer (once; builds better-sqlite3, ~2 min)"
    (cd "$PEER_DIR" && npm install --no-audit --no-fund) >"$OUT/logs/npm.log" 2>&1 || { tail -30 "$OUT/logs/npm.log" >&2; die "npm install failed"; }
    peer_ok || (cd "$PEER_DIR" && npm rebuild better-sqlite3) >>"$OUT/logs/npm.log" 2>&1 || true
    peer_ok || { tail -30 "$OUT/logs/npm.log" >&2; die "better-sqlite3 does not load in $PEER_DIR"; }
  fi
}
peer_ok() { (cd "$PEER_DIR" && node -e "new (require('better-sqlite3'))(':memory:'); require('express'); require('handlebars')") >/dev/null 2>&1; }

# ---------------------------------------------------------------- load
# wrk_warmup LOG PORT SCRIPT ARGS... — an unmeasured run of WARMUP.
wrk_warmup() {
  local log=$1 port=$2 script=$3; shift 3
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s "$BENCH/$script" "http://127.0.0.1:$port" -- "$@" \
    >"$log" 2>&1 || die "wrk warm-up against port $port failed (log: $log)"
}

# wrk_measure NAME PID REP LOG PORT SCRIPT ARGS... — one measured wrk run of DURATION against
# PORT, whose server is PID. Appends a LOAD line to $RAW: wrk's WRK_RESULT fields, the server's
# CPU seconds, context switches and RSS over its process tree, wrk's own CPU, and the cores the
# rest of the machine used meanwhile (builds, other tenants: noise in these figures).
wrk_measure() {
  local name=$1 pid=$2 rep=$3 log=$4 port=$5 script=$6 c0 c1 x0 x1 m0 m1 line wrk_cpu
  shift 6
  c0=$(cpu_ticks "$pid"); x0=$(ctx_switches "$pid"); m0=$(machine_busy)
  /usr/bin/time -f '%U+%S' -o "$log.time" \
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$BENCH/$script" "http://127.0.0.1:$port" -- "$@" \
    >"$log" 2>&1 || die "wrk against $name failed (log: $log)"
  c1=$(cpu_ticks "$pid"); x1=$(ctx_switches "$pid"); m1=$(machine_busy)
  line=$(grep '^WRK_RESULT' "$log") || die "no WRK_RESULT from wrk against $name"
  wrk_cpu=$(cat "$log.time")
  line="$line server_cpu_s=$(python3 -c "print(($c1 - $c0) / $CLK_TCK)") server_ctx_switches=$((x1 - x0)) server_rss_kb=$(rss_kb "$pid") server_rss_anon_kb=$(rss_kb "$pid" RssAnon)"
  line="$line $(python3 -c "
b0, i0 = map(int, '$m0'.split()); b1, i1 = map(int, '$m1'.split())
srv = ($c1 - $c0) / $CLK_TCK; wrk = $wrk_cpu; secs = float('$line'.split('duration_s=')[1].split()[0])
other = max(0.0, (b1 - b0) / $CLK_TCK - srv - wrk) / secs
print(f'machine_busy_pct={100 * (b1 - b0) / max(1, (b1 - b0) + (i1 - i0)):.0f} wrk_cpu_s={wrk:.2f} other_cores={other:.2f}')")"
  echo "LOAD target=$name rep=$rep ${line#WRK_RESULT }" >>"$RAW"
  say "  $name rep $rep: $(echo "$line" | grep -o 'rps=[^ ]*\|p50_ms=[^ ]*\|p99_ms=[^ ]*\|non2xx=[^ ]*' | tr '\n' ' ')"
}

# profile_under_load PID NAME PORT SCRIPT ARGS... — with PROFILE=1 and a working perf: 8 s of
# `perf record -g` on PID while wrk loads PORT, then two flat reports in $OUT: NAME.txt (self time
# per symbol, by binary) and NAME-children.txt (time including callees, which attributes the
# work to the functions of ours that caused it). Raw data stays in NAME.data for `perf report`.
profile_under_load() {
  local pid=$1 name=$2 port=$3 script=$4 wrkpid
  shift 4
  [[ ${PROFILE:-0} == 1 ]] || return 0
  if ! { command -v perf >/dev/null && perf record -o "$OUT/perf-probe.data" -- true >/dev/null 2>&1; }; then
    say "perf is not usable here; skipping the profile"
    return 0
  fi
  say "profiling $name under load (perf)"
  wrk -t"$THREADS" -c"$CONNS" -d12s -s "$BENCH/$script" "http://127.0.0.1:$port" -- "$@" >/dev/null 2>&1 &
  wrkpid=$!; PIDS+=("$wrkpid")
  sleep 1
  perf record -F 999 -g -p "$pid" -o "$OUT/$name.data" -- sleep 8 >/dev/null 2>&1 || true
  wait "$wrkpid" || true
  timeout 120 perf report --no-children --no-inline -i "$OUT/$name.data" --sort dso,symbol --stdio -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -60 >"$OUT/$name.txt" || true
  timeout 300 perf report --children --no-inline -i "$OUT/$name.data" --sort symbol --stdio -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -120 >"$OUT/$name-children.txt" || true
  say "  profile: $OUT/$name.txt (self), $OUT/$name-children.txt (with callees)"
}
