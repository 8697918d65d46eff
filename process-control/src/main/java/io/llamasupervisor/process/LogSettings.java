package io.llamasupervisor.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a process's combined stdout/stderr goes and how much of it we keep.
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
    return new LogSettings(
        directory,
        DEFAULT_MAX_LINES,
        DEFAULT_MAX_BYTES,
        DEFAULT_MAX_LINE_BYTES,
        DEFAULT_MAX_FILE_BYTES,
        DEFAULT_POLL_INTERVAL,
        DEFAULT_MAX_LOGGED_LINES_PER_POLL);
  }

  public LogSettings withBuffer(int maxLines, int maxBytes) {
    return new LogSettings(
        directory,
        maxLines,
        maxBytes,
        Math.min(maxLineBytes, maxBytes),
        maxFileBytes,
        pollInterval,
        maxLoggedLinesPerPoll);
  }

  public LogSettings withMaxLineBytes(int maxLineBytes) {
    return new LogSettings(
        directory,
        maxLines,
        maxBytes,
        maxLineBytes,
        maxFileBytes,
        pollInterval,
        maxLoggedLinesPerPoll);
  }

  public LogSettings withMaxFileBytes(long maxFileBytes) {
    return new LogSettings(
        directory,
        maxLines,
        maxBytes,
        maxLineBytes,
        maxFileBytes,
        pollInterval,
        maxLoggedLinesPerPoll);
  }

  public LogSettings withPollInterval(Duration pollInterval) {
    return new LogSettings(
        directory,
        maxLines,
        maxBytes,
        maxLineBytes,
        maxFileBytes,
        pollInterval,
        maxLoggedLinesPerPoll);
  }

  public LogSettings withMaxLoggedLinesPerPoll(int maxLoggedLinesPerPoll) {
    return new LogSettings(
        directory,
        maxLines,
        maxBytes,
        maxLineBytes,
        maxFileBytes,
        pollInterval,
        maxLoggedLinesPerPoll);
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
