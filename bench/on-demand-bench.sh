#!/usr/bin/env bash
# On-demand start through the gateway against the real llama-server: how much later than
# llama-server started by hand is the first request for a stopped model answered?
#
#   bench/on-demand-bench.sh [--rounds N] [--settle S] [--extra-args "ARGS"] [--keep] [--skip-build]
#
# Needs LLAMA_SERVER_BIN (a llama-server binary), python3 and a JDK. One `serve` (the built
# app/target/llama-supervisor.jar, the launcher's JVM flags) runs the tiny test model with
# `start: on-demand` and `ttl: 1s`. Each round, interleaved (the order alternates):
#   direct:  llama-server started here with the argv of the model's launch plan (read from the
#            API), /health polled every 5 ms from exec, then one chat completion (max_tokens 4,
#            not streamed): exec -> /health 200 and exec -> answer;
#   gateway: once the model is idle again (state idle, instances stopped), the same completion to
#            the gateway: request -> answer, split by the API's times into request -> start
#            decided -> llama-server spawned -> seen ready by the supervisor -> answer, and
#            llama-server's own clock (its log) when it listened and when it began the request.
# A cold round (the first start, reason ON_DEMAND, --settle seconds (default 5) after serve is up,
# so that its boot's JIT has calmed down) is printed but not summarized.
# --extra-args (default --no-repack: llama-server b10470 can crash repacking weights on some CPUs)
# go into the model's extra-args, so both paths run them. --keep keeps the work directory (serve's
# log, the instance logs); SERVE_JAVA_OPTS adds JVM options to serve's, SERVE_JAR runs another
# build's jar. Prints one line per round,
# then p50/max/min of each figure and the target's verdict. Everything listens on 127.0.0.1 and
# stops when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=10
settle=5
extra_args="--no-repack"
keep=false
build=true
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --extra-args) extra_args=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --skip-build) build=false; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x ${LLAMA_SERVER_BIN:-} ]] || { echo "on-demand-bench: LLAMA_SERVER_BIN must name a llama-server binary" >&2; exit 1; }
for tool in java python3; do
  command -v "$tool" >/dev/null || { echo "on-demand-bench: $tool is missing" >&2; exit 1; }
done
# SERVE_JAR: the application jar of another build (e.g. an older commit) to compare with
jar=${SERVE_JAR:-$PWD/app/target/llama-supervisor.jar}
if [[ -z ${SERVE_JAR:-} ]] && { $build || [[ ! -f $jar ]]; }; then
  mvn -B -q -o -DskipTests -Dspotless.check.skip=true package -pl app -am >&2
fi

work=$(mktemp -d /tmp/on-demand-bench.XXXXXX)
pids=()
cleanup() {
  [[ -f $work/direct.pid ]] && kill -- "-$(cat "$work/direct.pid")" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if $keep; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
# shellcheck source=bench/bench-lib.sh
source bench/bench-lib.sh

mkdir -p "$work/models"
cp gguf/src/test/resources/fixtures/tiny-llama-f16.gguf "$work/models/"
model=tiny-llama-f16
args_yaml=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1].split()))' "$extra_args")
cat >"$work/config.yml" <<EOF
supervisor:
  defaults:
    start: on-demand
    ttl: 1s
    extra-args: $args_yaml
EOF
api_port=$(free_port); gw_port=$(free_port)
first=$((20000 + RANDOM % 120 * 100)) # instance ports of a range of their own
# shellcheck disable=SC2086
java -XX:+UseSerialGC -Xms64m -Xmx128m -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m \
  -Xss512k ${SERVE_JAVA_OPTS:-} -jar "$jar" serve --models-dir "$work/models" --llama-server "$LLAMA_SERVER_BIN" \
  --state-dir "$work/state" --port "$api_port" --gateway-port "$gw_port" --config "$work/config.yml" \
  "--supervisor.ports=$first-$((first + 50))" --supervisor.catalog.poll-interval=100ms \
  --supervisor.catalog.stable-after=100ms --supervisor.supervision.drain.linger=0s \
  >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$api_port/api/v1/models/$model" 2>/dev/null | grep -q '"state":"idle"' \
    && grep -q 'Gateway listening' "$work/serve.log" && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$api_port/api/v1/models/$model" | grep -q '"state":"idle"' \
  || { tail -50 "$work/serve.log" >&2; exit 1; }

