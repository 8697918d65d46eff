package io.llamasupervisor.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs the built application ({@code target/llama-supervisor.jar}) as real processes for the ITs:
 * any command with its output in {@code <dir>/<name>.log}, or {@code serve} with the ITs' common
 * options. {@link #close()} stops every process it started: SIGTERM, then SIGKILL after 20 s.
 */
final class JarLauncher implements AutoCloseable {
  /** A running {@code serve}: its log name, API port and process. */
  record Serve(String name, int apiPort, Process process) {
    URI api(String path) {
      return URI.create("http://127.0.0.1:" + apiPort + path);
    }
  }

  private final Path dir;
  private final List<Process> started = new ArrayList<>();

  /** Logs go to {@code dir}. */
  JarLauncher(Path dir) {
    this.dir = dir;
  }

  /** {@code java -jar target/llama-supervisor.jar args...}, output to {@code <name>.log}. */
  Process run(String name, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-jar");
    cmd.add(Path.of("target/llama-supervisor.jar").toAbsolutePath().toString());
    cmd.addAll(args);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    synchronized (started) {
      started.add(p);
    }
    return p;
  }

  /**
   * {@code serve} of {@code models} with {@code binary}, state in {@code state}, the API on a free
   * port, instances on 50 ports of a random range, the catalog polling every 100 ms with files
   * stable after 100 ms; then {@code extra} options (a repeated option takes its last value).
   */
  Serve serve(String name, Path models, Path binary, Path state, List<String> extra)
      throws IOException {
    int apiPort = freePort();
    int first = 20000 + ThreadLocalRandom.current().nextInt(120) * 100;
    List<String> args =
        new ArrayList<>(
            List.of(
                "serve",
                "--models-dir",
                models.toString(),
                "--llama-server",
                binary.toString(),
                "--state-dir",
                state.toString(),
                "--port",
                Integer.toString(apiPort),
                "--supervisor.ports=" + first + "-" + (first + 50),
                "--supervisor.catalog.poll-interval=100ms",
                "--supervisor.catalog.stable-after=100ms"));
    args.addAll(extra);
    return new Serve(name, apiPort, run(name, args));
  }

  /** The output so far of the process logged as {@code name} (empty when there is none). */
  String log(String name) {
    try {
      return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    List<Process> all;
    synchronized (started) {
      all = List.copyOf(started);
    }
    for (Process p : all) {
      p.destroy();
    }
    for (Process p : all) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
