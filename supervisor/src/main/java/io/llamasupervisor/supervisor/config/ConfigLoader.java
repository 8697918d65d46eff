package io.llamasupervisor.supervisor.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Loads the configuration in layers, later ones winning: built-in defaults &lt; {@code
 * application.yml} on the classpath &lt; a {@code --config FILE} (YAML) &lt; {@code
 * --supervisor.x=y} arguments. Used by every command, so {@code plan} shows exactly what {@code
 * serve} would do.
 */
public final class ConfigLoader {
  /** The classpath resource holding the shipped configuration. */
  public static final String APPLICATION_YML = "application.yml";

  private final String resource;
  private final ClassLoader classLoader;

  public ConfigLoader() {
    this(APPLICATION_YML, ConfigLoader.class.getClassLoader());
  }

  /** A loader reading another classpath resource (tests). */
  public ConfigLoader(String resource, ClassLoader classLoader) {
    this.resource = Objects.requireNonNull(resource, "resource");
    this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
  }

  /**
   * The merged tree.
   *
   * @param configFile a YAML file, or {@code null}
   * @param overrides {@code key=value} settings, e.g. {@code supervisor.defaults.parallel=2}, in
   *     order (a later one wins)
   * @throws ConfigException on an unreadable file, bad YAML, a top-level section ({@code
   *     supervisor}, {@code micronaut}) that is not a mapping, or a malformed override
   */
  public ConfigTree loadTree(Path configFile, List<String> overrides) {
    ConfigTree tree = classpathTree();
    if (configFile != null) {
      ConfigTree file = ConfigTree.readYaml(configFile);
      // a section that is not a mapping would be replaced, unseen, by the first override under it
      // (--models-dir is one): refused here, before any override
      for (String section : ConfigBinder.ROOT) {
        file.get(section).ifPresent(v -> new ConfigNode(section, v).entries(null));
      }
      tree = tree.merge(file);
    }
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(o, "expected key=value");
      }
      tree = tree.with(o.substring(0, eq), o.substring(eq + 1));
    }
    return tree;
  }

  /**
   * The validated configuration.
   *
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public SupervisorConfig load(Path configFile, List<String> overrides) {
    return SupervisorConfig.of(loadTree(configFile, overrides));
  }

  private ConfigTree classpathTree() {
    URL url = classLoader.getResource(resource);
    if (url == null) {
      return ConfigTree.empty();
    }
    try (InputStream in = url.openStream()) {
      return ConfigTree.readYaml(in, "classpath:" + resource);
    } catch (IOException e) {
      throw new ConfigException(null, "cannot read classpath:" + resource + ": " + e);
    }
  }
}
