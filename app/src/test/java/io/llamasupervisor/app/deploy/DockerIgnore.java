package io.llamasupervisor.app.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code .dockerignore}: which paths of the build context it leaves out. Patterns match a path or
 * any of its parent directories; {@code **} crosses directories (also none); a later {@code !}
 * pattern takes a path back in.
 */
final class DockerIgnore {
  private record Rule(PathMatcher matcher, PathMatcher rootMatcher, boolean include) {}

  private final List<Rule> rules;

  private DockerIgnore(List<Rule> rules) {
    this.rules = rules;
  }

  static DockerIgnore read(Path file) {
    List<Rule> rules = new ArrayList<>();
    try {
      for (String raw : Files.readAllLines(file)) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        boolean include = line.startsWith("!");
        String pattern = include ? line.substring(1) : line;
        pattern = pattern.startsWith("/") ? pattern.substring(1) : pattern;
        PathMatcher root = pattern.startsWith("**/") ? glob(pattern.substring(3)) : glob(pattern);
        rules.add(new Rule(glob(pattern), root, include));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new DockerIgnore(rules);
  }

  private static PathMatcher glob(String pattern) {
    return FileSystems.getDefault().getPathMatcher("glob:" + pattern);
  }

  /** Whether the path (relative to the context root) is left out of the build context. */
  boolean excludes(String relative) {
    boolean excluded = false;
    for (Path p = Path.of(relative); p != null; p = p.getParent()) {
      for (Rule r : rules) {
        if (r.matcher().matches(p) || r.rootMatcher().matches(p)) {
          excluded = !r.include();
        }
      }
      if (excluded) {
        return true;
      }
    }
    return false;
  }
}
