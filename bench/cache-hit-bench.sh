#!/usr/bin/env bash
# Exact-cache hits through the gateway: one client and 8 clients (wrk, closed loop), the same
# deterministic chat completion (temperature 0) every time, so every request after the first is a
# hit answered by the gateway without the backend. For comparison, the same request straight to the
# backend (the testkit fake, 1 ms per token) in the same run. Then misses: deterministic requests
# (a seed) that are all different, through the gateway with the cache and through a second gateway
# without one, with each gateway's CPU per request: what the cache costs a request it cannot answer.
#
#   [CACHE_ARGS=…] [CACHE_JAVA_OPTS=…] bench/cache-hit-bench.sh [--duration S] [--miss-rounds N] [--warm-up S] [--skip-build]
#
# Needs wrk (Debian: apt-get install wrk) and a JDK. Everything listens on 127.0.0.1 and stops when
# the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10
miss_rounds=2
warm_up=120
build=true
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --miss-rounds) miss_rounds=$2; shift 2 ;;
    --warm-up) warm_up=$2; shift 2 ;;
    --skip-build) build=false; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "cache-hit-bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d /tmp/cache-hit-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/bench-lib.sh
source bench/bench-lib.sh
cp=$(bench_classpath "$build")
fake_port=$(free_port); gw_port=$(free_port); plain_port=$(free_port)
cp gguf/src/test/resources/fixtures/tiny-llama-f16.gguf "$work/m.gguf"
java -XX:+UseSerialGC -Xmx256m -cp "$cp" io.llamasupervisor.testkit.FakeLlamaServer \
  -m "$work/m.gguf" --host 127.0.0.1 --port "$fake_port" -np 8 -c 2048 \
  --fake-load-ms 0 --fake-token-ms 1 >"$work/backend.log" 2>&1 &
pids+=($!)
# CACHE_ARGS adds GatewayBenchServer options to the cached gateway (e.g. --cache-max-bytes 2097152),
# CACHE_JAVA_OPTS JVM options (e.g. -Xlog:gc:file=gc.log)
# shellcheck disable=SC2086
java -XX:+UseSerialGC -Xms64m -Xmx128m -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m \
  -Xss512k ${CACHE_JAVA_OPTS:-} -cp "$cp" io.llamasupervisor.gateway.GatewayBenchServer --port "$gw_port" --model m \
  --slots 8 --backend "http://127.0.0.1:$fake_port" --exact-cache ${CACHE_ARGS:-} \
  >"$work/gateway.log" 2>&1 &
gw_pid=$!
pids+=($gw_pid)
java -XX:+UseSerialGC -Xms64m -Xmx128m -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m \
  -Xss512k -cp "$cp" io.llamasupervisor.gateway.GatewayBenchServer --port "$plain_port" --model m \
  --slots 8 --backend "http://127.0.0.1:$fake_port" >"$work/plain.log" 2>&1 &
plain_pid=$!
pids+=($plain_pid)
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$fake_port/health" >/dev/null 2>&1 && grep -q 'gateway listening' "$work/gateway.log" \
    && grep -q 'gateway listening' "$work/plain.log" && break
  sleep 0.1
