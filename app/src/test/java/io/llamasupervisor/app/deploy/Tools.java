package io.llamasupervisor.app.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs the deployment checks need ({@code docker-compose}, {@code promtool}, {@code
 * prometheus}): on CI ({@code CI=true}) a missing one fails the test with the package to install;
 * elsewhere the test is skipped.
 */
final class Tools {
  private Tools() {}

  /** What a finished program printed and returned. */
  record Result(int exitCode, String out, String err) {
    String both() {
      return out + err;
    }
  }

  /** The program on {@code PATH}, or a failure (CI) / skip (elsewhere) naming its package. */
  static Path require(String program, String debianPackage) {
    Optional<Path> found = onPath(program);
    if (found.isPresent()) {
      return found.get();
    }
    String message =
        program + " is not on PATH: apt-get install -y --no-install-recommends " + debianPackage;
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (.ci/run installs it)");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  static Optional<Path> onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Optional.of(Path.of(dir, program));
      }
    }
    return Optional.empty();
  }

  /** The running JVM's {@code java} binary. */
  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** Runs a program to completion (at most {@code timeoutSeconds}) and returns its output. */
  static Result run(Path dir, Map<String, String> env, long timeoutSeconds, List<String> command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("deploy-out", ".txt");
    Path err = Files.createTempFile("deploy-err", ".txt");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(new ArrayList<>(command))
              .directory(dir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();
        fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String serveHelp;
  private static String commands;

  /** What {@code serve --help} prints (once per test JVM). */
  static synchronized String serveHelp() throws IOException, InterruptedException {
    if (serveHelp == null) {
      serveHelp = cli("serve", "--help").out();
    }
    return serveHelp;
  }

  /** What {@code llama-supervisor --help} prints: the list of commands (once per test JVM). */
  static synchronized String commands() throws IOException, InterruptedException {
    if (commands == null) {
      commands = cli("--help").both();
    }
    return commands;
  }

  /** Runs the fat jar with {@code args} in a child JVM. */
  static Result cli(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(java(), "-jar", Repo.jar().toString()));
    command.addAll(List.of(args));
    return run(Repo.root(), Map.of(), 60, command);
  }
}
