package io.llamasupervisor.process;

import java.nio.file.Path;
import java.util.List;

/**
 * The output of a managed process: a bounded in-memory view of its latest lines plus counters about
 * the log file it writes to. All methods are thread-safe and never block on the process.
 */
public interface ProcessLog {

  /**
   * The last {@code n} complete lines of combined stdout/stderr, oldest first, including what the
   * process wrote up to this call.
   */
  List<String> lastLines(int n);

  /** The file the process's stdout and stderr are appended to. */
  Path file();

  /** Bytes currently held by the in-memory buffer (bounded by {@link LogSettings#maxBytes()}). */
  long retainedBytes();

  /** Bytes of output read from the file so far. */
  long bytesRead();

  /** Bytes of output skipped unread because the backlog exceeded the file size limit. */
  long bytesSkipped();

  /** How often the file was truncated because it exceeded {@link LogSettings#maxFileBytes()}. */
  int truncations();
}
