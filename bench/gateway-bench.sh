#!/usr/bin/env bash
# The gateway benchmark: the same READY backend hit directly, through the gateway and through nginx
# (keep-alive upstream, proxy_buffering off), interleaved in one run, closed-loop with wrk.
#
#   bench/gateway-bench.sh [--duration S] [--rounds N] [--clients "8 32"] [--slots N]
#                          [--token-ms MS] [--warm-up S] [--real] [--skip-build]
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light) and a JDK. With --real, the backend
# is the llama-server named by LLAMA_SERVER_BIN with the tiny test model instead of the testkit
# fake. Everything listens on 127.0.0.1 only and stops when the script ends.
#
# Prints one line per run: workload, clients, path, requests/s, non-2xx+socket errors, max latency,
# CPU µs per request of the gateway and of nginx (process CPU time from /proc/PID/stat divided by
# the requests of that run; "jit" is the part of the gateway's CPU that its JIT compiler threads
# spent), then the added time to first token and the SSE flush delay. --warm-up (default 120 s)
# is the gateway's traffic before the first measured run, every workload and client count in turn:
# its JIT compiles for about 100 s of traffic, which is start-up, not what a proxied request costs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=10
rounds=2
clients="8 32"
slots=32
token_ms=1
warm_up=120
real=false
build=true
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --slots) slots=$2; shift 2 ;;
    --token-ms) token_ms=$2; shift 2 ;;
    --warm-up) warm_up=$2; shift 2 ;;
    --real) real=true; shift ;;
    --skip-build) build=false; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in wrk nginx java; do
  command -v "$tool" >/dev/null || { echo "gateway-bench: $tool is missing (apt-get install wrk nginx-light)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/gateway-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/bench-lib.sh
source bench/bench-lib.sh
cp=$(bench_classpath "$build")
# GATEWAY_CLASSES: the gateway's classes of another build (e.g. an older commit) to compare with
gw_cp="${GATEWAY_CLASSES:+$GATEWAY_CLASSES:}$cp"

fake_port=$(free_port); gw_port=$(free_port); nginx_port=$(free_port); tick_port=$(free_port)
tick_nginx_port=$(free_port)
model=$work/tiny-llama-f16.gguf
cp gguf/src/test/resources/fixtures/tiny-llama-f16.gguf "$model"

# the backend
if $real; then
  [[ -x ${LLAMA_SERVER_BIN:-} ]] || { echo "--real needs LLAMA_SERVER_BIN" >&2; exit 1; }
  backend_name="llama-server b10470 (tiny-llama-f16, $slots slots)"
  "$LLAMA_SERVER_BIN" -m "$model" --host 127.0.0.1 --port "$fake_port" -np "$slots" \
    -c $((slots * 256)) --no-repack --no-webui >"$work/backend.log" 2>&1 &
else
  backend_name="testkit fake (token pace ${token_ms} ms, $slots slots)"
  java -XX:+UseSerialGC -Xmx256m -cp "$cp" io.llamasupervisor.testkit.FakeLlamaServer \
    -m "$model" --host 127.0.0.1 --port "$fake_port" -np "$slots" -c $((slots * 256)) \
    --fake-load-ms 0 --fake-token-ms "$token_ms" >"$work/backend.log" 2>&1 &
fi
pids+=($!)

# the gateway: the launcher's JVM flags (what `serve` and `gateway` run with), plus GATEWAY_JAVA_OPTS;
# GATEWAY_ARGS adds GatewayBenchServer options (e.g. --io-threads 2)
# shellcheck disable=SC2086
java -XX:+UseSerialGC -Xms64m -Xmx128m -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m \
  -Xss512k ${GATEWAY_JAVA_OPTS:-} -cp "$gw_cp" io.llamasupervisor.gateway.GatewayBenchServer \
  --port "$gw_port" --model m --slots "$slots" --backend "http://127.0.0.1:$fake_port" \
  --route "tick=http://127.0.0.1:$tick_port" ${GATEWAY_ARGS:-} >"$work/gateway.log" 2>&1 &
gw_pid=$!
pids+=($gw_pid)

mkdir -p "$work/nginx-tmp"
cat >"$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx-tmp/body;
  proxy_temp_path $work/nginx-tmp/proxy;
  fastcgi_temp_path $work/nginx-tmp/fastcgi;
  uwsgi_temp_path $work/nginx-tmp/uwsgi;
  scgi_temp_path $work/nginx-tmp/scgi;
  upstream backend { server 127.0.0.1:$fake_port; keepalive 64; }
  upstream tick { server 127.0.0.1:$tick_port; keepalive 8; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
  server {
    listen 127.0.0.1:$tick_nginx_port;
    location / {
      proxy_pass http://tick;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"

for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$fake_port/health" >/dev/null 2>&1 &&
    grep -q 'gateway listening' "$work/gateway.log" && [[ -f $work/nginx.pid ]]; then
    break
  fi
  sleep 0.1
done
curl -sf "http://127.0.0.1:$fake_port/health" >/dev/null || { cat "$work/backend.log" >&2; exit 1; }
nginx_master=$(cat "$work/nginx.pid")

short='{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":4}'
stream='{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":64,"stream":true}'
lua() { # $1 file, $2 body
  cat >"$1" <<EOF
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout,
    latency.max / 1000, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF
}
lua "$work/short.lua" "$short"
lua "$work/stream.lua" "$stream"

ticks() { # utime+stime of the given pids, in clock ticks
  local sum=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    read -r -a f < <(sed 's/^.*) //' "/proc/$p/stat")
    sum=$((sum + f[11] + f[12]))
  done
  echo "$sum"
}
nginx_pids() { echo "$nginx_master" $(pgrep -P "$nginx_master" || true); }
hz=$(getconf CLK_TCK)

declare -A url=([direct]="http://127.0.0.1:$fake_port" [gateway]="http://127.0.0.1:$gw_port" [nginx]="http://127.0.0.1:$nginx_port")
echo "backend: $backend_name; wrk -t2 -d${duration}s; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
# warm-up: JIT of the gateway and the fake (slow on a busy machine), keep-alive pools
for path in direct nginx; do
  wrk -t2 -c8 -d10s -s "$work/short.lua" "${url[$path]}" >/dev/null
  wrk -t2 -c8 -d5s -s "$work/stream.lua" "${url[$path]}" >/dev/null
done
warm_end=$((SECONDS + warm_up))
while ((SECONDS < warm_end)); do
  for workload in short stream; do
    for c in $clients; do
      wrk -t2 -c"$c" -d5s -s "$work/$workload.lua" "${url[gateway]}" >/dev/null
    done
  done
done
echo "gateway warm-up: ${warm_up} s of traffic, JIT $((($(jit_ticks "$gw_pid") * 1000) / hz)) ms of CPU so far"
printf '%-7s %3s %-8s %10s %6s %10s %10s %10s %9s %6s %9s\n' workload c path 'req/s' errors 'max ms' 'p50 ms' 'p99 ms' 'gw µs/req' 'jit' 'ngx µs/req'
for round in $(seq 1 "$rounds"); do
  for workload in short stream; do
    for c in $clients; do
      for path in direct gateway nginx; do
        g0=$(ticks "$gw_pid"); j0=$(jit_ticks "$gw_pid"); n0=$(ticks $(nginx_pids))
        out=$(wrk -t2 -c"$c" -d"${duration}s" --timeout 30s -s "$work/$workload.lua" "${url[$path]}")
        g1=$(ticks "$gw_pid"); j1=$(jit_ticks "$gw_pid"); n1=$(ticks $(nginx_pids))
        read -r _ reqs errs max p50 p99 < <(grep '^RESULT' <<<"$out")
        rps=$(awk -v r="$reqs" -v d="$duration" 'BEGIN{printf "%.0f", r/d}')
        gcpu=$(awk -v t=$((g1 - g0)) -v r="$reqs" -v hz="$hz" -v p="$path" 'BEGIN{ if (p=="gateway") printf "%.1f", t*1e6/hz/r; else printf "-"}')
        jcpu=$(awk -v t=$((j1 - j0)) -v r="$reqs" -v hz="$hz" -v p="$path" 'BEGIN{ if (p=="gateway") printf "%.1f", t*1e6/hz/r; else printf "-"}')
        ncpu=$(awk -v t=$((n1 - n0)) -v r="$reqs" -v hz="$hz" -v p="$path" 'BEGIN{ if (p=="nginx") printf "%.1f", t*1e6/hz/r; else printf "-"}')
        printf '%-7s %3s %-8s %10s %6s %10s %10s %10s %9s %6s %9s\n' "$workload" "$c" "$path" "$rps" "$errs" "$max" "$p50" "$p99" "$gcpu" "$jcpu" "$ncpu"
      done
    done
  done
done

# time to first token (one client, 64-token streams, interleaved) and SSE flush delay (a backend
# that writes an event every 2 ms and knows when it wrote each one)
java -cp "$cp" io.llamasupervisor.gateway.GatewayLatencyProbe ttft --requests 200 --body "$stream" \
  direct="${url[direct]}/v1/chat/completions" gateway="${url[gateway]}/v1/chat/completions" \
  nginx="${url[nginx]}/v1/chat/completions"
java -cp "$cp" io.llamasupervisor.gateway.GatewayLatencyProbe flush --tick-port "$tick_port" \
  --streams 50 --events 64 direct="http://127.0.0.1:$tick_port/v1/chat/completions" \
  gateway="http://127.0.0.1:$gw_port/v1/chat/completions" \
  nginx="http://127.0.0.1:$tick_nginx_port/v1/chat/completions"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
