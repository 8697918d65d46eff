package io.llamasupervisor.api;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.client.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * Change-to-notify latency of the routing table's blocking query with many watchers in one process,
 * split into stages so that the difference between two rows is the cost of what the later stage
 * adds:
 *
 * <ol>
 *   <li>{@code registry}: in-process {@link RoutingRegistry#awaitChange} futures, no HTTP. Also
 *       prints {@code publish} (the {@code update} call alone: building the table, bumping the
 *       version, handing the waiters to the notifier) and {@code serialize} (the JSON and SSE forms
 *       of one new version, made once per version by {@link RouteCache});
 *   <li>{@code raw}: the API server and one plain socket per watcher (a thread each, HTTP/1.1
 *       keep-alive, headers read, body skipped): what the server costs, with the cheapest client;
 *   <li>{@code jdk}: one JDK {@link HttpClient} shared by the watchers (a thread each), body bytes
 *       only, no JSON: what the JDK client adds;
 *   <li>{@code client}: the project's {@link RegistryClient#watch}, one client per watcher with the
 *       defaults, table parsed, listener called;
 *   <li>{@code client-own}: the same, each client given an HTTP client of its own.
 * </ol>
 *
 * Each stage first publishes at least {@code warmup} unmeasured changes 20 ms apart, and goes on
 * until the JIT compiler has been nearly idle for a second (at most 60 s), so that the request path
 * is compiled as in a server that has been up for a while; {@code =N} publishes exactly N instead
 * (a JVM still compiling: {@code =5} was the setting of the first figures). Then {@code changes}
 * measured versions {@code interval} apart (like restarts), and prints p50/p90/p99/max over every
 * (change, watcher) pair plus the CPU time per change by thread: {@code server} (Netty event loops,
 * registry threads), {@code client} (watcher and HTTP-client threads), {@code publish} (the thread
 * calling {@code update}) and {@code other} (JIT compiler, GC and threads that ended). Not a test:
 *
 * <pre>
 * java -cp ... io.llamasupervisor.api.WatchFanoutBench [watchers=100] [changes=20] [interval-ms=300]
 *     [all|registry,raw,jdk,client,client-own] [warmup=100|=N]
 * </pre>
 */
public final class WatchFanoutBench {
  static final int DEFAULT_WARMUP = 100;
  static final long WARMUP_INTERVAL_MS = 20;

  /** Warm-up ends once the JIT compiled for less than this many ms in the last second. */
  static final long JIT_QUIET_MS_PER_S = 20;

  static final List<String> STAGES = List.of("registry", "raw", "jdk", "client", "client-own");

  private final int watchers;
  private final int changes;
  private final long intervalMs;
  private final int warmup;
  private final boolean exactWarmup;

  private WatchFanoutBench(
      int watchers, int changes, long intervalMs, int warmup, boolean exactWarmup) {
    this.watchers = watchers;
    this.changes = changes;
    this.intervalMs = intervalMs;
    this.warmup = warmup;
    this.exactWarmup = exactWarmup;
  }

  public static void main(String[] args) throws Exception {
    int watchers = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    long intervalMs = args.length > 2 ? Long.parseLong(args[2]) : 300;
    String only = args.length > 3 ? args[3] : "all";
    String warm = args.length > 4 ? args[4] : Integer.toString(DEFAULT_WARMUP);
    boolean exactWarmup = warm.startsWith("=");
    int warmup = Integer.parseInt(exactWarmup ? warm.substring(1) : warm);
    List<String> stages = only.equals("all") ? STAGES : List.of(only.split(","));
    System.out.printf(
        "%d watchers, %d changes %d ms apart after %d warm-up changes, %d cores%n",
        watchers, changes, intervalMs, warmup, Runtime.getRuntime().availableProcessors());
    WatchFanoutBench bench =
        new WatchFanoutBench(watchers, changes, intervalMs, warmup, exactWarmup);
    for (String stage : stages) {
      switch (stage) {
        case "registry" -> bench.registryStage();
        case "raw" -> bench.serverStage(stage, bench::rawWatchers);
        case "jdk" -> bench.serverStage(stage, bench::jdkWatchers);
        case "client" -> bench.serverStage(stage, (uri, seen) -> bench.clients(uri, seen, false));
        case "client-own" ->
            bench.serverStage(stage, (uri, seen) -> bench.clients(uri, seen, true));
        default -> throw new IllegalArgumentException("unknown stage " + stage + ": " + STAGES);
      }
    }
    System.exit(0);
  }

  /** A table of ten models like a real fleet, with model {@code n}'s generation changed. */
  static void change(RoutingRegistry registry, int n) {
    Instant since = Instant.parse("2026-03-01T12:00:00Z");
    registry.update(
        b -> {
          for (int i = 0; i < 10; i++) {
            String id = "publisher-" + i + "/Model-" + i + "-GGUF/model-" + i + "-q4_k_m";
            long generation = i == n % 10 ? n + 2 : 2;
            b.put(
                new ModelRoute(
                    id,
                    "model-" + i + "-q4_k_m",
                    "ready",
                    List.of(
                        BackendRoute.of(
                            "127.0.0.1",
                            39000 + 2 * i,
                            generation,
                            BackendState.READY,
                            since,
                            4,
                            3),
                        BackendRoute.of(
                            "127.0.0.1", 39001 + 2 * i, 1, BackendState.DRAINING, since, 4, 4))));
          }
          return b;
        });
  }

  private void registryStage() throws Exception {
    Queue<Long> latencies = new ConcurrentLinkedQueue<>();
    List<Long> publish = new ArrayList<>();
    List<Long> serialize = new ArrayList<>();
    try (RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC())) {
      change(registry, 0);
      Cpu cpu =
          run(
              (c, measured, pause) -> {
                long index = registry.current().version();
                List<CompletableFuture<?>> done = new ArrayList<>();
                long[] at = new long[1];
                for (int w = 0; w < watchers; w++) {
                  done.add(
                      registry
                          .awaitChange(index, Duration.ofSeconds(30))
                          .thenRun(
                              () -> {
                                if (measured) {
                                  latencies.add(System.nanoTime() - at[0]);
                                }
                              }));
                }
                Thread.sleep(pause);
                at[0] = System.nanoTime();
                change(registry, c);
                long returned = System.nanoTime();
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                    .get(10, TimeUnit.SECONDS);
                long s = System.nanoTime();
                new RouteCache().of(registry.current());
                if (measured) {
                  publish.add(returned - at[0]);
                  serialize.add(System.nanoTime() - s);
                }
              });
      report("registry", latencies, cpu.since(changes));
    }
    report("publish", publish, null);
    report("serialize", serialize, null);
  }

  /** One change of a stage, published after {@code pauseMs}. */
  private interface Step {
    void run(int change, boolean measured, long pauseMs) throws Exception;
  }

  /**
   * Runs the warm-up steps (20 ms apart; at least {@link #warmup}, then until the JIT compiler was
   * nearly idle for a second, at most 60 s), then the {@link #changes} measured ones {@link
   * #intervalMs} apart; returns the CPU counters taken when the measured steps began.
   */
  private Cpu run(Step step) throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long start = System.nanoTime();
    long checked = start;
    long compiled = jit.getTotalCompilationTime();
    int c = 0;
    while (c < warmup || !exactWarmup) {
      step.run(++c, false, WARMUP_INTERVAL_MS);
      long now = System.nanoTime();
      if (now - checked >= TimeUnit.SECONDS.toNanos(1)) {
        long total = jit.getTotalCompilationTime();
        boolean quiet = total - compiled < JIT_QUIET_MS_PER_S;
        compiled = total;
        checked = now;
        if (!exactWarmup && (c >= warmup && quiet || now - start > TimeUnit.SECONDS.toNanos(60))) {
          break;
        }
      }
    }
    System.out.printf(
        Locale.ROOT, "  (warm-up: %d changes, %.1f s)%n", c, (System.nanoTime() - start) / 1e9);
    Cpu cpu = Cpu.now();
    for (int m = 0; m < changes; m++) {
      step.run(++c, true, intervalMs);
    }
    return cpu;
  }

  /** Starts the watchers of one stage; each reports every version it receives. */
  private interface Watchers {
    List<AutoCloseable> start(URI api, VersionSeen seen) throws Exception;
  }

  /** Called by a watcher with each version it receives, right when it has it. */
  private interface VersionSeen {
    void accept(long version);
  }

  /**
   * Runs the API server, starts the stage's watchers, waits until each has its first answer,
   * publishes {@link #warmup} unmeasured changes, then {@link #changes} measured ones, and waits
   * for their deliveries (at most 10 s).
   */
  private void serverStage(String stage, Watchers start) throws Exception {
    Queue<Long> latencies = new ConcurrentLinkedQueue<>();
    Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    AtomicInteger connected = new AtomicInteger();
    List<AutoCloseable> running = new ArrayList<>();
    try (RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
        ApiServer api =
            ApiServer.start(
                new FakeFleet(), registry, ApiSettings.defaults().withPort(0), Map.of())) {
      change(registry, 0);
      long first = registry.current().version();
      running.addAll(
          start.start(
              api.uri(),
              version -> {
                long now = System.nanoTime();
                Long at = publishedAt.get(version);
                if (at != null) {
                  latencies.add(now - at);
                } else if (version == first) {
                  connected.incrementAndGet();
                }
              }));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (connected.get() < watchers && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Cpu cpu =
          run(
              (c, measured, pause) -> {
                Thread.sleep(pause);
                if (measured) {
                  publishedAt.put(registry.current().version() + 1, System.nanoTime());
                }
                change(registry, c);
              });
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (latencies.size() < changes * watchers && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      report(stage, latencies, cpu.since(changes));
    } finally {
      for (AutoCloseable r : running) {
        r.close();
      }
    }
  }

  /** One thread and one plain socket per watcher: the blocking query with nothing else. */
  private List<AutoCloseable> rawWatchers(URI api, VersionSeen seen) throws IOException {
    List<AutoCloseable> sockets = new ArrayList<>();
    for (int w = 0; w < watchers; w++) {
      Socket socket = new Socket(api.getHost(), api.getPort());
      socket.setTcpNoDelay(true);
      Thread t = new Thread(() -> rawWatch(api, socket, seen::accept), "raw-watcher-" + w);
      t.setDaemon(true);
      t.start();
      sockets.add(socket);
    }
    return sockets;
  }

  private static void rawWatch(URI api, Socket socket, LongConsumer seen) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buf = new byte[1 << 16];
      int len = 0;
      long index = 0;
      out.write(rawQuery(api, index));
      while (true) {
        int n = in.read(buf, len, buf.length - len);
        if (n < 0) {
          return;
        }
        len += n;
        int[] used = new int[1];
        long version = rawVersion(buf, len, used);
        if (version < 0) {
          continue; // the response is not complete yet
        }
        seen.accept(version);
        System.arraycopy(buf, used[0], buf, 0, len - used[0]);
        len -= used[0];
        index = version;
        out.write(rawQuery(api, index));
      }
    } catch (IOException e) {
      // closed at the end of the stage
    }
  }

  private static byte[] rawQuery(URI api, long index) {
    return ("GET /api/v1/routes?index="
            + index
            + "&wait=30s HTTP/1.1\r\nHost: "
            + api.getHost()
            + ":"
            + api.getPort()
            + "\r\nAccept: application/json\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The version (from the ETag) of the response at the start of {@code buf}, with its length in
   * {@code used[0]}; -1 while it is incomplete. Needs a Content-Length, which the API sends.
   */
  private static long rawVersion(byte[] buf, int len, int[] used) {
    String text = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return -1;
    }
    long version = -1;
    int length = 0;
    for (String line : text.substring(0, end).split("\r\n")) {
      int colon = line.indexOf(':');
      String name = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      if (name.equals("content-length")) {
        length = Integer.parseInt(line.substring(colon + 1).strip());
      } else if (name.equals("etag")) {
        version = Long.parseLong(line.substring(colon + 1).strip().replace("\"", ""));
      }
    }
    if (len < end + 4 + length) {
      return -1;
    }
    used[0] = end + 4 + length;
    return version;
  }

  /** One JDK HTTP client shared by every watcher, one thread each, body bytes only. */
  private List<AutoCloseable> jdkWatchers(URI api, VersionSeen seen) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<AutoCloseable> threads = new ArrayList<>();
    for (int w = 0; w < watchers; w++) {
      Thread t = new Thread(() -> jdkWatch(http, api, seen), "jdk-watcher-" + w);
      t.setDaemon(true);
      t.start();
      threads.add(t::interrupt);
    }
    return threads;
  }

  private static void jdkWatch(HttpClient http, URI api, VersionSeen seen) {
    long index = 0;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        HttpResponse<byte[]> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(api + "/api/v1/routes?index=" + index + "&wait=30s"))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        long version =
            Long.parseLong(r.headers().firstValue("ETag").orElseThrow().replace("\"", ""));
        seen.accept(version);
        index = version;
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        return; // the server stopped at the end of the stage
      }
    }
  }

  /** One {@link RegistryClient} per watcher, with the defaults or an HTTP client of its own. */
  private List<AutoCloseable> clients(URI api, VersionSeen seen, boolean ownHttpClient) {
    List<AutoCloseable> clients = new ArrayList<>();
    for (int w = 0; w < watchers; w++) {
      RegistryClient.Builder b = RegistryClient.builder(api);
      if (ownHttpClient) {
        b.httpClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
      }
      RegistryClient c = b.build();
      clients.add(c);
      c.watch((RoutingTable t) -> seen.accept(t.version()));
    }
    return clients;
  }

  private static void report(String stage, Collection<Long> latencies, String cpu) {
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(null);
    if (sorted.isEmpty()) {
      System.out.println(stage + ": no deliveries");
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "%-10s n %5d  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms%s%n",
        stage,
        sorted.size(),
        q(sorted, 0.50),
        q(sorted, 0.90),
        q(sorted, 0.99),
        sorted.get(sorted.size() - 1) / 1e6,
        cpu == null ? "" : "  cpu/change " + cpu);
  }

  private static double q(List<Long> sorted, double quantile) {
    int i = (int) Math.ceil(quantile * sorted.size()) - 1;
    return sorted.get(Math.max(0, i)) / 1e6;
  }

  /** CPU time of the process and of each live thread at one moment. */
  private record Cpu(long process, long jitMs, Map<Long, Long> threads, Map<Long, String> names) {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static Cpu now() {
      Map<Long, Long> threads = new HashMap<>();
      Map<Long, String> names = new HashMap<>();
      for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
        if (info != null) {
          long t = THREADS.getThreadCpuTime(info.getThreadId());
          if (t >= 0) {
            threads.put(info.getThreadId(), t);
            names.put(info.getThreadId(), info.getThreadName());
          }
        }
      }
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return new Cpu(
          os.getProcessCpuTime(),
          ManagementFactory.getCompilationMXBean().getTotalCompilationTime(),
          threads,
          names);
    }

    /** CPU milliseconds per change since {@code this}, by thread group. */
    String since(int changes) {
      Cpu end = now();
      double[] group = new double[3]; // server, client, publish
      double threadsTotal = 0;
      for (var e : end.threads.entrySet()) {
        long used = e.getValue() - threads.getOrDefault(e.getKey(), 0L);
        String name = end.names.get(e.getKey());
        int g =
            name.startsWith("default-") || name.startsWith("routing-")
                ? 0
                : name.equals("main") ? 2 : 1;
        group[g] += used;
        threadsTotal += used;
      }
      double other = end.process - process - threadsTotal;
      double per = 1e6 * changes;
      return String.format(
          Locale.ROOT,
          "server %.2f ms, client %.2f ms, publish %.2f ms, other %.2f ms (JIT %.2f ms)",
          group[0] / per,
          group[1] / per,
          group[2] / per,
          Math.max(0, other) / per,
          (end.jitMs - jitMs) / (double) changes);
    }
  }
}
