package io.llamasupervisor.app.cli;

import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Command-line arguments of the commands that read the configuration: {@code --config FILE}, {@code
 * --models-dir DIR}, {@code --llama-server PATH}, {@code --supervisor.KEY=VALUE}, plus the
 * command's own value options and flags. Values may follow the option or be given as {@code
 * --opt=value}.
 *
 * <p>Precedence, later wins: shipped {@code application.yml} &lt; {@code --config FILE} &lt; {@code
 * SUPERVISOR_MODELS_DIR} &lt; {@code --supervisor.KEY=VALUE} &lt; {@code --models-dir} and {@code
 * --llama-server}.
 */
final class ConfigArgs {
  private final List<String> overrides = new ArrayList<>();
  private final List<String> last = new ArrayList<>();
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> flags = new HashSet<>();
  private Path configFile;
  private boolean help;

  private ConfigArgs() {}

  /**
   * @throws IllegalArgumentException for an unknown argument or a missing value
   */
  static ConfigArgs parse(List<String> args, List<String> valueOptions, List<String> flagOptions) {
    ConfigArgs c = new ConfigArgs();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(0, eq) : a;
      String inline = eq > 0 ? a.substring(eq + 1) : null;
      if (name.equals("--help") || name.equals("-h")) {
        c.help = true;
      } else if (flagOptions.contains(name) && inline == null) {
        c.flags.add(name);
      } else if (name.equals("--config")
          || name.equals("--models-dir")
          || name.equals("--llama-server")
          || valueOptions.contains(name)) {
        String value = inline;
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(name + " needs a value");
          }
          value = args.get(++i);
        }
        switch (name) {
          case "--config" -> c.configFile = Path.of(value);
          case "--models-dir", "--llama-server" ->
              c.last.add("supervisor." + name.substring(2) + "=" + value);
          default -> c.values.put(name, value);
        }
      } else if (name.startsWith("--supervisor.") && inline != null) {
        c.overrides.add(a.substring(2));
      } else {
        throw new IllegalArgumentException("unknown argument '" + a + "'");
      }
    }
    return c;
  }

  /** The {@code --config} file, if given. */
  Optional<Path> configFile() {
    return Optional.ofNullable(configFile);
  }

  boolean help() {
    return help;
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  Optional<String> valueOf(String name) {
    return Optional.ofNullable(values.get(name));
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
