# Shared by the gateway benchmarks (source it from the repository root): the classpath of the
# gateway's test classes and a free loopback port.

# Prints the classpath of the gateway, its test classes and the modules they use; builds it first
# when $1 is true or it was never built.
bench_classpath() {
  local build=$1 cp_file=gateway/target/bench-classpath.txt classes m
  if $build || [[ ! -f $cp_file ]]; then
    mvn -B -q -o -pl gateway -am -DskipTests -Dspotless.check.skip=true test-compile \
      dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
      -Dmdep.includeScope=test >&2
  fi
  classes="gateway/target/test-classes:gateway/target/classes"
  for m in registry cache testkit gguf; do
    classes="$classes:$m/target/classes:$m/target/test-classes"
  done
  echo "$classes:$(cat "$cp_file")"
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# CPU clock ticks of the JIT compiler threads (C1, C2) of the JVM with pid $1: the part of a JVM's
# CPU that is compiling, not serving; it falls to about nothing once the JIT has settled
jit_ticks() {
  local sum=0 t n
  for t in /proc/"$1"/task/*; do
    n=$(cat "$t/comm" 2>/dev/null) || continue
    [[ $n == C[12]\ CompilerThre* ]] || continue
    read -r -a f < <(sed 's/^.*) //' "$t/stat" 2>/dev/null) || continue
    sum=$((sum + f[11] + f[12]))
  done
  echo "$sum"
}
