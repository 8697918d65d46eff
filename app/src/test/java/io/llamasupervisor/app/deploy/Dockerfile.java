package io.llamasupervisor.app.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions of a Dockerfile, enough to check ours: continuation lines joined, comments and
 * parser directives dropped, JSON (exec form) arguments decoded.
 */
final class Dockerfile {
  /** One instruction: its keyword in upper case, its raw arguments, and its stage (0 = first). */
  record Instruction(String keyword, String args, int stage) {
    /** The arguments of the exec (JSON array) form; fails for the shell form. */
    List<String> execForm() {
      String json = args.strip();
      if (!json.startsWith("[")) {
        throw new AssertionError(keyword + " is not in exec form: " + args);
      }
      try {
        return new ObjectMapper().readValue(json, new TypeReference<List<String>>() {});
      } catch (IOException e) {
        throw new AssertionError(keyword + " has invalid JSON arguments: " + args, e);
      }
    }
  }

  private static final Pattern ARG = Pattern.compile("(\\w+)=(\\S+)");

  private final List<Instruction> instructions;

  private Dockerfile(List<Instruction> instructions) {
    this.instructions = List.copyOf(instructions);
  }

  static Dockerfile read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Instruction> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int stage = -1;
    for (String raw : lines) {
      String line = raw.strip();
      if (current.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
        continue;
      }
      if (current.length() > 0 && line.startsWith("#")) {
        continue; // a comment inside a continued instruction
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String text = current.toString().strip();
      current.setLength(0);
      int space = text.indexOf(' ');
      String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
      String args = space < 0 ? "" : text.substring(space + 1).strip();
      if (keyword.equals("FROM")) {
        stage++;
      }
      out.add(new Instruction(keyword, args, stage));
    }
    return new Dockerfile(out);
  }

  List<Instruction> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  /** The instructions of the last (runtime) stage with this keyword. */
  List<Instruction> runtime(String keyword) {
    int last = instructions.stream().mapToInt(Instruction::stage).max().orElse(0);
    return all(keyword).stream().filter(i -> i.stage() == last).toList();
  }

  /** The single runtime-stage instruction with this keyword. */
  Instruction onlyRuntime(String keyword) {
    List<Instruction> found = runtime(keyword);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + keyword + " in the runtime stage: " + found);
    }
    return found.get(0);
  }

  /** The default of a build argument ({@code ARG NAME=default}), anywhere in the file. */
  Optional<String> argDefault(String name) {
    for (Instruction i : all("ARG")) {
      Matcher m = ARG.matcher(i.args());
      if (m.matches() && m.group(1).equals(name)) {
        return Optional.of(m.group(2));
      }
    }
    return Optional.empty();
  }
}
