package io.llamasupervisor.supervisor.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The shared GGUF fixtures, copied from the test classpath into a directory. */
public final class Fixtures {
  /**
   * The real tiny llama model: n_embd 128, 4 heads, 2 KV heads (head dim 32), 2 layers, training
   * context 2048, 854528 tensor bytes.
   */
  public static final String TINY_LLAMA = "tiny-llama-f16.gguf";

  private Fixtures() {}

  /** Copies fixture {@code name} to {@code target} (creating parent directories). */
  public static Path copy(String name, Path target) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/gguf/" + name)) {
      if (in == null) {
        throw new IllegalStateException("fixture not on the test classpath: /gguf/" + name);
      }
      Files.createDirectories(target.toAbsolutePath().getParent());
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
