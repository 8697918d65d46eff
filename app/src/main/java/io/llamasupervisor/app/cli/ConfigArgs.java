package io.llamasupervisor.app.cli;

import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configuration arguments of one command, in their layering order, later wins: shipped {@code
 * application.yml} &lt; {@code --config FILE} &lt; {@code SUPERVISOR_MODELS_DIR} &lt; {@code
 * --supervisor.KEY=VALUE} (and the command's own options that stand for a key) &lt; {@code
 * --models-dir} and {@code --llama-server}.
 */
final class ConfigArgs {
  private final Path configFile;
  private final List<String> overrides;
  private final List<String> last;

  ConfigArgs(Path configFile, List<String> overrides, List<String> last) {
    this.configFile = configFile;
    this.overrides = new ArrayList<>(overrides);
    this.last = List.copyOf(last);
  }

  /** The {@code --config} file, if given. */
  Optional<Path> configFile() {
    return Optional.ofNullable(configFile);
  }

  /** Adds a {@code supervisor.KEY=VALUE} override that wins over the configuration files. */
  void override(String keyValue) {
    overrides.add(keyValue);
  }

  /** Loads and validates the merged configuration. */
  SupervisorConfig load(Map<String, String> env) {
    List<String> all = new ArrayList<>();
    String envDir = env.get("SUPERVISOR_MODELS_DIR");
    if (envDir != null && !envDir.isBlank()) {
      all.add("supervisor.models-dir=" + envDir);
    }
    all.addAll(overrides);
    all.addAll(last);
    return new ConfigLoader().load(configFile, all);
  }
}
