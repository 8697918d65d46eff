package io.llamasupervisor.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to start: an argument vector (never a shell string), environment additions, an optional
 * working directory and the log settings.
 *
 * @param id the instance id (model id): names the log file and is the {@code model} MDC value of
 *     forwarded output
 * @param argv the program and its arguments; {@code argv.get(0)} is looked up on {@code PATH}
 *     unless it contains a {@code /}
 * @param env variables added to (or overriding) the supervisor's environment
 * @param workingDirectory the child's working directory, or {@code null} for the supervisor's
 * @param log where output goes and how much of it is kept
 */
public record LaunchSpec(
    String id, List<String> argv, Map<String, String> env, Path workingDirectory, LogSettings log) {

  public LaunchSpec {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    argv = List.copyOf(argv);
    if (argv.isEmpty() || argv.get(0).isEmpty()) {
      throw new IllegalArgumentException("argv must name a program");
    }
    env = Map.copyOf(env);
    Objects.requireNonNull(log, "log");
  }

  /** A spec with no environment additions, run in the supervisor's working directory. */
  public static LaunchSpec of(String id, List<String> argv, LogSettings log) {
    return new LaunchSpec(id, argv, Map.of(), null, log);
  }

  public LaunchSpec withEnv(Map<String, String> env) {
    return new LaunchSpec(id, argv, env, workingDirectory, log);
  }

  public LaunchSpec withWorkingDirectory(Path workingDirectory) {
    return new LaunchSpec(id, argv, env, workingDirectory, log);
  }

  /** The log file this instance writes to. */
  public Path logFile() {
    return log.logFileFor(id);
  }
}
