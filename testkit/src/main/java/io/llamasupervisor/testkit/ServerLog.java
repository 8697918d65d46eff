package io.llamasupervisor.testkit;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * llama-server's logger: every line goes to stderr (stdout stays empty), stamped with the time
 * since process start. Writes are whole lines, one write each, so lines from different threads
 * never interleave. {@code --log-disable} silences it.
 */
final class ServerLog {
  private final OutputStream out;
  private final LongSupplier uptimeMicros;
  private volatile boolean disabled;

  ServerLog(OutputStream out, LongSupplier uptimeMicros) {
    this.out = out;
    this.uptimeMicros = uptimeMicros;
  }

  /** The process's stderr, unbuffered. */
  static ServerLog stderr(LongSupplier uptimeMicros) {
    return new ServerLog(new FileOutputStream(FileDescriptor.err), uptimeMicros);
  }

  void disable() {
    disabled = true;
  }

  void info(String module, String func, String message) {
    print(LogLine.info(module, func, message));
  }

  void warn(String module, String func, String message) {
    print(LogLine.warn(module, func, message));
  }

  void error(String module, String func, String message) {
    print(LogLine.error(module, func, message));
  }

  void print(List<LogLine> lines) {
    for (LogLine l : lines) {
      print(l);
    }
  }

  void print(LogLine line) {
    if (disabled && !line.isRaw()) {
      return;
    }
    write((line.render(uptimeMicros.getAsLong()) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Writes bytes as they are (used by the stderr flood fault); blocks when the pipe is full. */
  synchronized void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      // stderr closed: the real server keeps running when nobody reads its log
    }
  }
}
