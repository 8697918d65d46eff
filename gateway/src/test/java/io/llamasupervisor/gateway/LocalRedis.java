package io.llamasupervisor.gateway;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A {@code redis-server} of the test's own on a free loopback port, no persistence. */
final class LocalRedis implements AutoCloseable {
  private final Process process;
  private final int port;

  private LocalRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static boolean installed() {
    return List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
        .anyMatch(d -> Files.isExecutable(Path.of(d, "redis-server")));
  }

  static LocalRedis start() throws IOException {
    int free;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      free = probe.getLocalPort();
    }
    Path work = Files.createTempDirectory("conversation-redis");
    Process p =
        new ProcessBuilder(
                "redis-server",
                "--port",
                "" + free,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                work.toString())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("log").toFile())
            .start();
    LocalRedis r = new LocalRedis(p, free);
    await().atMost(Duration.ofSeconds(10)).until(r::listening);
    return r;
  }

  private boolean listening() {
    try (var s = new java.net.Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  URI url() {
    return URI.create("redis://127.0.0.1:" + port);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }
}
