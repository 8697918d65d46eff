package io.llamasupervisor.cache;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (the Debian package) on a free loopback port, without persistence,
 * started and stopped by the test; never the system service.
 */
final class RedisServer implements AutoCloseable {
  private final int port;
  private final Path dir;
  private Process process;

  private RedisServer(int port) throws IOException {
    this.port = port;
    this.dir = Files.createTempDirectory("redis-test");
  }

  /** Whether {@code redis-server} is on the PATH. */
  static boolean available() {
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(p, "redis-server"))) {
        return true;
      }
    }
    return false;
  }

  static RedisServer start() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RedisServer r = new RedisServer(port);
    r.startAgain();
    return r;
  }

  /** Starts the server (again) on the same port. */
  void startAgain() throws IOException {
    process =
        new ProcessBuilder(
                List.of(
                    "redis-server",
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    dir.toString()))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(this::pong);
  }

  /** Kills the server at once (SIGKILL) and waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** The server's process id. */
  long pid() {
    return process.pid();
  }

  /**
   * Freezes the server (SIGSTOP) and waits until it is stopped: connections stay open, commands get
   * no answer, as with a server stalled by a long command, a fork or a full disk.
   */
  void pause() throws IOException, InterruptedException {
    signal("-STOP");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(this::stopped);
  }

  /** Lets a {@link #pause paused} server run again (SIGCONT). */
  void resume() throws IOException, InterruptedException {
    signal("-CONT");
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> !stopped());
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + signal + " " + pid() + " failed");
    }
  }

  /** Whether the process is in state T (stopped), from /proc. */
  private boolean stopped() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
  }

  URI url() {
    return URI.create("redis://127.0.0.1:" + port);
  }

  private boolean pong() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] b = new byte[7];
      int n = in.readNBytes(b, 0, 7);
      return new String(b, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      try {
        signal("-CONT"); // a paused server would not act on SIGTERM
      } catch (IOException e) {
        // then SIGKILL below
      }
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
