package io.llamasupervisor.gguf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Verifying a header-heavy GGUF (151,936-token vocabulary and its merges, 6.5 MB of header) from
 * disk, page cache warm. Run: {@code mvn -pl gguf -Pbench test-compile exec:exec}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GgufVerifyBench {
  @Param("../../shared/fixtures/bench/vocab151936-header.gguf")
  public String file;

  private Path path;

  @Setup
  public void setup() {
    path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("benchmark input not found: " + path.toAbsolutePath());
    }
    if (!GgufVerifier.verify(path).isAccepted()) {
      throw new IllegalStateException("benchmark input is not accepted: " + path);
    }
  }

  @Benchmark
  public Verdict verify() {
    return GgufVerifier.verify(path);
  }
}
