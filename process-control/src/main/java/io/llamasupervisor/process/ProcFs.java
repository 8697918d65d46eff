package io.llamasupervisor.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads process facts from a Linux {@code /proc} tree. Every read tolerates the process vanishing
 * in between: a missing or unreadable entry is reported as absent, never as an exception.
 */
final class ProcFs {

  static final ProcFs SYSTEM = new ProcFs(Path.of("/proc"));

  /**
   * The fields of {@code /proc/<pid>/stat} we use. {@code startTicks} is field 22, the start time
   * in clock ticks after boot; with the pid it identifies a process across pid reuse.
   */
  record Stat(long pid, char state, long ppid, long pgrp, long session, long startTicks) {

    /** A zombie or dead entry: the process has exited and only waits to be reaped. */
    boolean isDead() {
      return state == 'Z' || state == 'X' || state == 'x';
    }
  }

  private final Path root;

  ProcFs(Path root) {
    this.root = root;
  }

  /** The stat line of {@code pid}, or empty when there is no such process. */
  Optional<Stat> stat(long pid) {
    try {
      return Optional.of(
          parseStat(Files.readString(root.resolve(Long.toString(pid)).resolve("stat"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** True when {@code pid} exists and has not exited (zombies count as exited). */
  boolean isRunning(long pid) {
    return stat(pid).map(s -> !s.isDead()).orElse(false);
  }

  /** True when {@code pid} exists, has not exited and started at {@code startTicks}. */
  boolean isRunning(long pid, long startTicks) {
    return stat(pid).map(s -> !s.isDead() && s.startTicks() == startTicks).orElse(false);
  }

  /**
   * The argument vector of {@code pid} from {@code /proc/<pid>/cmdline}, or empty when the process
   * is gone. A zombie has an empty vector.
   */
  Optional<List<String>> cmdline(long pid) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(root.resolve(Long.toString(pid)).resolve("cmdline"));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    List<String> argv = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (start < raw.length) {
      argv.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
    }
    return Optional.of(argv);
  }

  /** Every process of group {@code pgid} that has not exited. */
  List<Stat> runningGroupMembers(long pgid) {
    List<Stat> members = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
      for (Path entry : dir) {
        long pid = parsePid(entry.getFileName().toString());
        if (pid > 0) {
          stat(pid).filter(s -> s.pgrp() == pgid && !s.isDead()).ifPresent(members::add);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + root, e);
    }
    return members;
  }

  /**
   * Parses a stat line. The command name (field 2) is in parentheses and may itself contain spaces
   * and parentheses, so fields are counted from the last {@code ')'}.
   */
  static Stat parseStat(String line) {
    int open = line.indexOf('(');
    int close = line.lastIndexOf(')');
    if (open < 0 || close < open) {
      throw new IllegalArgumentException("not a /proc stat line: " + line);
    }
    long pid = Long.parseLong(line.substring(0, open).trim());
    String[] f = line.substring(close + 1).trim().split(" +");
    // f[0] is field 3 (state); field n is f[n - 3].
    if (f.length < 20) {
      throw new IllegalArgumentException("short /proc stat line: " + line);
    }
    return new Stat(
        pid,
        f[0].charAt(0),
        Long.parseLong(f[1]),
        Long.parseLong(f[2]),
        Long.parseLong(f[3]),
        Long.parseLong(f[19]));
  }

  private static long parsePid(String name) {
    if (name.isEmpty() || name.length() > 18) {
      return -1;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    return Long.parseLong(name);
  }
}
