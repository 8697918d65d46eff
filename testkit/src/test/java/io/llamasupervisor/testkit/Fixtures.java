package io.llamasupervisor.testkit;

import io.llamasupervisor.gguf.testing.GgufFixtures;
import java.nio.file.Path;

/** The shared GGUF fixtures ({@link GgufFixtures}, from gguf's test-jar). */
final class Fixtures {
  static final String TINY = GgufFixtures.TINY_LLAMA;

  private Fixtures() {}

  /** Writes the fixture into {@code dir} under its own name (unless it is there). */
  static Path write(String name, Path dir) {
    return GgufFixtures.copyInto(name, dir);
  }
}
