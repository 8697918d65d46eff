package io.llamasupervisor.app.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/** Reads the repository's YAML files and walks them by key. */
final class Yaml {
  private Yaml() {}

  /** The document of a file relative to the repository root. */
  static Map<String, Object> read(String relative) {
    try (Reader r = Files.newBufferedReader(Repo.file(relative))) {
      Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(r);
      if (doc == null) {
        throw new AssertionError(relative + " is empty");
      }
      return doc;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value at a path of keys; fails naming the path when it is missing. */
  static Object at(Map<String, Object> doc, String... path) {
    Object node = doc;
    StringBuilder walked = new StringBuilder();
    for (String key : path) {
      walked.append(walked.length() == 0 ? "" : ".").append(key);
      if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
        throw new AssertionError("no " + walked + " in " + doc.keySet());
      }
      node = map.get(key);
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> doc, String... path) {
    Object node = at(doc, path);
    if (!(node instanceof Map)) {
      throw new AssertionError(String.join(".", path) + " is not a map: " + node);
    }
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Map<String, Object> doc, String... path) {
    Object node = at(doc, path);
    if (!(node instanceof List)) {
      throw new AssertionError(String.join(".", path) + " is not a list: " + node);
    }
    return (List<Object>) node;
  }

  static String string(Map<String, Object> doc, String... path) {
    return String.valueOf(at(doc, path));
  }
}
