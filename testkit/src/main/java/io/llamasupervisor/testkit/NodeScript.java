package io.llamasupervisor.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a node script for a test (the SDK and browser tests drive real npm clients): finds {@code
 * node} on the {@code PATH}, runs {@code node SCRIPT} in a directory with extra environment, and
 * returns its exit code and combined output once it ends, or kills it after the timeout.
 */
public final class NodeScript {
  /** How a run ended: {@code exit} is -1 when the script was killed at its timeout. */
  public record Result(int exit, String output) {}

  private NodeScript() {}

  /** The {@code node} binary on the {@code PATH} (or {@code /usr/bin/node}), if there is one. */
  public static Optional<Path> node() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(d.isEmpty() ? "." : d, "node");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    Path fallback = Path.of("/usr/bin/node");
    return Files.isExecutable(fallback) ? Optional.of(fallback) : Optional.empty();
  }

  /**
   * Runs {@code node script} in {@code dir} with {@code env} added to this process's environment.
   *
   * @throws UncheckedIOException when node cannot be started
   */
  public static Result run(
      Path node, Path dir, String script, Map<String, String> env, Duration timeout)
      throws InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(node.toString(), script)
            .directory(dir.toFile())
            .redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + node + " " + script, e);
    }
    StringBuilder out = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try {
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (out) {
                  out.append(text);
                }
              } catch (IOException e) {
                synchronized (out) {
                  out.append("(output lost: ").append(e).append(')');
                }
              }
            });
    reader.start();
    boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
    }
    reader.join(5_000);
    synchronized (out) {
      return new Result(ended ? p.exitValue() : -1, out.toString());
    }
  }
}
