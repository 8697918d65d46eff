package io.llamasupervisor.supervisor.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The llama-server executable: from {@code --llama-server}, else {@code LLAMA_SERVER_BIN}, else
 * {@code llama-server} on {@code PATH}. When none is found the supervisor still catalogs and
 * verifies, and every model shows {@link ReasonCode#LLAMA_SERVER_NOT_FOUND} with {@link #HINT}.
 */
public record LlamaServerBinary(Optional<Path> path, String searched) {
  public static final String HINT =
      "install llama.cpp's llama-server and pass --llama-server PATH or set LLAMA_SERVER_BIN:"
          + " use the official Docker image ghcr.io/ggml-org/llama.cpp:server, a release binary"
          + " from https://github.com/ggml-org/llama.cpp/releases, or a package manager"
          + " (brew install llama.cpp, nix, winget)";

  /**
   * Resolves the binary: {@code option} (a path, or a name looked up on {@code PATH}; may be null),
   * else {@code LLAMA_SERVER_BIN}, else {@code llama-server} on {@code PATH}.
   */
  public static LlamaServerBinary resolve(String option, Map<String, String> env) {
    if (option != null && !option.isBlank()) {
      return option.contains("/")
          ? of(Path.of(option), "--llama-server " + option)
          : onPath(option, env);
    }
    String fromEnv = env.get("LLAMA_SERVER_BIN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return of(Path.of(fromEnv), "LLAMA_SERVER_BIN=" + fromEnv);
    }
    return onPath("llama-server", env);
  }

  private static LlamaServerBinary onPath(String name, Map<String, String> env) {
    for (String dir : env.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return new LlamaServerBinary(Optional.of(candidate.toAbsolutePath()), "PATH");
      }
    }
    return new LlamaServerBinary(
        Optional.empty(), "--llama-server, LLAMA_SERVER_BIN and " + name + " on PATH");
  }

  private static LlamaServerBinary of(Path p, String source) {
    boolean ok = Files.isExecutable(p) && !Files.isDirectory(p);
    return new LlamaServerBinary(ok ? Optional.of(p.toAbsolutePath()) : Optional.empty(), source);
  }

  public boolean found() {
    return path.isPresent();
  }

  /** Why no binary is available, with the install hint. */
  public String notFoundMessage() {
    return "llama-server not found (looked at " + searched + "); " + HINT;
  }

  /** Path and modification time: changes when the binary is replaced (upgrade). */
  public String signature() {
    if (path.isEmpty()) {
      return "none";
    }
    try {
      return path.get() + "@" + Files.getLastModifiedTime(path.get()).toMillis();
    } catch (IOException e) {
      return path.get() + "@?";
    }
  }
}
