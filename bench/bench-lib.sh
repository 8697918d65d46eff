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
