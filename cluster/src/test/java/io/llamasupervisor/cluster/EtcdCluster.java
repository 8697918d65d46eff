package io.llamasupervisor.cluster;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Real etcd members ({@code etcd} from Debian's {@code etcd-server}, or {@code ETCD_BIN}) on free
 * loopback ports with a temporary data directory each; never the system service. Elections are
 * tuned fast (50 ms heartbeat, 500 ms election timeout) so leader loss heals quickly.
 */
public final class EtcdCluster implements AutoCloseable {
  private final Path dir;
  private final List<Member> members = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

  private record Member(String name, int clientPort, int peerPort, Path data, Path log) {
    URI client() {
      return URI.create("http://127.0.0.1:" + clientPort);
    }

    String peer() {
      return "http://127.0.0.1:" + peerPort;
    }
  }

  private final List<Process> processes = new ArrayList<>();

  private EtcdCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts {@code size} members and waits until every one is healthy. */
  public static EtcdCluster start(int size) throws IOException {
    EtcdCluster c = new EtcdCluster(Files.createTempDirectory("etcd-test-"));
    List<Integer> ports = freePorts(size * 2);
    for (int i = 0; i < size; i++) {
      c.members.add(
          new Member(
              "m" + i,
              ports.get(2 * i),
              ports.get(2 * i + 1),
              c.dir.resolve("m" + i),
              c.dir.resolve("m" + i + ".log")));
      c.processes.add(null);
    }
    String token = "test-" + UUID.randomUUID();
    for (int i = 0; i < size; i++) {
      c.launch(i, token);
    }
    for (int i = 0; i < size; i++) {
      c.awaitHealthy(i, Duration.ofSeconds(30));
    }
    return c;
  }

  /** The binary: {@code ETCD_BIN} or {@code etcd} on the PATH. */
  public static String binary() {
    String bin = System.getenv("ETCD_BIN");
    return bin == null || bin.isBlank() ? "etcd" : bin;
  }

  public int size() {
    return members.size();
  }

  /** Client URLs of every member. */
  public List<URI> endpoints() {
    return members.stream().map(Member::client).toList();
  }

  /** {@code etcd://127.0.0.1:p1,127.0.0.1:p2,…} for a command line. */
  public String etcdUrl() {
    return "etcd://"
        + members.stream().map(m -> "127.0.0.1:" + m.clientPort()).collect(Collectors.joining(","));
  }

  /** SIGKILLs member {@code i} and waits until it is gone. */
  public void kill(int i) throws InterruptedException {
    Process p = processes.get(i);
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERMs every member and waits until they are gone. */
  public void stopAll() throws InterruptedException {
    for (Process p : processes) {
      if (p != null && p.isAlive()) {
        p.destroy();
      }
    }
    for (Process p : processes) {
      if (p != null) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Starts member {@code i} again on its data directory and waits until it is healthy. */
  public void restart(int i) throws IOException {
    launch(i, "unused-on-restart");
    awaitHealthy(i, Duration.ofSeconds(30));
  }

  /** Restarts every member (they must all be stopped) and waits until each is healthy. */
  public void restartAll() throws IOException {
    for (int i = 0; i < members.size(); i++) {
      launch(i, "unused-on-restart");
    }
    for (int i = 0; i < members.size(); i++) {
      awaitHealthy(i, Duration.ofSeconds(30));
    }
  }

  /** The index of the current leader, asked of any live member. */
  public int leader(Client client) throws Exception {
    for (int i = 0; i < members.size(); i++) {
      if (!processes.get(i).isAlive()) {
        continue;
      }
      StatusResponse s =
          client
              .getMaintenanceClient()
              .statusMember(members.get(i).client().toString())
              .get(5, TimeUnit.SECONDS);
      if (s.getLeader() == s.getHeader().getMemberId()) {
        return i;
      }
    }
    return -1;
  }

  /** Whether member {@code i} answers {@code /health} with {@code "health":"true"}. */
  public boolean healthy(int i) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(members.get(i).client().resolve("/health"))
                  .timeout(Duration.ofMillis(800))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"true\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (Process p : processes) {
      if (p != null) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void launch(int i, String token) throws IOException {
    Member m = members.get(i);
    String initial =
        members.stream().map(x -> x.name() + "=" + x.peer()).collect(Collectors.joining(","));
    List<String> argv =
        List.of(
            binary(),
            "--name",
            m.name(),
            "--data-dir",
            m.data().toString(),
            "--listen-client-urls",
            m.client().toString(),
            "--advertise-client-urls",
            m.client().toString(),
            "--listen-peer-urls",
            m.peer(),
            "--initial-advertise-peer-urls",
            m.peer(),
            "--initial-cluster",
            initial,
            "--initial-cluster-token",
            token,
            "--initial-cluster-state",
            "new",
            "--heartbeat-interval",
            "50",
            "--election-timeout",
            "500",
            "--logger",
            "zap",
            "--log-level",
            "warn");
    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log().toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
    processes.set(i, pb.start());
  }

  private void awaitHealthy(int i, Duration timeout) throws IOException {
    try {
      Awaitility.await("etcd member " + i + " healthy")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                if (!processes.get(i).isAlive()) {
                  throw new IOException("etcd member " + i + " exited: " + readLog(members.get(i)));
                }
                return healthy(i);
              });
    } catch (ConditionTimeoutException e) {
      throw new IOException(
          "etcd member " + i + " not healthy after " + timeout + ": " + readLog(members.get(i)), e);
    }
  }

  private static String readLog(Member m) {
    try {
      return Files.readString(m.log());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Integer> freePorts(int n) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }
}
