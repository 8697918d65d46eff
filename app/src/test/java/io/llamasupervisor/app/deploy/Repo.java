package io.llamasupervisor.app.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository, found from the module's directory by walking up to the root. */
final class Repo {
  private static final Path ROOT = findRoot();

  private Repo() {}

  /** The repository root: the first directory upwards that holds {@code .ci/run} and a pom. */
  static Path root() {
    return ROOT;
  }

  /** A file relative to the repository root; fails when it does not exist. */
  static Path file(String relative) {
    Path p = ROOT.resolve(relative);
    if (!Files.exists(p)) {
      throw new AssertionError(relative + " does not exist in " + ROOT);
    }
    return p;
  }

  /** The fat jar that {@code mvn package} builds (integration tests run after it). */
  static Path jar() {
    return file("app/target/llama-supervisor.jar");
  }

  private static Path findRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve(".ci/run")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no repository root (a directory with .ci/run and pom.xml) above "
            + Path.of("").toAbsolutePath());
  }
}
