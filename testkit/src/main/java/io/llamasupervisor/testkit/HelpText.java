package io.llamasupervisor.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The option table of the real llama-server, read from its own {@code --help} output (build b10470,
 * kept as a resource). It tells the argument parser which flags exist, how many values each takes,
 * and gives the usage block printed after an argument error.
 */
final class HelpText {
  /** Column where descriptions start in the help output. */
  private static final int DESCRIPTION_COLUMN = 40;

  /**
   * One option entry.
   *
   * @param names every spelling, e.g. {@code -c}, {@code --ctx-size}
   * @param arity values following the flag (0, 1, or 2 for {@code START END})
   * @param usage the entry's lines of the help text, as printed after {@code usage:}
   */
  record Option(List<String> names, int arity, List<String> usage) {}

  private final String text;
  private final Map<String, Option> byName;
  private final List<Option> options;

  private HelpText(String text, List<Option> options) {
    this.text = text;
    this.options = Collections.unmodifiableList(options);
    Map<String, Option> m = new HashMap<>();
    for (Option o : options) {
      for (String n : o.names()) {
        m.putIfAbsent(n, o);
      }
    }
    this.byName = m;
  }

  /** The table of the bundled help text. */
  static HelpText bundled() {
    try (InputStream in = HelpText.class.getResourceAsStream("llama-server-help.txt")) {
      if (in == null) {
        throw new IllegalStateException("llama-server-help.txt is missing from the classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static HelpText parse(String text) {
    List<Option> options = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (!line.startsWith("-") || line.startsWith("-----")) {
        continue;
      }
      List<String> usage = new ArrayList<>();
      usage.add(line);
      int j = i + 1;
      while (j < lines.length && isContinuation(lines[j])) {
        usage.add(lines[j]);
        j++;
      }
      options.add(option(spec(line), usage));
    }
    return new HelpText(text, options);
  }

  private static boolean isContinuation(String line) {
    return line.length() > DESCRIPTION_COLUMN
        && line.substring(0, DESCRIPTION_COLUMN).isBlank()
        && line.charAt(DESCRIPTION_COLUMN) != ' ';
  }

  /** The flag part of an entry's first line (names and value placeholder). */
  private static String spec(String line) {
    if (line.length() > DESCRIPTION_COLUMN
        && line.charAt(DESCRIPTION_COLUMN - 1) == ' '
        && line.charAt(DESCRIPTION_COLUMN) != ' ') {
      return line.substring(0, DESCRIPTION_COLUMN).trim();
    }
    return line.trim();
  }

  private static Option option(String spec, List<String> usage) {
    List<String> names = new ArrayList<>();
    String rest = spec;
    while (rest.startsWith("-")) {
      int end = 0;
      while (end < rest.length() && rest.charAt(end) != ' ' && rest.charAt(end) != ',') {
        end++;
      }
      names.add(rest.substring(0, end));
      rest = rest.substring(end);
      if (rest.startsWith(",")) {
        rest = rest.substring(1);
      }
      rest = rest.stripLeading();
    }
    int arity = rest.isEmpty() ? 0 : rest.equals("START END") ? 2 : 1;
    return new Option(List.copyOf(names), arity, List.copyOf(usage));
  }

  Optional<Option> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  List<Option> options() {
    return options;
  }

  /** The complete help text, as {@code -h} prints it. */
  String text() {
    return text;
  }
}
