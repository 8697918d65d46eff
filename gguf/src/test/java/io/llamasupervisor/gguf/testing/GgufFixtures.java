package io.llamasupervisor.gguf.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GGUF fixtures made with llama.cpp's reference writer (observed with the real llama-server),
 * stored once, in this module's test resources under {@code /fixtures/} with their {@code
 * manifest.json}, and shared with the other modules' tests through this module's test-jar. Read
 * them through the classpath ({@link #bytes}, {@link #copy}): in another module's build they may be
 * inside a jar.
 */
public final class GgufFixtures {
  /** The folder of the fixtures on the test classpath. */
  public static final String FOLDER = "/fixtures/";

  /**
   * The real tiny llama model: n_embd 128, 4 heads, 2 KV heads (head dim 32), 2 layers, training
   * context 2048, 854528 tensor bytes.
   */
  public static final String TINY_LLAMA = "tiny-llama-f16.gguf";

  private static final Pattern ENTRY =
      Pattern.compile("\"file\"\\s*:\\s*\"([^\"]+)\"[^{}]*?\"sha256\"\\s*:\\s*\"([0-9a-f]{64})\"");

  private GgufFixtures() {}

  /** The bytes of fixture {@code name}. */
  public static byte[] bytes(String name) {
    try (InputStream in = open(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies fixture {@code name} to {@code target} (creating parent directories). */
  public static Path copy(String name, Path target) {
    try (InputStream in = open(name)) {
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies fixture {@code name} into {@code dir} under its own name, unless it is there. */
  public static Path copyInto(String name, Path dir) {
    Path p = dir.resolve(name);
    return Files.exists(p) ? p : copy(name, p);
  }

  /** File name → sha256 (lower-case hex) of every fixture, as the manifest records them. */
  public static Map<String, String> sha256() {
    String manifest = new String(bytes("manifest.json"), StandardCharsets.UTF_8);
    Map<String, String> hashes = new LinkedHashMap<>();
    Matcher m = ENTRY.matcher(manifest);
    while (m.find()) {
      hashes.put(m.group(1), m.group(2));
    }
    if (hashes.isEmpty()) {
      throw new IllegalStateException("no file with a sha256 in " + FOLDER + "manifest.json");
    }
    return hashes;
  }

  private static InputStream open(String name) {
    InputStream in = GgufFixtures.class.getResourceAsStream(FOLDER + name);
    if (in == null) {
      throw new IllegalArgumentException(
          "fixture not on the test classpath: "
              + FOLDER
              + name
              + " (a test dependency on gguf's test-jar brings them)");
    }
    return in;
  }
}
