package io.llamasupervisor.supervisor.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A configuration document as nested maps, the one source every setting is read from. Layers are
 * combined with {@link #merge}: maps merge key by key, anything else (scalars, lists) is replaced
 * by the later layer.
 *
 * <p>Map keys are kept verbatim, so a per-model glob such as {@code "**}{@code /Qwen2.5-7B*"} stays
 * one key (Micronaut's property resolver would split it at the dot and lowercase it).
 */
public final class ConfigTree {
  private final Map<String, Object> root;

  private ConfigTree(Map<String, Object> root) {
    this.root = root;
  }

  public static ConfigTree empty() {
    return new ConfigTree(Map.of());
  }

  /** Parses a YAML document; {@code source} names it in error messages. */
  public static ConfigTree parseYaml(Reader yaml, String source) {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      throw new ConfigException(null, "cannot parse " + source + ": " + e.getMessage());
    }
    if (doc == null) {
      return empty();
    }
    if (!(doc instanceof Map<?, ?> m)) {
      throw new ConfigException(null, source + ": expected a YAML mapping at the top level");
    }
    return new ConfigTree(copy(m));
  }

  public static ConfigTree parseYaml(String yaml, String source) {
    return parseYaml(new StringReader(yaml), source);
  }

  public static ConfigTree readYaml(Path file) {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parseYaml(r, file.toString());
    } catch (IOException e) {
      throw new ConfigException(null, "cannot read config file " + file + ": " + why(e));
    }
  }

  /** Why a file cannot be read, in words: {@code no such file}, {@code permission denied}... */
  static String why(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(java.util.Locale.ROOT);
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  static ConfigTree readYaml(InputStream in, String source) throws IOException {
    try (Reader r = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
      return parseYaml(r, source);
    }
  }

  /** This tree with {@code over} on top. */
  public ConfigTree merge(ConfigTree over) {
    return new ConfigTree(mergeMaps(root, over.root));
  }

  /**
   * This tree with one value set, as from a {@code --supervisor.x.y=value} argument. The key is
   * dotted; a segment may be quoted to contain dots or slashes: {@code
   * supervisor.models."lmstudio-community/**".parallel}. The value stays a string, except a YAML
   * flow list or map ({@code [a, b]}, {@code {K: v}}).
   */
  public ConfigTree with(String dottedKey, String value) {
    List<String> path = parseKey(dottedKey);
    Object v = value;
    String t = value.trim();
    if (t.startsWith("[") || t.startsWith("{")) {
      try {
        v = normalize(new Yaml(new SafeConstructor(new LoaderOptions())).load(t));
      } catch (YAMLException e) {
        throw new ConfigException(dottedKey, "cannot parse '" + value + "': " + e.getMessage());
      }
    }
    Object leaf = v;
    for (int i = path.size() - 1; i >= 0; i--) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(path.get(i), leaf);
      leaf = m;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> over = (Map<String, Object>) leaf;
    return new ConfigTree(mergeMaps(root, over));
  }

  /** The value at a path of keys, if any. */
  public Optional<Object> get(String... path) {
    Object cur = root;
    for (String k : path) {
      if (!(cur instanceof Map<?, ?> m) || !m.containsKey(k)) {
        return Optional.empty();
      }
      cur = m.get(k);
    }
    return Optional.ofNullable(cur);
  }

  /** The whole document (read-only). */
  public Map<String, Object> asMap() {
    return Collections.unmodifiableMap(root);
  }

  /** Splits a dotted key into segments; {@code "..."} or {@code '...'} quote a segment. */
  static List<String> parseKey(String key) {
    List<String> out = new ArrayList<>();
    StringBuilder seg = new StringBuilder();
    int i = 0;
    boolean quotedSegment = false;
    while (i < key.length()) {
      char c = key.charAt(i);
      if ((c == '"' || c == '\'') && seg.length() == 0 && !quotedSegment) {
        int end = key.indexOf(c, i + 1);
        if (end < 0) {
          throw new ConfigException(key, "unterminated quote in key");
        }
        seg.append(key, i + 1, end);
        quotedSegment = true;
        i = end + 1;
        if (i < key.length() && key.charAt(i) != '.') {
          throw new ConfigException(key, "expected '.' after a quoted key segment");
        }
      } else if (c == '.') {
        addSegment(key, out, seg, quotedSegment);
        seg.setLength(0);
        quotedSegment = false;
        i++;
      } else {
        seg.append(c);
        i++;
      }
    }
    addSegment(key, out, seg, quotedSegment);
    return out;
  }

  private static void addSegment(String key, List<String> out, StringBuilder seg, boolean quoted) {
    if (seg.length() == 0 && !quoted) {
      throw new ConfigException(key, "empty key segment");
    }
    out.add(seg.toString());
  }

  private static Map<String, Object> mergeMaps(Map<String, Object> base, Map<String, Object> over) {
    Map<String, Object> out = new LinkedHashMap<>(base);
    for (Map.Entry<String, Object> e : over.entrySet()) {
      Object b = out.get(e.getKey());
      if (b instanceof Map<?, ?> bm && e.getValue() instanceof Map<?, ?> om) {
        out.put(e.getKey(), mergeMaps(copy(bm), copy(om)));
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  private static Map<String, Object> copy(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
    return out;
  }

  private static Object normalize(Object v) {
    if (v instanceof Map<?, ?> m) {
      return copy(m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(normalize(x)));
      return out;
    }
    return v;
  }
}
