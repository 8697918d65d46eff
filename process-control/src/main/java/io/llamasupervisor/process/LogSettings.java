package io.llamasupervisor.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a process's combined stdout/stderr goes and how much of it we keep. Immutable; made with
 * {@link #defaults(Path)}, {@link #builder(Path)} or {@link #toBuilder()}.
 *
 * @param directory the log directory; each instance writes {@link #logFileFor(String)} there
 * @param maxLines the ring buffer keeps at most this many recent lines
 * @param maxBytes ... and at most this many bytes (UTF-8) of them
 * @param maxLineBytes a longer line is cut to this many bytes and marked
 * @param maxFileBytes once the file is larger, the tailer truncates it to 0 after reading it, and a
 *     backlog larger than this is skipped rather than read
 * @param pollInterval how often the file is read while output arrives (an idle file is read less
 *     often, down to once a second)
 * @param maxLoggedLinesPerPoll at most this many lines per poll are forwarded to the slf4j logger;
 *     the rest is counted in one summary line (the ring buffer still gets them all)
 */
public record LogSettings(
    Path directory,
    int maxLines,
    int maxBytes,
    int maxLineBytes,
    long maxFileBytes,
    Duration pollInterval,
    int maxLoggedLinesPerPoll) {

  public static final int DEFAULT_MAX_LINES = 1000;
  public static final int DEFAULT_MAX_BYTES = 256 * 1024;
  public static final int DEFAULT_MAX_LINE_BYTES = 4096;
  public static final long DEFAULT_MAX_FILE_BYTES = 16L * 1024 * 1024;
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
  public static final int DEFAULT_MAX_LOGGED_LINES_PER_POLL = 100;

  public LogSettings {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(pollInterval, "pollInterval");
    require(maxLines > 0, "maxLines must be positive, got " + maxLines);
    require(maxLineBytes > 0, "maxLineBytes must be positive, got " + maxLineBytes);
    require(
        maxBytes >= maxLineBytes,
        "maxBytes (" + maxBytes + ") must be at least maxLineBytes (" + maxLineBytes + ")");
    require(maxFileBytes >= 4096, "maxFileBytes must be at least 4096, got " + maxFileBytes);
    require(
        !pollInterval.isNegative() && !pollInterval.isZero(),
        "pollInterval must be positive, got " + pollInterval);
    require(maxLoggedLinesPerPoll >= 0, "maxLoggedLinesPerPoll must not be negative");
  }

  /**
   * The defaults: 1000 lines / 256 KiB kept, 4 KiB lines, 16 MiB file, read every 100 ms while
   * output arrives.
   */
  public static LogSettings defaults(Path directory) {
    return builder(directory).build();
  }

  /** A builder for logs in {@code directory} with every other field at its default. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** A builder that starts from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder(directory);
    b.maxLines = maxLines;
    b.maxBytes = maxBytes;
    b.maxLineBytes = maxLineBytes;
    b.maxFileBytes = maxFileBytes;
    b.pollInterval = pollInterval;
    b.maxLoggedLinesPerPoll = maxLoggedLinesPerPoll;
    return b;
  }

  /** Collects fields; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private final Path directory;
    private int maxLines = DEFAULT_MAX_LINES;
    private int maxBytes = DEFAULT_MAX_BYTES;
    private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;
    private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private int maxLoggedLinesPerPoll = DEFAULT_MAX_LOGGED_LINES_PER_POLL;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /**
     * Keep at most {@code lines} lines and {@code bytes} bytes; lines longer than {@code bytes} are
     * cut to it.
     */
    public Builder buffer(int lines, int bytes) {
      maxLines = lines;
      maxBytes = bytes;
      maxLineBytes = Math.min(maxLineBytes, bytes);
      return this;
    }

    public Builder maxLineBytes(int value) {
      maxLineBytes = value;
      return this;
    }

    public Builder maxFileBytes(long value) {
      maxFileBytes = value;
      return this;
    }

    public Builder pollInterval(Duration value) {
      pollInterval = value;
      return this;
    }

    public Builder maxLoggedLinesPerPoll(int value) {
      maxLoggedLinesPerPoll = value;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the first invalid field
     */
    public LogSettings build() {
      return new LogSettings(
          directory,
          maxLines,
          maxBytes,
          maxLineBytes,
          maxFileBytes,
          pollInterval,
          maxLoggedLinesPerPoll);
    }
  }

  /**
   * The log file of instance {@code id}: {@code <directory>/<id>.log}, with every character outside
   * {@code [A-Za-z0-9._-]} replaced by {@code _}; when anything was replaced, a short hash of the
   * original id is appended so that distinct ids never share a file.
   */
  public Path logFileFor(String id) {
    String safe = id.replaceAll("[^A-Za-z0-9._-]", "_");
    if (!safe.equals(id) || safe.startsWith(".")) {
      safe = safe + "-" + ProcessIdentity.argvHash(java.util.List.of(id)).substring(0, 8);
    }
    return directory.resolve(safe + ".log");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
