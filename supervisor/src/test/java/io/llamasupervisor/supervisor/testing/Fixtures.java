package io.llamasupervisor.supervisor.testing;

import io.llamasupervisor.gguf.testing.GgufFixtures;
import java.nio.file.Path;

/** The shared GGUF fixtures ({@link GgufFixtures}), copied from the test classpath. */
public final class Fixtures {
  /** See {@link GgufFixtures#TINY_LLAMA}. */
  public static final String TINY_LLAMA = GgufFixtures.TINY_LLAMA;

  private Fixtures() {}

  /** Copies fixture {@code name} to {@code target} (creating parent directories). */
  public static Path copy(String name, Path target) {
    return GgufFixtures.copy(name, target);
  }
}
