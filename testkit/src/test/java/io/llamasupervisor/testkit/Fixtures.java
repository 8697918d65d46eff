package io.llamasupervisor.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The shared GGUF fixtures (made with llama.cpp's writer, observed with the real llama-server). The
 * small ones are test resources; those that are copies of {@code tiny-llama-f16.gguf} with a byte
 * changed or cut short are derived from it, byte-identical to the originals (see {@link #SHA256}
 * and FixturesTest).
 */
final class Fixtures {
  static final String TINY = "tiny-llama-f16.gguf";

  /** sha256 of every fixture, from the fixtures' manifest. */
  static final Map<String, String> SHA256 =
      Map.ofEntries(
          Map.entry(TINY, "8d43745fc8b56c527c725e1c8957452066cc7d65222ad8e44a2bdf3110542a5c"),
          Map.entry(
              "bad-magic.gguf", "d8bd5f8dbba75ada18135e84d7a24614beabcf9942d2be9e1f2f11121b35cf61"),
          Map.entry(
              "truncated-header.gguf",
              "cd75398835164f0d1b65874563ddd6f04499eb992c101c8e378fa073154d365e"),
          Map.entry(
              "truncated-metadata.gguf",
              "3759f666b45d866b03b49d4f09502338cfaf496a18a94d11f720302e93cf0fb5"),
          Map.entry(
              "truncated-tensor-data.gguf",
              "6cc0added8228e632b93e6920268d628dc067893a6bfd407c45742ad8de71bff"),
          Map.entry(
              "version1.gguf", "d19b65170cfbe0d85c7c4bab932f6206caa39e9d161b1146c99ef1fe0c91f22f"),
          Map.entry(
              "version2.gguf", "a58db7e9fa71cd62ba60bf8276393f84e9c8828949653b1e51c4dfc94c5b363b"),
          Map.entry(
              "version99.gguf", "fa716aa7590772752a170f3e832fd772dd5f215a3f292adfe2c689412abb5de0"),
          Map.entry(
              "empty.gguf", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
          Map.entry(
              "absurd-tensor-count.gguf",
              "49718e6725bf5d346c21859a42fa4bc9543fbe687343fe0b405dd1744d3f6adf"),
          Map.entry(
              "absurd-kv-count.gguf",
              "37edb6ed42304b43fdd79351c3ef62e9d1290efa12b916976c768fe780c8c8f9"),
          Map.entry(
              "string-length-exceeds-file.gguf",
              "60615a8e89a221b3332b0de7018c08ee26a77de04eb1610be9f20f66fdc8a2fc"),
          Map.entry(
              "not-gguf-text.gguf",
              "5e8b9bb0bcbc01362e1f7bdf2c9960112922e2a08f4bcd5df96edcbbec5070ab"));

  private Fixtures() {}

  /** The fixture's bytes. */
  static byte[] bytes(String name) {
    return switch (name) {
      case "bad-magic.gguf" -> patched(3, (byte) 'X');
      case "version2.gguf" -> patched(4, (byte) 2);
      case "version99.gguf" -> patched(4, (byte) 99);
      case "truncated-header.gguf" -> Arrays.copyOf(resource(TINY), 16);
      case "truncated-metadata.gguf" -> Arrays.copyOf(resource(TINY), 5976);
      case "truncated-tensor-data.gguf" -> Arrays.copyOf(resource(TINY), 440416);
      default -> resource(name);
    };
  }

  /** Writes the fixture into {@code dir} under its own name. */
  static Path write(String name, Path dir) {
    try {
      Path p = dir.resolve(name);
      if (!Files.exists(p)) {
        Files.write(p, bytes(name));
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] patched(int offset, byte value) {
    byte[] b = resource(TINY);
    b[offset] = value;
    return b;
  }

  private static byte[] resource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/gguf/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no such fixture: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
