package io.llamasupervisor.testkit;

/**
 * One stderr line as llama-server prints it. Three shapes: with a module ({@code I srv load_model:
 * ...}, the function right-aligned in 12 columns), without a module ({@code E
 * gguf_init_from_reader: ...}) and raw ({@code error: invalid argument: --foo}, no time prefix).
 *
 * @param level {@code I}, {@code W}, {@code E}, or 0 for a raw line
 * @param module {@code srv}, {@code cmn}, {@code slot}, ...; {@code null} for none
 * @param func the function name (truncated to 12 characters when a module is given)
 * @param message the text after {@code func: }, or the whole raw line
 */
record LogLine(char level, String module, String func, String message) {
  static LogLine info(String module, String func, String message) {
    return new LogLine('I', module, func, message);
  }

  static LogLine warn(String module, String func, String message) {
    return new LogLine('W', module, func, message);
  }

  static LogLine error(String module, String func, String message) {
    return new LogLine('E', module, func, message);
  }

  /** A line printed without the time/level prefix. */
  static LogLine raw(String text) {
    return new LogLine((char) 0, null, null, text);
  }

  boolean isRaw() {
    return level == 0;
  }

  /** Renders the line (without newline) for a time given in microseconds since process start. */
  String render(long uptimeMicros) {
    if (isRaw()) {
      return message;
    }
    StringBuilder sb = new StringBuilder(64 + message.length());
    sb.append(timestamp(uptimeMicros)).append(' ').append(level).append(' ');
    if (module == null) {
      sb.append(func);
    } else {
      sb.append(module);
      for (int i = module.length(); i < 4; i++) {
        sb.append(' ');
      }
      sb.append(' ');
      String f = func.length() > 12 ? func.substring(0, 12) : func;
      for (int i = f.length(); i < 12; i++) {
        sb.append(' ');
      }
      sb.append(f);
    }
    return sb.append(": ").append(message).toString();
  }

  /** {@code M.SS.mmm.uuu}: minutes, seconds, milliseconds, microseconds. */
  static String timestamp(long micros) {
    long us = Math.max(0, micros);
    return String.format(
        "%d.%02d.%03d.%03d",
        us / 60_000_000L, (us / 1_000_000L) % 60, (us / 1000) % 1000, us % 1000);
  }
}
