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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the {@code --config} file and applies a changed launch configuration (defaults and
 * per-model overrides) without a restart: only models whose plan changes are replaced, blue-green.
 * An invalid file is reported and the running configuration kept. Other sections take effect on the
 * next start.
 */
final class ConfigReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

  private final Path file;
  private final Supplier<SupervisorConfig> loader;
  private final FleetSupervisor fleet;
  private final Map<String, String> env;
  private final ScheduledExecutorService timer;
  private FileTime seen;

  ConfigReloader(
      Path file,
      Supplier<SupervisorConfig> loader,
      FleetSupervisor fleet,
      Map<String, String> env,
      Duration every) {
    this.file = file;
    this.env = env;
    this.loader = loader;
    this.fleet = fleet;
    this.seen = mtime();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "config-reload");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  static ConfigReloader watch(
      Path file, ConfigArgs args, Map<String, String> env, FleetSupervisor fleet) {
    return new ConfigReloader(file, () -> args.load(env), fleet, env, Duration.ofSeconds(2));
  }

  private FileTime mtime() {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  private void check() {
    FileTime now = mtime();
    if (now == null || now.equals(seen)) {
      return;
    }
    seen = now;
    try {
      SupervisorConfig config = loader.get();
      LlamaServerBinary binary = ServeCommand.binary(config, env);
      if (!binary.found()) {
        LOG.error(
            "not reloading {}: {}; keeping the running configuration",
            file,
            binary.notFoundMessage());
        return;
      }
      fleet.reconfigure(new LaunchPlanner(config.launch()), binary);
      LOG.info("reloaded {}: models whose launch plan changed are replaced", file);
    } catch (ConfigException e) {
      LOG.error("not reloading {}: {}; keeping the running configuration", file, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("not reloading {}: {}", file, e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
