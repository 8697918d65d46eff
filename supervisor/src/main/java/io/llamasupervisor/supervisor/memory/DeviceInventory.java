package io.llamasupervisor.supervisor.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices of this host and their memory: the GPUs (any non-CPU backend: CUDA, ROCm, Vulkan,
 * Metal, SYCL...) as the configured llama-server reports them with {@code --list-devices}, and
 * system RAM as device {@code cpu} from {@code /proc/meminfo} ({@code MemTotal}, {@code
 * MemAvailable}).
 *
 * <p>llama-server b10470 prints (common/arg.cpp, {@code common_print_available_devices}) {@code
 * Available devices:} then one line per device, {@code " %s: %s (%zu MiB, %zu MiB free)"} with the
 * backend's device name, its description, total and free MiB; or {@code " (none)"} on a CPU-only
 * build. {@link #read()} never throws: what cannot be read is left out and named in {@link
 * Reading#problems()}.
 */
public final class DeviceInventory {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceInventory.class);

  /** How long {@code llama-server --list-devices} may take (backend initialisation included). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final long MIB = 1024L * 1024;
  private static final Pattern DEVICE_LINE =
      Pattern.compile(
          "^\\s*([A-Za-z][\\w.-]*):\\s*(.*?)\\s*\\((\\d+) MiB, (\\d+) MiB free\\)\\s*$");
  private static final Pattern MEMINFO_LINE = Pattern.compile("^(\\w+):\\s+(\\d+)\\s*kB\\s*$");

  /** Runs a command and returns what it printed on stdout. */
  @FunctionalInterface
  public interface CommandRunner {
    /**
     * @throws IOException with a message saying what went wrong (not found, exit status, timeout)
     */
    String run(List<String> command, Duration timeout) throws IOException;
  }

  /** Reads the text of {@code /proc/meminfo}. */
  @FunctionalInterface
  public interface MemInfoSource {
    String read() throws IOException;
  }

  /**
   * What one read found.
   *
   * @param devices {@code cpu} first (when readable), then the GPUs in llama-server's order
   * @param problems what could not be read, one sentence each; empty when all went well
   */
  public record Reading(List<Device> devices, List<String> problems) {
    public Reading {
      devices = List.copyOf(devices);
      problems = List.copyOf(problems);
    }

    /** The non-CPU devices. */
    public List<Device> gpus() {
      return devices.stream().filter(d -> !d.isCpu()).toList();
    }

    public Optional<Device> device(String id) {
      return devices.stream().filter(d -> d.id().equals(id)).findFirst();
    }
  }

  private final String llamaServer;
  private final Duration timeout;
  private final CommandRunner runner;
  private final MemInfoSource memInfo;

  /**
   * @param llamaServer the llama-server binary, or {@code null} to list no GPUs
   * @param timeout how long {@code --list-devices} may take
   * @param runner runs the binary
   * @param memInfo the text of {@code /proc/meminfo}
   */
  public DeviceInventory(
      String llamaServer, Duration timeout, CommandRunner runner, MemInfoSource memInfo) {
    this.llamaServer = llamaServer;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.memInfo = Objects.requireNonNull(memInfo, "memInfo");
  }

  /** This host: runs {@code llamaServer --list-devices}, reads {@code /proc/meminfo}. */
  public static DeviceInventory forHost(String llamaServer) {
    return new DeviceInventory(
        llamaServer,
        DEFAULT_TIMEOUT,
        DeviceInventory::runProcess,
        () -> Files.readString(Path.of("/proc/meminfo"), StandardCharsets.UTF_8));
  }

  /** Reads every device now. Blocks for as long as {@code --list-devices} takes (bounded). */
  public Reading read() {
    return read(true);
  }

  private Reading read(boolean listGpus) {
    List<Device> devices = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    try {
      parseMemInfo(memInfo.read())
          .ifPresentOrElse(
              devices::add,
              () -> problems.add("/proc/meminfo has no MemTotal/MemAvailable: system RAM unknown"));
    } catch (IOException | RuntimeException e) {
      problems.add("cannot read /proc/meminfo: " + e.getMessage());
    }
    if (listGpus && llamaServer != null && !llamaServer.isBlank()) {
      try {
        String out = runner.run(List.of(llamaServer, "--list-devices"), timeout);
        devices.addAll(parseListDevices(out, problems));
      } catch (IOException | RuntimeException e) {
        problems.add(llamaServer + " --list-devices failed: " + e.getMessage());
      }
    }
    return new Reading(devices, problems);
  }

  /**
   * This inventory as the memory scheduler reads it: the devices of {@link #read()}; its problems
   * (an unreadable {@code /proc/meminfo}, a failing {@code --list-devices}) are logged, each once.
   * When the first reading lists no GPU, later ones read {@code /proc/meminfo} only: a host does
   * not grow a GPU while it runs, and the scheduler polls while it waits for freed memory.
   */
  public DeviceReader reader() {
    Set<String> logged = ConcurrentHashMap.newKeySet();
    AtomicReference<Boolean> gpus = new AtomicReference<>();
    return () -> {
      Reading r = read(!Boolean.FALSE.equals(gpus.get()));
      gpus.compareAndSet(null, !r.gpus().isEmpty());
      r.problems().stream().filter(logged::add).forEach(p -> LOG.warn("devices: {}", p));
      return r.devices();
    };
  }

  /**
   * Parses the output of {@code llama-server --list-devices}. Lines that are not device lines are
   * reported in {@code problems}, except the header and {@code (none)}; a missing header too.
   */
  public static List<Device> parseListDevices(String output, List<String> problems) {
    List<Device> found = new ArrayList<>();
    boolean header = false;
    for (String line : output.split("\\R")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.trim().equals("Available devices:")) {
        header = true;
        continue;
      }
      if (!header) {
        continue; // backend initialisation may print before the list
      }
      if (line.trim().equals("(none)")) {
        continue;
      }
      Matcher m = DEVICE_LINE.matcher(line);
      if (!m.matches()) {
        problems.add("unreadable line in --list-devices output: '" + line.trim() + "'");
        continue;
      }
      try {
        long total = Math.multiplyExact(Long.parseLong(m.group(3)), MIB);
        long free = Math.multiplyExact(Long.parseLong(m.group(4)), MIB);
        found.add(new Device(Device.idOf(m.group(1)), m.group(2), total, free));
      } catch (ArithmeticException | NumberFormatException e) {
        problems.add("memory size out of range in --list-devices output: '" + line.trim() + "'");
      }
    }
    if (!header) {
      String first =
          output.isBlank() ? "nothing" : "'" + output.strip().lines().findFirst().get() + "'";
      problems.add(
          "--list-devices printed no 'Available devices:' line (got " + first + "): no GPU read");
    }
    return found;
  }

  /** Device {@code cpu} from {@code /proc/meminfo}; empty without MemTotal or MemAvailable. */
  public static Optional<Device> parseMemInfo(String text) {
    long total = -1;
    long available = -1;
    for (String line : text.split("\\R")) {
      Matcher m = MEMINFO_LINE.matcher(line.trim());
      if (!m.matches()) {
        continue;
      }
      try {
        long bytes = Math.multiplyExact(Long.parseLong(m.group(2)), 1024L);
        if (m.group(1).equals("MemTotal")) {
          total = bytes;
        } else if (m.group(1).equals("MemAvailable")) {
          available = bytes;
        }
      } catch (ArithmeticException | NumberFormatException e) {
        // an absurd value is as good as none
      }
    }
    if (total < 0 || available < 0) {
      return Optional.empty();
    }
    return Optional.of(new Device(Device.CPU, "system RAM", total, Math.min(available, total)));
  }

  /**
   * Runs {@code command} with stdout and stderr in temporary files; kills it after {@code timeout}.
   */
  static String runProcess(List<String> command, Duration timeout) throws IOException {
    Path out = Files.createTempFile("list-devices", ".out");
    Path err = Files.createTempFile("list-devices", ".err");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      boolean exited;
      try {
        exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      if (!exited) {
        p.destroyForcibly();
        throw new IOException("no answer within " + timeout.toMillis() + " ms (killed)");
      }
      if (p.exitValue() != 0) {
        List<String> lines =
            new String(Files.readAllBytes(err), StandardCharsets.UTF_8).lines().toList();
        String tail = lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1);
        throw new IOException("exit status " + p.exitValue() + tail);
      }
      return new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
