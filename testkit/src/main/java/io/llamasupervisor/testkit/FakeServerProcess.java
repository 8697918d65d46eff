package io.llamasupervisor.testkit;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A llama-server process under test (the fake by default, or any binary with the same command
 * line): starts it on a free port, captures stdout and stderr, waits for health, sends signals and
 * cleans up the whole process tree on {@link #close()}.
 *
 * <pre>{@code
 * try (FakeServerProcess p = FakeServerProcess.start(List.of("-m", model.toString()))) {
 *   p.awaitHealthy(Duration.ofSeconds(10));
 *   HttpResponse<String> r = p.get("/props");
 * }
 * }</pre>
 */
public final class FakeServerProcess implements AutoCloseable {
  /** Bytes of each output stream kept in memory; beyond that only the count grows. */
  static final int KEEP_BYTES = 16 * 1024 * 1024;

  private final Process process;
  private final int port;
  private final Output stdout;
  private final Output stderr;
  private final HttpClient http;
  private final List<ProcessHandle> seen = new ArrayList<>();

  private FakeServerProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    this.stdout = new Output(process.getInputStream(), "stdout");
    this.stderr = new Output(process.getErrorStream(), "stderr");
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  /** Starts the fake with llama-server arguments; a free {@code --port} is added if missing. */
  public static FakeServerProcess start(List<String> llamaArgs) {
    return start(llamaArgs, Map.of());
  }

  /** Starts the fake with extra environment variables (e.g. {@code FAKE_LLAMA_LOAD_MS}). */
  public static FakeServerProcess start(List<String> llamaArgs, Map<String, String> env) {
    return start(FakeLlamaServer::command, llamaArgs, env, null);
  }

  /**
   * Starts any llama-server-like program: {@code launcher} turns the llama-server arguments into
   * the full command (e.g. prepends a real binary).
   *
   * @param workDir working directory, or null to inherit
   */
  public static FakeServerProcess start(
      Function<List<String>, List<String>> launcher,
      List<String> llamaArgs,
      Map<String, String> env,
      Path workDir) {
    List<String> args = new ArrayList<>(llamaArgs);
    int port;
    int at = args.indexOf("--port");
    if (at >= 0 && at + 1 < args.size()) {
      port = Integer.parseInt(args.get(at + 1));
    } else {
      port = freePort();
      args.add("--port");
      args.add(String.valueOf(port));
    }
    ProcessBuilder pb = new ProcessBuilder(launcher.apply(args));
    pb.environment().putAll(env);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    try {
      return new FakeServerProcess(pb.start(), port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + pb.command(), e);
    }
  }

  /** A port that was free a moment ago (bound to 127.0.0.1 and released). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public Process process() {
    return process;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything written to stderr so far (up to {@link #KEEP_BYTES}). */
  public String stderr() {
    return stderr.text();
  }

  public String stdout() {
    return stdout.text();
  }

  /** Total bytes read from stderr, including those not kept. */
  public long stderrBytes() {
    return stderr.count();
  }

  /** True once stderr reached end of file: every process holding the pipe has closed it. */
  public boolean stderrClosed() {
    return stderr.closed();
  }

  /**
   * GET {@code path}; null when nothing answers (connection refused, reset, or timeout).
   *
   * @param timeout how long to wait for the response
   */
  public HttpResponse<String> get(String path, Duration timeout) {
    return send(HttpRequest.newBuilder(baseUri().resolve(path)).timeout(timeout).GET().build());
  }

  public HttpResponse<String> get(String path) {
    return get(path, Duration.ofSeconds(5));
  }

  /** POSTs a JSON body; null when nothing answers. */
  public HttpResponse<String> post(String path, String json, Duration timeout) {
    return send(
        HttpRequest.newBuilder(baseUri().resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      return null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The status of {@code GET /health}, or -1 when nothing answers. */
  public int healthStatus() {
    HttpResponse<String> r = get("/health", Duration.ofSeconds(2));
    return r == null ? -1 : r.statusCode();
  }

  /**
   * Waits until {@code /health} answers 200.
   *
   * @throws IllegalStateException at once when the process exits first (with its stderr)
   */
  public FakeServerProcess awaitHealthy(Duration timeout) {
    await("llama-server on port " + port + " to answer /health with 200")
        .atMost(timeout)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "llama-server exited with "
                        + process.exitValue()
                        + " before it was healthy; stderr:\n"
                        + stderr());
              }
              return healthStatus() == 200;
            });
    return this;
  }

  /** Waits for the process to exit and returns its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "llama-server (pid "
                + pid()
                + ") still running after "
                + timeout
                + "; stderr:\n"
                + stderr());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits until stderr contains {@code text}. */
  public FakeServerProcess awaitStderr(String text, Duration timeout) {
    await("stderr to contain '" + text + "'")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> stderr().contains(text));
    return this;
  }

  /** Sends a signal by name ({@code TERM}, {@code INT}, {@code KILL}, ...) to the process. */
  public void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid())).start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Stops the server politely: SIGTERM, then SIGKILL (process and descendants) if it is still
   * running after {@code grace}.
   *
   * @return the exit code (143-style codes for signals, 137 after SIGKILL)
   */
  public int stop(Duration grace) {
    if (process.isAlive()) {
      descendants();
      signal("TERM");
      try {
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
      }
    }
    return awaitExit(Duration.ofSeconds(10));
  }

  /** The process's current descendants (e.g. a forked grandchild). */
  public List<ProcessHandle> descendants() {
    List<ProcessHandle> d = process.descendants().toList();
    synchronized (seen) {
      seen.addAll(d);
    }
    return d;
  }

  /**
   * Kills the process and every descendant seen (SIGKILL) and waits for the output pumps; safe to
   * call twice.
   */
  @Override
  public void close() {
    List<ProcessHandle> tree = new ArrayList<>(descendants());
    synchronized (seen) {
      tree.addAll(seen);
    }
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stdout.join();
    stderr.join();
  }

  /** Drains one output stream on its own thread. */
  private static final class Output {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread pump;
    private long count;
    private boolean closed;

    Output(InputStream in, String name) {
      pump =
          new Thread(
              () -> {
                byte[] buf = new byte[64 * 1024];
                try (in) {
                  int n;
                  while ((n = in.read(buf)) >= 0) {
                    synchronized (this) {
                      count += n;
                      int room = KEEP_BYTES - kept.size();
                      kept.write(buf, 0, Math.min(n, Math.max(room, 0)));
                    }
                  }
                } catch (IOException e) {
                  // stream closed
                } finally {
                  synchronized (this) {
                    closed = true;
                  }
                }
              },
              "llama-server-" + name);
      pump.setDaemon(true);
      pump.start();
    }

    synchronized String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }

    synchronized long count() {
      return count;
    }

    synchronized boolean closed() {
      return closed;
    }

    void join() {
      try {
        pump.join(TimeUnit.SECONDS.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
