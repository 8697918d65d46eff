package io.llamasupervisor.supervisor.launch;

import java.util.List;
import java.util.Objects;

/**
 * Everything the planner needs from configuration.
 *
 * @param llamaServer the llama-server binary ({@code argv[0]}): a path or a name looked up on PATH
 * @param defaults the settings for every model
 * @param overrides per-model overrides, applied in order to each model whose id matches (later ones
 *     win)
 */
public record LaunchConfig(
    String llamaServer, LaunchSettings defaults, List<LaunchOverride> overrides) {
  public static final String DEFAULT_BINARY = "llama-server";

  public LaunchConfig {
    Objects.requireNonNull(llamaServer, "llamaServer");
    Objects.requireNonNull(defaults, "defaults");
    overrides = List.copyOf(overrides);
  }

  /** Built-in defaults, no overrides, {@code llama-server} from PATH. */
  public static LaunchConfig builtIn() {
    return new LaunchConfig(DEFAULT_BINARY, LaunchSettings.defaults(), List.of());
  }

  /** The settings for one model: the defaults with every matching override applied in order. */
  public LaunchSettings settingsFor(String modelId) {
    LaunchSettings s = defaults;
    for (LaunchOverride o : overrides) {
      if (o.matches(modelId)) {
        s = s.with(o);
      }
    }
    return s;
  }
}
