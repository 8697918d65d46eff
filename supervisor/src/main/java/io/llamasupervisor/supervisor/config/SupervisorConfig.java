package io.llamasupervisor.supervisor.config;

import io.llamasupervisor.supervisor.catalog.CatalogOptions;
import io.llamasupervisor.supervisor.launch.LaunchConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The validated {@code supervisor.*} configuration: what the catalog and the launch planner need,
 * and the merged tree itself so other components read their keys from the same source.
 *
 * @param catalog catalog options; {@link CatalogOptions#modelsDir()} is {@code null} when no models
 *     directory is configured
 * @param launch launch defaults and per-model overrides
 * @param tree the merged configuration document
 */
public record SupervisorConfig(CatalogOptions catalog, LaunchConfig launch, ConfigTree tree) {
  public SupervisorConfig {
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(launch, "launch");
    Objects.requireNonNull(tree, "tree");
  }

  /**
   * Binds and validates a configuration tree, the {@code serve}-only sections included, so that
   * {@code plan} and a reload refuse what {@code serve} would refuse.
   *
   * @throws ConfigException naming the key, the value and what is allowed; for an unknown key its
   *     full path and the closest known key
   */
  public static SupervisorConfig of(ConfigTree tree) {
    SupervisorConfig config = ConfigBinder.bind(tree);
    ServeConfig.of(config, Path.of(".llama-supervisor"));
    ClusterConfig.of(config);
    MemoryConfig.of(config);
    return config;
  }

  /**
   * The models directory.
   *
   * @throws ConfigException when none is configured
   */
  public Path requireModelsDir() {
    if (catalog.modelsDir() == null) {
      throw new ConfigException(
          "supervisor.models-dir", "not set (use --models-dir DIR or set it in the config file)");
    }
    return catalog.modelsDir();
  }
}
