package io.llamasupervisor.supervisor.launch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The exact command line and environment for one model, with what they mean. Immutable.
 *
 * @param id the model id
 * @param alias the short alias, or {@code null}
 * @param modelPath the {@code --model} file (first shard)
 * @param mmprojPath the {@code --mmproj} file, or {@code null}
 * @param argv the command line; {@code argv[0]} is the llama-server binary; the value after {@code
 *     --port} is a port number or {@link #PORT_PLACEHOLDER}
 * @param env environment variables to add to the inherited environment
 * @param ctxSize the {@code --ctx-size} passed (total over all slots)
 * @param ctxPerSlot the context one request gets
 * @param parallel {@code --parallel}
 * @param cacheTypeK the K cache type passed (after any fallback)
 * @param cacheTypeV the V cache type passed (after any fallback)
 * @param flashAttn {@code --flash-attn}
 * @param warnings human-readable notes on adjustments (cache-type fallback, context capping)
 * @param memory the memory estimate
 */
public record LaunchPlan(
    String id,
    String alias,
    Path modelPath,
    Path mmprojPath,
    List<String> argv,
    Map<String, String> env,
    int ctxSize,
    int ctxPerSlot,
    int parallel,
    KvCacheType cacheTypeK,
    KvCacheType cacheTypeV,
    FlashAttn flashAttn,
    List<String> warnings,
    MemoryEstimate memory) {
  /** Stands for the port in a plan made without one (the dry run). */
  public static final String PORT_PLACEHOLDER = "<port>";

  public LaunchPlan {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(modelPath, "modelPath");
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
    warnings = List.copyOf(warnings);
    Objects.requireNonNull(memory, "memory");
    if (argv.indexOf("--port") < 0 || argv.indexOf("--port") == argv.size() - 1) {
      throw new IllegalArgumentException("argv has no --port value: " + argv);
    }
  }

  /** The port value in {@link #argv()}: a number, or {@link #PORT_PLACEHOLDER}. */
  public String port() {
    return argv.get(argv.indexOf("--port") + 1);
  }

  /** This plan with {@code --port} set to {@code port}. */
  public LaunchPlan withPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    return withPortValue(Integer.toString(port));
  }

  private LaunchPlan withPortValue(String value) {
    List<String> a = new ArrayList<>(argv);
    a.set(a.indexOf("--port") + 1, value);
    return new LaunchPlan(
        id,
        alias,
        modelPath,
        mmprojPath,
        a,
        env,
        ctxSize,
        ctxPerSlot,
        parallel,
        cacheTypeK,
        cacheTypeV,
        flashAttn,
        warnings,
        memory);
  }

  /**
   * A stable hash of what the process would be started with: argv (with the port left out, since a
   * restart may use another port) and env. Equal plans have equal hashes across restarts; any
   * change of binary, file, flag or variable changes it. 16 hex digits.
   */
  public String planHash() {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (String a : withPortValue(PORT_PLACEHOLDER).argv) {
      md.update(a.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
    }
    md.update((byte) 1);
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      md.update((byte) '=');
      md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
    }
    return HexFormat.of().formatHex(md.digest(), 0, 8);
  }
}
