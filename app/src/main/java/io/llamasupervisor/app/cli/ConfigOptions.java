package io.llamasupervisor.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of the commands that read the configuration ({@code serve}, {@code plan}): {@code
 * --config FILE}, {@code --models-dir DIR}, {@code --llama-server PATH} and any number of {@code
 * --supervisor.KEY=VALUE}. A picocli mixin: {@code @Mixin ConfigOptions config;} plus
 * {@code @Unmatched List<String> unmatched} in the command.
 */
final class ConfigOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML configuration on top of the shipped one.")
  Path configFile;

  @Option(
      names = "--models-dir",
      paramLabel = "DIR",
      description = "The models directory (env SUPERVISOR_MODELS_DIR, supervisor.models-dir).")
  String modelsDir;

  @Option(
      names = "--llama-server",
      paramLabel = "PATH",
      description =
          "The llama-server binary (env LLAMA_SERVER_BIN, supervisor.llama-server, else PATH).")
  String llamaServer;

  /**
   * The configuration arguments in their layering order.
   *
   * @param unmatched the arguments picocli did not match (the command's {@code @Unmatched} field;
   *     picocli does not take it from a mixin): only {@code --supervisor.KEY=VALUE} is allowed
   * @throws ParameterException for an argument that is not a {@code --supervisor.KEY=VALUE}
   */
  ConfigArgs args(CommandLine line, List<String> unmatched) {
    List<String> overrides = new ArrayList<>();
    for (String a : unmatched) {
      if (!a.startsWith("--supervisor.")) {
        throw new ParameterException(line, "Unknown option or argument: '" + a + "'");
      }
      if (!a.contains("=")) {
        throw new ParameterException(line, a + " needs a value: " + a + "=VALUE");
      }
      overrides.add(a.substring(2));
    }
    List<String> last = new ArrayList<>();
    if (modelsDir != null) {
      last.add("supervisor.models-dir=" + modelsDir);
    }
    if (llamaServer != null) {
      last.add("supervisor.llama-server=" + llamaServer);
    }
    return new ConfigArgs(configFile, overrides, last);
  }
}
