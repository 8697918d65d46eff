package io.llamasupervisor.testkit;

import io.llamasupervisor.gguf.GgufFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import sun.misc.Signal;

/**
 * One run of the fake llama-server, in the real server's order: bind the port (answering 503 at
 * once), load the model (header checks fail fast, the rest after the load time), create the context
 * and slots, then serve until a signal or a fault ends the process. Never returns.
 */
final class FakeServer {
  private final ServerOptions options;
  private final FaultPlan faults;
  private final ServerLog log;
  private final Clock clock;
  private final LongSupplier uptimeMicros;
  private final long startMonotonicUs;
  private final Lifecycle lifecycle;

  FakeServer(
      ServerOptions options,
      FaultPlan faults,
      ServerLog log,
      Clock clock,
      LongSupplier uptimeMicros,
      long startMonotonicUs) {
    this.options = options;
    this.faults = faults;
    this.log = log;
    this.clock = clock;
    this.uptimeMicros = uptimeMicros;
    this.startMonotonicUs = startMonotonicUs;
    this.lifecycle = new Lifecycle(log, faults.shutdownDeadlock());
  }

  void run() {
    if (options.logDisabled()) {
      log.disable();
    }
    // installed before the port opens, so that a signal right after /health turns 200 is handled
    handleSignals(faults.ignoreSigterm() ? n -> {} : lifecycle::signal);
    scheduleTimedFaults();
    if (faults.forkGrandchildSeconds() > 0) {
      forkGrandchild();
    }
    log.info(
        "cmn",
        "common_param",
        "common_params_print_info: verbosity = "
            + options.verbosity()
            + " (adjust with the `-lv N` CLI arg)");
    if (options.apiKeys().isEmpty()) {
      log.warn("srv", "llama_server", "-----------------");
      log.warn(
          "srv", "llama_server", "CORS is set to allow all origins ('*') and no API key is set");
      log.warn("srv", "llama_server", "this can be a security risk (cross-origin attacks)");
      log.warn(
          "srv", "llama_server", "more info: https://github.com/ggml-org/llama.cpp/pull/25655");
      log.warn("srv", "llama_server", "-----------------");
    }
    HttpListener listener;
    try {
      listener = HttpListener.bind(options.host(), options.port(), lifecycle, log);
    } catch (IOException e) {
      fail(Failures.bind(options.host(), options.port()));
      return;
    }
    LlamaApi api = new LlamaApi(options, faults, lifecycle, log, clock, startMonotonicUs);
    listener.start(api);
    lifecycle.onDrain(listener::close);
    long loadStart = System.nanoTime();
    log.info("srv", "load_model", "loading model '" + options.model() + "'");
    if (options.ctxSize() < 0) {
      log.print(Failures.negativeContextAbort());
      lifecycle.exit(134);
    }
    if (faults.floodStderrBytes() > 0) {
      floodStderr(faults.floodStderrBytes());
    }
    ModelLoader.Result loaded = ModelLoader.load(options.model());
    if (loaded instanceof ModelLoader.Failed failed) {
      fail(failed.lines());
      return;
    }
    ModelInfo model = ((ModelLoader.Loaded) loaded).model();
    GgufFile header = ((ModelLoader.Loaded) loaded).header();
    sleepUntil(loadStart + TimeUnit.MILLISECONDS.toNanos(faults.loadMs()));
    if (faults.segvMissing() != null) {
      // the real server prints no error line: its last words are the buffer sizes
      log.error(
          "fake",
          "fault",
          "SIGSEGV while repacking the weights ("
              + Fault.SEGV_UNLESS.envName()
              + ": '"
              + faults.segvMissing()
              + "' not given)");
      lifecycle.exit(128 + 11); // how a death by SIGSEGV looks to the parent JVM and to a shell
    }
    if (faults.failLoad() != null && failsThisTime(faults.failLoadOnce())) {
      String msg =
          ArgParser.truthy(faults.failLoad())
              ? "llama_model_loader: failed to load model from " + options.model()
              : faults.failLoad();
      fail(Failures.model(options.model(), msg));
      return;
    }
    ContextPlan plan = ContextPlan.of(options, model);
    log.print(plan.contextWarnings());
    if (plan.error() != null) {
      fail(Failures.context(options.model(), plan.error()));
      return;
    }
    if (options.verbosity() >= 4) {
      log.print(BufferLines.lines(BufferLines.sizes(header, options, plan)));
    }
    if (faults.holdBytes() > 0) {
      holdMemory(faults.holdBytes());
    }
    int threads =
        options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
    if (options.mmproj() != null) {
      ModelLoader.checkMmproj(options.mmproj(), threads).ifPresent(this::fail);
    }
    log.print(Failures.threadpool(threads));
    log.print(plan.slotWarnings());
    log.info(
        "srv",
        "load_model",
        "initializing, n_slots = "
            + plan.slots()
            + ", n_ctx_slot = "
            + plan.slotCtx()
            + ", kv_unified = '"
            + plan.kvUnified()
            + "'");
    SlotPool slots = new SlotPool(plan.slots(), plan.slotCtx(), lifecycle::isDraining);
    lifecycle.onDrain(slots::wakeAll);
    Metrics metrics = new Metrics();
    Inference inference = new Inference(options, faults, lifecycle, slots, metrics, log, clock);
    lifecycle.moveTo(ServerState.READY);
    api.ready(new LlamaApi.Ready(model, plan, slots, metrics, inference));
    log.info("srv", "llama_server", "model loaded");
    int shownPort = options.port() == 0 ? listener.port() : options.port();
    if (listener.port() == 8080) {
      log.warn(
          "srv",
          "llama_server",
          "NOTICE: server default port will be changed to :9931 in a future release");
    }
    log.info("srv", "llama_server", "listening on http://" + options.host() + ":" + shownPort);
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void fail(List<LogLine> lines) {
    log.print(lines);
    lifecycle.exit(1);
  }

  private void handleSignals(IntConsumer action) {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(name), s -> action.accept(s.getNumber()));
      } catch (IllegalArgumentException e) {
        log.warn("fake", "signals", "cannot handle SIG" + name + ": " + e.getMessage());
      }
    }
  }

  private void scheduleTimedFaults() {
    if (faults.exitAfterMs() < 0 && faults.hangAfterMs() < 0) {
      return;
    }
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fake-faults");
              t.setDaemon(true);
              return t;
            });
    if (faults.exitAfterMs() >= 0) {
      timer.schedule(
          () -> {
            log.error(
                "fake",
                "fault",
                "exiting with code "
                    + faults.exitCode()
                    + " ("
                    + Fault.EXIT_AFTER_MS.envName()
                    + ")");
            lifecycle.exit(faults.exitCode());
          },
          delayFromStartMicros(faults.exitAfterMs()),
          TimeUnit.MICROSECONDS);
    }
    if (faults.hangAfterMs() >= 0) {
      timer.schedule(
          () -> {
            log.warn(
                "fake",
                "fault",
                "no longer answering HTTP (" + Fault.HANG_AFTER_MS.envName() + ")");
            lifecycle.hang();
          },
          delayFromStartMicros(faults.hangAfterMs()),
          TimeUnit.MICROSECONDS);
    }
  }

  private long delayFromStartMicros(long ms) {
    return Math.max(0, ms * 1000 - uptimeMicros.getAsLong());
  }

  private void forkGrandchild() {
    try {
      Process p =
          new ProcessBuilder("sleep", String.valueOf(faults.forkGrandchildSeconds()))
              .redirectInput(ProcessBuilder.Redirect.INHERIT)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      log.info(
          "fake",
          "fault",
          "forked grandchild pid "
              + p.pid()
              + " holding stdout/stderr ("
              + Fault.FORK_GRANDCHILD.envName()
              + ")");
    } catch (IOException e) {
      log.error("fake", "fault", "cannot fork grandchild: " + e.getMessage());
    }
  }

  /** Mapped memory held until exit (a reference keeps it from being unmapped). */
  private final List<java.nio.MappedByteBuffer> held = new java.util.ArrayList<>();

  /**
   * Really holds {@code bytes} ({@code FAKE_LLAMA_HOLD_BYTES}): a shared mapping of an unlinked
   * file in {@code /dev/shm} (else the temporary directory), every page written, so the process's
   * RSS and the host's used memory grow like a loaded model's (the JVM heap stays small).
   */
  private void holdMemory(long bytes) {
    Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : null;
    try {
      Path file =
          dir == null
              ? Files.createTempFile("fake-llama-hold", ".bin")
              : Files.createTempFile(dir, "fake-llama-hold", ".bin");
      try (java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(
              file,
              java.nio.file.StandardOpenOption.READ,
              java.nio.file.StandardOpenOption.WRITE)) {
        long chunk = 1L << 30;
        for (long at = 0; at < bytes; at += chunk) {
          java.nio.MappedByteBuffer b =
              ch.map(
                  java.nio.channels.FileChannel.MapMode.READ_WRITE,
                  at,
                  Math.min(chunk, bytes - at));
          for (int i = 0; i < b.capacity(); i += 4096) {
            b.put(i, (byte) 1);
          }
          held.add(b);
        }
      } finally {
        Files.deleteIfExists(file);
      }
      log.info("fake", "memory", "holding " + bytes + " bytes");
    } catch (IOException | RuntimeException e) {
      log.error("fake", "memory", "cannot hold " + bytes + " bytes: " + e.getMessage());
    }
  }

  private void floodStderr(long bytes) {
    StringBuilder sb = new StringBuilder(64 * 1024);
    String filler = "flooding stderr (" + Fault.FLOOD_STDERR_BYTES.envName() + ") ";
    long left = bytes;
    long seq = 0;
    while (left > 0) {
      sb.setLength(0);
      while (sb.length() < 60 * 1024 && left - sb.length() > 0) {
        String line =
            LogLine.info("fake", "flood", filler + seq++).render(uptimeMicros.getAsLong()) + "\n";
        sb.append(line);
      }
      byte[] chunk = sb.toString().getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(chunk.length, left);
      if (n < chunk.length) {
        chunk[n - 1] = '\n';
      }
      log.write(n == chunk.length ? chunk : Arrays.copyOf(chunk, n));
      left -= n;
    }
  }

  private static void sleepUntil(long deadlineNanos) {
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return;
      }
      LockSupport.parkNanos(left);
    }
  }

  /**
   * Whether a forced load failure applies to this process: always without a marker file; with one,
   * only while it does not exist (this load creates it).
   */
  private static boolean failsThisTime(String marker) {
    if (marker == null) {
      return true;
    }
    try {
      java.nio.file.Files.createFile(java.nio.file.Path.of(marker));
      return true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return false;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + marker, e);
    }
  }
}
