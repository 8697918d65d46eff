package io.llamasupervisor.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Follows a log file that a child appends to (O_APPEND), splitting it into lines for a {@link
 * LogRing} and an slf4j logger (with MDC {@code model} = the instance id).
 *
 * <p>Bounded in every direction: lines longer than {@code maxLineBytes} are cut and marked; a
 * backlog larger than {@code maxFileBytes} is skipped (keeping only its last {@code maxBytes});
 * once the file exceeds {@code maxFileBytes} it is truncated to 0 right after being read (the
 * child's O_APPEND writes continue at the new end; bytes written between the last read and the
 * truncation are lost). At most {@code maxLoggedLinesPerPoll} lines per poll go to the logger.
 *
 * <p>{@link #poll()} and {@link #drain()} are synchronized and may be called from any thread.
 */
final class LogTailer implements ProcessLog {

  static final String OUTPUT_LOGGER = "io.llamasupervisor.process.output";
  static final String MDC_KEY = "model";
  static final String CUT_MARKER = " [line cut]";

  private static final Logger LOG = LoggerFactory.getLogger(LogTailer.class);
  private static final int CHUNK = 64 * 1024;

  private final String id;
  private final Path file;
  private final LogSettings settings;
  private final Logger output;
  private final LogRing ring;
  private final byte[] pending;
  private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

  private FileChannel channel;
  private long position;
  private int pendingLength;
  private boolean discarding;
  private boolean closed;
  private int loggedThisPoll;
  private int notLoggedThisPoll;
  private volatile long bytesRead;
  private volatile long bytesSkipped;
  private volatile int truncations;

  /**
   * @param startPosition where to start reading
   * @param startsMidLine true when {@code startPosition} may fall inside a line: bytes up to the
   *     next newline are then dropped
   */
  LogTailer(
      String id,
      Path file,
      long startPosition,
      boolean startsMidLine,
      LogSettings settings,
      Logger output) {
    this.id = id;
    this.file = file;
    this.settings = settings;
    this.output = output;
    this.ring = new LogRing(settings.maxLines(), settings.maxBytes());
    this.pending = new byte[settings.maxLineBytes()];
    this.position = startPosition;
    this.discarding = startsMidLine;
  }

  LogTailer(String id, Path file, long startPosition, boolean startsMidLine, LogSettings settings) {
    this(id, file, startPosition, startsMidLine, settings, LoggerFactory.getLogger(OUTPUT_LOGGER));
  }

  /** Reads what was appended since the last call; a trailing partial line waits for its end. */
  synchronized void poll() {
    read(false);
  }

  /** Reads everything appended so far, including a trailing partial line. */
  synchronized void drain() {
    read(true);
  }

  /** True once {@link #close()} ran. */
  synchronized boolean isClosed() {
    return closed;
  }

  /** A final {@link #drain()}; later polls do nothing. */
  synchronized void close() {
    read(true);
    closed = true;
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("closing {}", file, e);
      }
      channel = null;
    }
  }

  private void read(boolean flushPartial) {
    if (closed) {
      return;
    }
    loggedThisPoll = 0;
    notLoggedThisPoll = 0;
    try (MDC.MDCCloseable ignored = MDC.putCloseable(MDC_KEY, id)) {
      FileChannel ch = channel();
      if (ch != null) {
        readFrom(ch);
      }
      if (flushPartial && pendingLength > 0) {
        emit(pending, 0, pendingLength, false);
        pendingLength = 0;
      }
      if (notLoggedThisPoll > 0) {
        output.info("{} more lines not logged; see {}", notLoggedThisPoll, file);
      }
    } catch (IOException e) {
      LOG.warn("[{}] cannot read log file {}: {}", id, file, e.toString());
      closeChannelQuietly();
    }
  }

  private void readFrom(FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < position) {
      position = 0; // truncated by someone else
    }
    long backlog = size - position;
    if (backlog > settings.maxFileBytes()) {
      long skip = backlog - settings.maxBytes();
      bytesSkipped += skip;
      pendingLength = 0;
      discarding = true;
      position += skip;
      emit("[" + skip + " bytes of output skipped]");
    }
    readUpTo(ch, size);
    if (position > settings.maxFileBytes()) {
      // Truncate right after a read that found the end, so that only bytes appended within that
      // instant are lost; a child that never pauses loses what it writes meanwhile.
      boolean atEnd = readUpTo(ch, position + settings.maxFileBytes());
      ch.truncate(0);
      position = 0;
      truncations++;
      // What follows the truncation does not continue the pending line.
      if (pendingLength > 0) {
        emit(pending, 0, pendingLength, false);
        pendingLength = 0;
      }
      discarding = false;
      if (!atEnd) {
        emit("[output lost while truncating the log file]");
      }
    }
  }

  /** Reads until {@code end} or until a read finds no more bytes; true in the latter case. */
  private boolean readUpTo(FileChannel ch, long end) throws IOException {
    while (position < end) {
      buffer.clear();
      buffer.limit((int) Math.min(CHUNK, end - position));
      int n = ch.read(buffer, position);
      if (n <= 0) {
        return true;
      }
      position += n;
      bytesRead += n;
      consume(buffer.array(), n);
    }
    return false;
  }

  private void consume(byte[] bytes, int length) {
    int start = 0;
    while (start < length) {
      int newline = indexOf(bytes, (byte) '\n', start, length);
      int end = newline < 0 ? length : newline;
      if (!discarding) {
        append(bytes, start, end);
      }
      if (newline < 0) {
        return;
      }
      if (discarding) {
        discarding = false;
      } else {
        emit(pending, 0, pendingLength, false);
      }
      pendingLength = 0;
      start = newline + 1;
    }
  }

  private void append(byte[] bytes, int from, int to) {
    int room = pending.length - pendingLength;
    int n = to - from;
    if (n < room) {
      System.arraycopy(bytes, from, pending, pendingLength, n);
      pendingLength += n;
      return;
    }
    System.arraycopy(bytes, from, pending, pendingLength, room);
    emit(pending, 0, pending.length, true);
    pendingLength = 0;
    discarding = true;
  }

  private void emit(byte[] bytes, int offset, int length, boolean cut) {
    if (length > 0 && bytes[offset + length - 1] == '\r') {
      length--;
    }
    String line = new String(bytes, offset, length, StandardCharsets.UTF_8);
    emit(cut ? line + CUT_MARKER : line);
  }

  private void emit(String line) {
    ring.add(line);
    if (loggedThisPoll < settings.maxLoggedLinesPerPoll()) {
      loggedThisPoll++;
      output.info("{}", line);
    } else {
      notLoggedThisPoll++;
    }
  }

  private FileChannel channel() throws IOException {
    if (channel == null) {
      try {
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      } catch (java.nio.file.NoSuchFileException e) {
        return null; // not created yet, or removed: nothing to read
      }
    }
    return channel;
  }

  private void closeChannelQuietly() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // already failing; the next poll reopens
      }
      channel = null;
    }
  }

  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public List<String> lastLines(int n) {
    poll(); // tailing backs off while the file is quiet: read what came since
    return ring.lastLines(n);
  }

  @Override
  public Path file() {
    return file;
  }

  @Override
  public long retainedBytes() {
    return ring.retainedBytes();
  }

  @Override
  public long bytesRead() {
    return bytesRead;
  }

  @Override
  public long bytesSkipped() {
    return bytesSkipped;
  }

  @Override
  public int truncations() {
    return truncations;
  }
}
