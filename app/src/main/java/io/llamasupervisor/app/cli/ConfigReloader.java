package io.llamasupervisor.app.cli;

import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.supervise.FleetSupervisor;
import io.llamasupervisor.supervisor.supervise.LlamaServerBinary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the {@code --config} file and applies a changed launch configuration (defaults and
 * per-model overrides) without a restart: only models whose plan changes are replaced, blue-green.
 * An invalid file (a bad value, an unknown key, a llama-server that cannot be found, a memory
 * budget naming a device this host does not have) is reported and the running configuration kept.
 * Other sections take effect on the next start.
 *
 * <p>{@link #check()} compares the file's modification time with the one seen last and reloads when
 * it changed; {@link #watch} runs it every 2 s on a daemon thread.
 */
final class ConfigReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

  /** Where a reloaded configuration goes: {@link FleetSupervisor#reconfigure}. */
  interface Target {
    void reconfigure(LaunchPlanner planner, LlamaServerBinary binary);
  }

  private final Path file;
  private final Supplier<SupervisorConfig> loader;
  private final Target target;
  private final Map<String, String> env;
  private final Consumer<SupervisorConfig> hostCheck;
  private ScheduledExecutorService timer;
  private FileTime seen;

  /** A reloader that has seen the file as it is now; nothing runs until {@link #check()}. */
  ConfigReloader(
      Path file, Supplier<SupervisorConfig> loader, Target target, Map<String, String> env) {
    this(file, loader, target, env, c -> {});
  }

  /**
   * @param hostCheck checks a loaded configuration against this host beyond its own validation (a
   *     memory budget's devices); throws a {@link ConfigException} to refuse it
   */
  ConfigReloader(
      Path file,
      Supplier<SupervisorConfig> loader,
      Target target,
      Map<String, String> env,
      Consumer<SupervisorConfig> hostCheck) {
    this.file = file;
    this.env = env;
    this.loader = loader;
    this.target = target;
    this.hostCheck = hostCheck;
    this.seen = mtime();
  }

  static ConfigReloader watch(
      Path file,
      ConfigArgs args,
      Map<String, String> env,
      FleetSupervisor fleet,
      Consumer<SupervisorConfig> hostCheck) {
    ConfigReloader r =
        new ConfigReloader(file, () -> args.load(env), fleet::reconfigure, env, hostCheck);
    r.every(Duration.ofSeconds(2));
    return r;
  }

  private void every(Duration period) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "config-reload");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::check, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private FileTime mtime() {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Reloads when the file changed since the last check.
   *
   * @return whether a new configuration was applied
   */
  boolean check() {
    FileTime now = mtime();
    if (now == null || now.equals(seen)) {
      return false;
    }
    seen = now;
    try {
      SupervisorConfig config = loader.get();
      hostCheck.accept(config);
      LlamaServerBinary binary = ServeCommand.binary(config, env);
      if (!binary.found()) {
        LOG.error(
            "not reloading {}: {}; keeping the running configuration",
            file,
            binary.notFoundMessage());
        return false;
      }
      target.reconfigure(new LaunchPlanner(config.launch()), binary);
      LOG.info("reloaded {}: models whose launch plan changed are replaced", file);
      return true;
    } catch (ConfigException e) {
      LOG.error("not reloading {}: {}; keeping the running configuration", file, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("not reloading {}: {}", file, e.toString());
    }
    return false;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
