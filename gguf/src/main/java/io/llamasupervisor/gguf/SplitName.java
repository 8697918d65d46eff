package io.llamasupervisor.gguf;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shard file name of llama.cpp's {@code gguf-split}: {@code <prefix>-00001-of-00003.gguf}.
 *
 * @param prefix the name before {@code -NNNNN-of-MMMMM}
 * @param number one-based shard number
 * @param count total shards
 */
public record SplitName(String prefix, int number, int count) {
  private static final Pattern SHARD =
      Pattern.compile("(.+)-(\\d{5})-of-(\\d{5})\\.gguf", Pattern.CASE_INSENSITIVE);

  /** Parses a file name; empty when it is not a shard name. */
  public static Optional<SplitName> parse(String fileName) {
    Matcher m = SHARD.matcher(fileName);
    if (!m.matches()) {
      return Optional.empty();
    }
    int no = Integer.parseInt(m.group(2));
    int count = Integer.parseInt(m.group(3));
    if (no < 1 || count < 1 || no > count) {
      return Optional.empty();
    }
    return Optional.of(new SplitName(m.group(1), no, count));
  }

  public static Optional<SplitName> parse(Path path) {
    Path name = path.getFileName();
    return name == null ? Optional.empty() : parse(name.toString());
  }

  /** The file name of shard {@code number} (one-based) of this set. */
  public String shardFileName(int number) {
    return String.format("%s-%05d-of-%05d.gguf", prefix, number, count);
  }
}