echo "llama-server $("$LLAMA_SERVER_BIN" --version 2>&1 | grep -m1 version || true); $(nproc) cores"
echo "uptime before: $(uptime)"
cat >"$work/bench.py" <<'PY'
import glob, http.client, json, os, re, signal, socket, statistics, subprocess, sys, time
from datetime import datetime, timezone

api, gw, model, rounds, work, serve = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                                       int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
HZ = os.sysconf("SC_CLK_TCK")
QUIET = 10  # % of the machine's CPU used by other processes during a round, at most
BODY = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})

def call(port, method, path, body=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()

def status():
    return json.loads(call(api, "GET", "/api/v1/models/" + model)[1])

def instant(s):  # ISO-8601 with up to 9 fraction digits -> epoch seconds
    head, _, frac = s.rstrip("Z").partition(".")
    t = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return t + (float("0." + frac) if frac else 0.0)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def machine():  # busy and total jiffies of all CPUs
    f = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7]
    return busy, busy + f[3] + f[4]

def ticks(pid, children):  # utime + stime (+ those of reaped children) of a process
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if children else 0)

def ours(instance):  # CPU of serve, its live instance, this script and the direct llama-server
    t = os.times()
    mine = round((t.user + t.system + t.children_user + t.children_system) * HZ)
    return ticks(serve, True) + (ticks(instance, False) if instance else 0) + mine

def own_clock(log):  # llama-server's own clock (ms since it started) when it listened, began the task
    stamp = r"^(\d+)\.(\d+)\.(\d+)\.(\d+) .*"
    out = []
    text = open(log, errors="replace").read() if log else ""
    for what in (r"listening on http", r"new prompt"):
        m = re.search(stamp + what, text, re.M)
        out.append(None if not m else int(m[1]) * 60000 + int(m[2]) * 1000 + int(m[3]) + int(m[4]) / 1000)
    return out

plan = status()["plan"]