done
body='{"model":"m","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":16,"temperature":0}'
first=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$gw_port/v1/chat/completions" | tr -d '\r' | grep -i '^x-cache:' || true)
second=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$gw_port/v1/chat/completions" | tr -d '\r' | grep -i '^x-cache:' || true)
echo "first: ${first:-no X-Cache}; second: ${second:-no X-Cache}"
[[ ${second,,} == *hit* ]] || { echo "the second request was not a hit" >&2; exit 1; }
# wrk's summary of a run, one line: RESULT requests errors p50 p99 max (ms)
cat >"$work/done.lua" <<'LUA'
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
LUA
cat >"$work/hit.lua" <<LUA
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
cat "$work/done.lua" >>"$work/hit.lua"
echo "load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -d${duration}s"
printf '%-8s %3s %10s %6s %8s %8s %8s\n' path c 'req/s' errors 'p50 ms' 'p99 ms' 'max ms'
# warm-up (JIT)
wrk -t2 -c8 -d10s -s "$work/hit.lua" "http://127.0.0.1:$gw_port" >/dev/null
for c in 1 8; do
  for path in direct gateway; do
    port=$fake_port; [[ $path == gateway ]] && port=$gw_port
    read -r _ reqs errs p50 p99 max < <(wrk -t"$((c < 2 ? 1 : 2))" -c"$c" -d"${duration}s" \
      -s "$work/hit.lua" "http://127.0.0.1:$port" | grep '^RESULT')
    printf '%-8s %3s %10.0f %6s %8s %8s %8s\n' "$path" "$c" "$(awk -v r="$reqs" -v d="$duration" 'BEGIN{print r/d}')" "$errs" "$p50" "$p99" "$max"
  done
done

# misses: every request different and deterministic (seed), so each is looked up, missed, recorded
# and stored by the cached gateway; the other gateway has no cache
cat >"$work/miss.lua" <<'LUA'
local n = 0
local threads = 0
function setup(thread) -- a prefix of its own for every thread of every run
  threads = threads + 1
  thread:set("tid", os.time() .. "-" .. threads)
end
function request()
  n = n + 1
  local body = '{"model":"m","messages":[{"role":"user","content":"question ' .. tid .. '-' .. n
    .. '"}],"max_tokens":4,"seed":1}'
  return wrk.format("POST", "/v1/chat/completions", {["Content-Type"] = "application/json"}, body)
end
LUA
cat "$work/done.lua" >>"$work/miss.lua"
ticks() { read -r -a f < <(sed 's/^.*) //' "/proc/$1/stat"); echo $((f[11] + f[12])); }
hz=$(getconf CLK_TCK)
# warm-up of the miss path (--warm-up, default 120 s of misses for each gateway): their JITs
# compile for about 100 s of traffic, which is start-up, not what a miss costs; "jit" below is the
# part of the CPU that the JIT compiler threads still spent during a run
wrk -t2 -c8 -d"${warm_up}s" -s "$work/miss.lua" "http://127.0.0.1:$plain_port" >/dev/null
wrk -t2 -c8 -d"${warm_up}s" -s "$work/miss.lua" "http://127.0.0.1:$gw_port" >/dev/null
printf '%-16s %3s %10s %6s %8s %8s %8s %10s %6s\n' 'misses via' c 'req/s' errors 'p50 ms' 'p99 ms' 'max ms' 'CPU µs/req' 'jit'
for round in $(seq 1 "$miss_rounds"); do
  for path in no-cache cache; do
    port=$plain_port; pid=$plain_pid
    [[ $path == cache ]] && { port=$gw_port; pid=$gw_pid; }
    t0=$(ticks "$pid"); j0=$(jit_ticks "$pid")
    read -r _ reqs errs p50 p99 max < <(wrk -t2 -c8 -d"${duration}s" -s "$work/miss.lua" \
      "http://127.0.0.1:$port" | grep '^RESULT')
    t1=$(ticks "$pid"); j1=$(jit_ticks "$pid")
    printf '%-16s %3s %10.0f %6s %8s %8s %8s %10.1f %6.1f\n' "gateway $path" 8 \
      "$(awk -v r="$reqs" -v d="$duration" 'BEGIN{print r/d}')" "$errs" "$p50" "$p99" "$max" \
      "$(awk -v t=$((t1 - t0)) -v r="$reqs" -v hz="$hz" 'BEGIN{print t*1e6/hz/r}')" \
      "$(awk -v t=$((j1 - j0)) -v r="$reqs" -v hz="$hz" 'BEGIN{print t*1e6/hz/r}')"
    [[ $path == cache ]] && echo "  $(grep '^cache:' "$work/gateway.log" | tail -1)"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
