package io.llamasupervisor.supervisor.launch;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings for the models whose id matches a glob. A {@code null} field keeps the value from the
 * defaults (or from an earlier matching override).
 *
 * <p>The glob is matched against the model id ({@code publisher/repo/file}, without {@code .gguf}):
 * {@code *} and {@code ?} stay within one path segment, {@code **} crosses segments, {@code {a,b}}
 * and {@code [abc]} work as in {@link java.nio.file.FileSystem#getPathMatcher}. A {@code ttl} of 0
 * turns off a ttl set by the defaults or an earlier override.
 */
public record LaunchOverride(
    String glob,
    Integer ctxSize,
    KvCacheType cacheTypeK,
    KvCacheType cacheTypeV,
    FlashAttn flashAttn,
    Integer parallel,
    Integer threads,
    String host,
    String nGpuLayers,
    Boolean metrics,
    Boolean webui,
    List<String> extraArgs,
    Map<String, String> env,
    Integer replicas,
    StartMode start,
    java.time.Duration ttl,
    Boolean pinned,
    Integer priority) {

  /**
   * @throws java.util.regex.PatternSyntaxException if the glob is malformed
   */
  public LaunchOverride {
    Objects.requireNonNull(glob, "glob");
    compile(glob);
    extraArgs = extraArgs == null ? null : List.copyOf(extraArgs);
    env = env == null ? null : Map.copyOf(env);
  }

  /** An override of launch flags only. */
  public LaunchOverride(
      String glob,
      Integer ctxSize,
      KvCacheType cacheTypeK,
      KvCacheType cacheTypeV,
      FlashAttn flashAttn,
      Integer parallel,
      Integer threads,
      String host,
      String nGpuLayers,
      Boolean metrics,
      Boolean webui,
      List<String> extraArgs,
      Map<String, String> env) {
    this(
        glob,
        ctxSize,
        cacheTypeK,
        cacheTypeV,
        flashAttn,
        parallel,
        threads,
        host,
        nGpuLayers,
        metrics,
        webui,
        extraArgs,
        env,
        null,
        null,
        null,
        null,
        null);
  }

  /** Whether this override applies to the model {@code id}. */
  public boolean matches(String id) {
    return compile(glob).matches(Path.of(id));
  }

  /** Compiles a model-id glob; throws {@link java.util.regex.PatternSyntaxException} if bad. */
  public static PathMatcher compile(String glob) {
    if (glob.isBlank()) {
      throw new java.util.regex.PatternSyntaxException("empty glob", glob, 0);
    }
    return FileSystems.getDefault().getPathMatcher("glob:" + glob);
  }
}