def direct():
    port = free_port()
    argv = [a if a != "<port>" else str(port) for a in plan["argv"]]
    argv[0] = os.environ["LLAMA_SERVER_BIN"]
    env = dict(os.environ, **plan.get("env", {}))
    with open(os.path.join(work, "direct.log"), "w") as log:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True)
    with open(os.path.join(work, "direct.pid"), "w") as f:
        f.write(str(p.pid))
    try:
        while True:
            if p.poll() is not None:
                sys.exit("direct llama-server exited with %s, see %s/direct.log" % (p.returncode, work))
            try:
                if call(port, "GET", "/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() - t0 > 60:
                sys.exit("direct llama-server not healthy after 60 s")
            time.sleep(0.005)
        health = time.monotonic() - t0
        code, body = call(port, "POST", "/v1/chat/completions", BODY)
        answered = time.monotonic() - t0
        if code != 200:
            sys.exit("direct completion: %d %s" % (code, body[:300]))
        listen = own_clock(os.path.join(work, "direct.log"))[0]
        return health * 1000, answered * 1000, listen
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(20)
        os.remove(os.path.join(work, "direct.pid"))

def await_idle():  # state idle with no instance left; returns the reason
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        s = status()
        if s["state"] == "idle" and not s["instances"]:
            return (s.get("lastDecision") or {}).get("code", "?")
        time.sleep(0.02)
    sys.exit("the model did not become idle: %s" % s["state"])

def gateway():
    cpu0 = ticks(serve, False)
    wall = time.time()
    t0 = time.monotonic()
    code, body = call(gw, "POST", "/v1/chat/completions", BODY)
    answered = time.monotonic() - t0
    cpu = (ticks(serve, False) - cpu0) * 1000 / HZ
    if code != 200:
        sys.exit("gateway completion: %d %s" % (code, body[:300]))
    s = status()
    i = s["instances"][0]
    decision = s.get("lastDecision") or {}
    demanded = instant(decision["at"]) if decision.get("code") == "DEMANDED" else None
    spawned, ready = instant(i["startedAt"]), instant(i["since"])
    logs = glob.glob(os.path.join(work, "state", "logs", "*_%d-*.log" % i["generation"]))
    listen, task = own_clock(logs[0] if logs else None)
    return (answered * 1000, None if demanded is None else (demanded - wall) * 1000,
            (spawned - (demanded or wall)) * 1000, (ready - spawned) * 1000,
            (wall + answered - ready) * 1000, listen, task, cpu, i["pid"])

def one(n):  # -> idle reason, (a), (b), % of the CPU other processes used meanwhile
    reason = await_idle()
    busy0, total0 = machine()
    ours0 = ours(None)
    if n % 2:
        b = gateway(); a = direct()
    else:
        a = direct(); b = gateway()
    busy1, total1 = machine()
    others = (busy1 - busy0) - (ours(b[-1]) - ours0)
    return reason, a, b[:-1], max(0, others) * 100 / max(1, total1 - total0)

def ms(v):
    return "%8s" % "-" if v is None else "%8.1f" % v

COLUMNS = ("round", "idle", "other", "health", "answer", "listen", "answer", "demand", "spawned",
           "ready", "answer", "CPU", "listen", "task", "b-a", "b-a")
print("%-5s %-9s %5s | %-26s | %-44s %5s | %-17s | %-17s" % ("", "", "", "(a) direct, from exec",
      "(b) gateway: from the request, then +", "serve", "(b) llama-server", "(b) minus (a)"))
print("%-5s %-9s %5s | %-26s | %-44s %5s | %-17s | %-17s" % ("", "reason", "CPU %", "", "", "", "own clock",
      "answer   health"))
print("%-5s %-9s %5s | %8s %8s %8s | %8s %8s %8s %8s %8s %5s | %8s %8s | %8s %8s" % COLUMNS)
rows = []
for n in range(rounds + 1):
    reason, (ah, aa, al), (ba, bd, bs, br, bq, bl, bt, bc), other = one(n)
    row = (ah, aa, al, ba, bd, bs, br, bq, bl, bt, ba - aa, ba - ah, other, bc)
    print("%-5s %-9s %5.0f | %s %s %s | %s %s %s %s %s %5.0f | %s %s | %s %s" % (
          ("cold" if n == 0 else n), reason, other, *map(ms, row[:8]), bc, *map(ms, row[8:12])),
          flush=True)
    if n:
        rows.append(row)
print("all ms. other CPU: what other processes used of the machine's CPU during the round; serve\n"
      "CPU: the CPU time serve used during (b), in ms (10 ms clock ticks).\n"
      "(b) demand: request -> the supervisor decided to start the model; spawned: -> the llama-server\n"
      "process exists; ready: -> the supervisor saw /health 200; answer: -> the answer arrived.\n"
      "llama-server's own clock (its log): when it listened, when it began the request.")

def summarize(title, rs):
    print("\n%s: %d" % (title, len(rs)))
    if not rs:
        return
    for name, col in (("(a) direct exec -> /health 200", 0), ("(a) direct exec -> answer", 1),
                      ("(b) gateway request -> answer", 3), ("(b) - (a) answer", 10),
                      ("(b) - (a) /health 200 (the target's measure)", 11),
                      ("(b) request -> start decided", 4), ("(b) start decided -> spawned", 5),
                      ("(b) spawned -> seen ready", 6), ("(b) seen ready -> answer", 7),
                      ("(b) serve's CPU time", 13),
                      ("(b) llama-server listening (own clock)", 8),
                      ("(b) llama-server began the task (own clock)", 9)):
        v = [r[col] for r in rs if r[col] is not None]
        print("%-45s p50 %7.1f  max %7.1f  min %7.1f" % (name, statistics.median(v), max(v), min(v)))
    over = [r[11] for r in rs]
    print("target (b) <= llama-server's load time + 100 ms: met in %d of %d rounds (p50 %+.1f ms,"
          " worst %+.1f ms)" % (sum(o <= 100 for o in over), len(over), statistics.median(over),
                                max(over)))

summarize("rounds (the cold one excluded)", rows)
summarize("quiet rounds (other processes used at most %d %% of the CPU)" % QUIET,
          [r for r in rows if r[12] <= QUIET])
PY
sleep "$settle"
python3 "$work/bench.py" "$api_port" "$gw_port" "$model" "$rounds" "$work" "${pids[0]}"
echo "uptime after: $(uptime)"
