#!/usr/bin/env bash
# Footprint of `serve` with 20 copies of the tiny fixture model and the testkit's fake llama-server.
# Usage (from the repository root, after
#   mvn -B -o -q -pl app,testkit -am -DskipTests -Dspotless.check.skip=true package):
#   SETTLE=90 docs/footprint.sh app/target/llama-supervisor.jar [JAVA_OPTS...]
# Waits until all 20 are ready, then SETTLE seconds (default 15), then reports the supervisor JVM's
# RSS, threads and CPU (not its children's) over SAMPLE seconds (default 60), and with PER_THREAD=1
# the threads that used CPU in that time (milliseconds of CPU per thread name).
set -euo pipefail
jar=$1; shift
work=$(mktemp -d); port=$((18000 + RANDOM % 1000))
cat >"$work/Install.java" <<'JAVA'
public class Install {
  public static void main(String[] a) {
    io.llamasupervisor.testkit.FakeLlamaServer.installExecutable(java.nio.file.Path.of(a[0]));
  }
}
JAVA
java -cp testkit/target/testkit-0.1.0-SNAPSHOT.jar:gguf/target/gguf-0.1.0-SNAPSHOT.jar \
  "$work/Install.java" "$work/bin"
mkdir -p "$work/models"
for i in $(seq -w 1 20); do
  cp gguf/src/test/resources/fixtures/tiny-llama-f16.gguf "$work/models/tiny-$i.gguf"
done
java "$@" -jar "$jar" serve --models-dir "$work/models" --llama-server "$work/bin/llama-server" \
  --port "$port" --supervisor.ports=$((40000 + RANDOM % 5000))-49999 >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid; wait $pid; rm -rf "$work"' EXIT
for _ in $(seq 1 240); do
  n=$(curl -s "localhost:$port/api/v1/models" | grep -o '"state":"ready"' | wc -l || true)
  [[ "$n" -ge 20 ]] && break; sleep 0.5
done
echo "ready: $n of 20"
sleep "${SETTLE:-15}"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
threads() {
  for t in /proc/$pid/task/*; do
    # the name is between the parentheses (it may hold spaces); utime and stime follow at 12, 13
    sed -E 's/^[0-9]+ \((.*)\) (.*)$/\1|\2/' "$t/stat" 2>/dev/null |
      awk -F"|" -v t="${t##*/}" '{split($2, f, " "); n = $1; gsub(/ /, "_", n); print t, f[12] + f[13], n}'
  done
}
sample=${SAMPLE:-60}
[[ "${PER_THREAD:-0}" == 1 ]] && threads >"$work/threads0"
t0=$(ticks); sleep "$sample"; t1=$(ticks)
hz=$(getconf CLK_TCK)
if [[ "${PER_THREAD:-0}" == 1 ]]; then
  threads >"$work/threads1"
  # per thread name (pools summed): CPU ms in the sample
  join <(sort "$work/threads0") <(sort "$work/threads1") |
    awk -v hz="$hz" '{d = $4 - $2; name = $3; sub(/-[0-9]+$/, "-N", name); if (d > 0) ms[name] += d * 1000 / hz}
      END {for (n in ms) printf "%8.0f ms  %s\n", ms[n], n}' | sort -rn
fi
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
thr=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
echo "rss_mb=$((rss / 1024)) threads=$thr cpu_ms_per_s=$(( (t1 - t0) * 1000 / hz / sample ))" \
  "cpu_pct=$(awk -v d=$((t1 - t0)) -v hz=$hz -v s="$sample" 'BEGIN {printf "%.2f", d * 100 / hz / s}')" \
  "load=$(cut -d' ' -f1-3 /proc/loadavg)"
