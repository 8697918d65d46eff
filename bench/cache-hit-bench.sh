#!/usr/bin/env bash
# Exact-cache hits through the gateway: one client and 8 clients (wrk, closed loop), the same
# deterministic chat completion (temperature 0) every time, so every request after the first is a
# hit answered by the gateway without the backend. For comparison, the same request straight to the
# backend (the testkit fake, 1 ms per token) in the same run.
#
#   bench/cache-hit-bench.sh [--duration S] [--skip-build]
#
# Needs wrk (Debian: apt-get install wrk) and a JDK. Everything listens on 127.0.0.1 and stops when
# the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10
build=true
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
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
cp_file=gateway/target/bench-classpath.txt
if $build || [[ ! -f $cp_file ]]; then
  mvn -B -q -o -pl gateway -am -DskipTests -Dspotless.check.skip=true test-compile \
    dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
fi
classes="gateway/target/test-classes:gateway/target/classes"
for m in registry cache testkit gguf; do
  classes="$classes:$m/target/classes:$m/target/test-classes"
done
cp="$classes:$(cat "$cp_file")"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
fake_port=$(free_port); gw_port=$(free_port)
cp gguf/src/test/resources/fixtures/tiny-llama-f16.gguf "$work/m.gguf"
java -XX:+UseSerialGC -Xmx256m -cp "$cp" io.llamasupervisor.testkit.FakeLlamaServer \
  -m "$work/m.gguf" --host 127.0.0.1 --port "$fake_port" -np 8 -c 2048 \
  --fake-load-ms 0 --fake-token-ms 1 >"$work/backend.log" 2>&1 &
pids+=($!)
java -XX:+UseSerialGC -Xms16m -Xmx128m -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m \
  -Xss512k -cp "$cp" io.llamasupervisor.gateway.GatewayBenchServer --port "$gw_port" --model m \
  --slots 8 --backend "http://127.0.0.1:$fake_port" --exact-cache >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$fake_port/health" >/dev/null 2>&1 && grep -q 'gateway listening' "$work/gateway.log" && break
  sleep 0.1
done
body='{"model":"m","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":16,"temperature":0}'
first=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$gw_port/v1/chat/completions" | tr -d '\r' | grep -i '^x-cache:' || true)
second=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$gw_port/v1/chat/completions" | tr -d '\r' | grep -i '^x-cache:' || true)
echo "first: ${first:-no X-Cache}; second: ${second:-no X-Cache}"
[[ ${second,,} == *hit* ]] || { echo "the second request was not a hit" >&2; exit 1; }
cat >"$work/hit.lua" <<LUA
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
LUA
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
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
