package io.llamasupervisor.gguf;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of verifying one GGUF file (or split set, named by its first shard).
 *
 * @param path the file verified
 * @param reason the rejection reason, {@code null} when accepted
 * @param message a human message naming the offset and what was expected; "ok" when accepted
 * @param file the parsed header when it could be read (also for some rejections, e.g. truncated
 *     tensor data), else {@code null}
 */
public record Verdict(Path path, Reason reason, String message, GgufFile file) {
  public Verdict {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  static Verdict accepted(Path path, GgufFile file) {
    return new Verdict(path, null, "ok", Objects.requireNonNull(file));
  }

  static Verdict rejected(Path path, Reason reason, String message, GgufFile file) {
    return new Verdict(path, Objects.requireNonNull(reason), message, file);
  }

  public boolean isAccepted() {
    return reason == null;
  }

  public Optional<GgufFile> header() {
    return Optional.ofNullable(file);
  }

  @Override
  public String toString() {
    return isAccepted() ? path + ": accepted" : path + ": rejected " + reason + ": " + message;
  }
}
