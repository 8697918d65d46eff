package io.llamasupervisor.testkit;

import io.llamasupervisor.gguf.GgufVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A fake {@code llama-server} (llama.cpp b10470) that runs as a real, separate process and behaves
 * like the real one where a supervisor can tell: command line and its errors, GGUF header checks
 * and their stderr lines, context sizing, the loading 503 then {@code /health} 200, the monitoring
 * and completion endpoints (SSE included), slots and queueing, API keys, and signals. Faults are
 * injected with {@code FAKE_LLAMA_*} environment variables or {@code --fake-*} flags (see
 * testkit/README.md).
 *
 * <p>For tests: {@link #command(List)} gives the argv to start it, {@link #installExecutable(Path)}
 * writes a {@code llama-server} script that starts it, {@link FakeServerProcess} runs it.
 */
public final class FakeLlamaServer {
  /** JVM flags for a fast start and a small footprint. */
  public static final List<String> JVM_OPTIONS =
      List.of(
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:-UsePerfData",
          "-Xss512k",
          "-Xmx64m",
          "-Xshare:auto");

  private static final List<String> SIGNAL_RESET = signalReset();

  private FakeLlamaServer() {}

  /** Runs the fake server with llama-server's arguments (plus optional {@code --fake-*} flags). */
  public static void main(String[] args) {
    Clock clock = Clock.systemUTC();
    long startMonotonicUs = System.nanoTime() / 1000;
    LongSupplier uptime = uptimeMicros();
    ServerLog log = ServerLog.stderr(uptime);
    FaultPlan.Parsed faults;
    try {
      faults = FaultPlan.parse(Arrays.asList(args), System.getenv());
    } catch (IllegalArgumentException e) {
      log.print(LogLine.raw("fake llama-server: " + e.getMessage()));
      Runtime.getRuntime().halt(2);
      return;
    }
    if (faults.llamaArgs().contains("--list-devices")) {
      // the real handler prints and exits while the command line is parsed
      System.out.print(faults.plan().devices().listing());
      System.out.flush();
      Runtime.getRuntime().halt(0);
      return;
    }
    ArgParser.Outcome outcome =
        new ArgParser(HelpText.bundled()).parse(faults.llamaArgs(), System.getenv());
    if (outcome instanceof ArgParser.Exit exit) {
      System.out.print(exit.stdout());
      System.out.flush();
      log.print(exit.stderr());
      Runtime.getRuntime().halt(exit.code());
      return;
    }
    ArgParser.Run run = (ArgParser.Run) outcome;
    log.print(run.notices());
    new FakeServer(run.options(), faults.plan(), log, clock, uptime, startMonotonicUs).run();
  }

  /**
   * Microseconds since this process started (llama.cpp's log clock). The start is read from {@code
   * /proc} (10 ms resolution); without it the clock starts at {@code main}.
   */
  private static LongSupplier uptimeMicros() {
    long nano0 = System.nanoTime();
    long offsetUs = processAgeMicros();
    return () -> offsetUs + (System.nanoTime() - nano0) / 1000;
  }

  private static long processAgeMicros() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(fields[19]);
      String uptime = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
      long uptimeUs = Math.round(Double.parseDouble(uptime) * 1_000_000);
      return Math.max(0, uptimeUs - startTicks * 10_000);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * The full argv that starts the fake with {@code llamaArgs}: this JVM's {@code java}, {@link
   * #JVM_OPTIONS}, a class path holding testkit and gguf, the main class, the arguments. Where
   * {@code env --default-signal} exists (GNU coreutils), the argv starts with {@code env
   * --default-signal=INT,TERM}: a parent that ignores SIGINT (a background job of a non-interactive
   * shell) passes that on, and a JVM cannot handle an inherited ignored signal, while the real
   * server installs its handler regardless. {@code env} execs java in the same process.
   */
  public static List<String> command(List<String> llamaArgs) {
    List<String> cmd = new ArrayList<>(SIGNAL_RESET);
    cmd.add(javaBinary());
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add(FakeLlamaServer.class.getName());
    cmd.addAll(llamaArgs);
    return cmd;
  }

  /**
   * Writes an executable {@code llama-server} shell script into {@code dir} that {@code exec}s the
   * fake with its arguments ({@code "$@"}); the environment passes through, so {@code FAKE_LLAMA_*}
   * variables reach it.
   *
   * @return the script's path
   */
  public static Path installExecutable(Path dir) {
    try {
      Files.createDirectories(dir);
      StringBuilder sb = new StringBuilder("#!/bin/sh\n");
      sb.append("# fake llama-server for tests (io.llamasupervisor.testkit.FakeLlamaServer)\n");
      sb.append("exec");
      for (String part : command(List.of())) {
        sb.append(' ').append(shellQuote(part));
      }
      sb.append(" \"$@\"\n");
      Path script = dir.resolve("llama-server");
      Files.writeString(script, sb.toString(), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      return script;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * {@code env --default-signal=INT,TERM} if this system's {@code env} supports it, else nothing.
   */
  private static List<String> signalReset() {
    Path env = Path.of("/usr/bin/env");
    if (!Files.isExecutable(env)) {
      return List.of();
    }
    List<String> reset = List.of(env.toString(), "--default-signal=INT,TERM");
    try {
      List<String> probe = new ArrayList<>(reset);
      probe.add("true");
      Process p =
          new ProcessBuilder(probe)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return reset;
      }
      p.destroyForcibly();
    } catch (IOException e) {
      // no usable env: start java directly
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return List.of();
  }

  private static String javaBinary() {
    Path home = Path.of(System.getProperty("java.home"), "bin", "java");
    if (Files.isExecutable(home)) {
      return home.toString();
    }
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** Where testkit's and gguf's classes come from; the current class path as a fallback. */
  private static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : List.of(FakeLlamaServer.class, GgufVerifier.class)) {
      CodeSource src = c.getProtectionDomain().getCodeSource();
      if (src == null || src.getLocation() == null) {
        return System.getProperty("java.class.path");
      }
      try {
        entries.add(Path.of(src.getLocation().toURI()).toString());
      } catch (URISyntaxException | IllegalArgumentException e) {
        return System.getProperty("java.class.path");
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }
}
