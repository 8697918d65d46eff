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
 * turns off a ttl set by the defaults or an earlier override. {@link #builder(String)} names the
 * fields an override sets.
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

  /** A builder of an override for {@code glob} that sets nothing yet. */
  public static Builder builder(String glob) {
    return new Builder(glob);
  }

  /** Collects the fields an override sets; the others stay {@code null}. Not thread-safe. */
  public static final class Builder {
    private final String glob;
    private Integer ctxSize;
    private KvCacheType cacheTypeK;
    private KvCacheType cacheTypeV;
    private FlashAttn flashAttn;
    private Integer parallel;
    private Integer threads;
    private String host;
    private String nGpuLayers;
    private Boolean metrics;
    private Boolean webui;
    private List<String> extraArgs;
    private Map<String, String> env;
    private Integer replicas;
    private StartMode start;
    private java.time.Duration ttl;
    private Boolean pinned;
    private Integer priority;

    private Builder(String glob) {
      this.glob = glob;
    }

    public Builder ctxSize(Integer value) {
      ctxSize = value;
      return this;
    }

    public Builder cacheTypeK(KvCacheType value) {
      cacheTypeK = value;
      return this;
    }

    public Builder cacheTypeV(KvCacheType value) {
      cacheTypeV = value;
      return this;
    }

    public Builder flashAttn(FlashAttn value) {
      flashAttn = value;
      return this;
    }

    public Builder parallel(Integer value) {
      parallel = value;
      return this;
    }

    public Builder threads(Integer value) {
      threads = value;
      return this;
    }

    public Builder host(String value) {
      host = value;
      return this;
    }

    public Builder nGpuLayers(String value) {
      nGpuLayers = value;
      return this;
    }

    public Builder metrics(Boolean value) {
      metrics = value;
      return this;
    }

    public Builder webui(Boolean value) {
      webui = value;
      return this;
    }

    public Builder extraArgs(List<String> value) {
      extraArgs = value;
      return this;
    }

    public Builder env(Map<String, String> value) {
      env = value;
      return this;
    }

    public Builder replicas(Integer value) {
      replicas = value;
      return this;
    }

    public Builder start(StartMode value) {
      start = value;
      return this;
    }

    public Builder ttl(java.time.Duration value) {
      ttl = value;
      return this;
    }

    public Builder pinned(Boolean value) {
      pinned = value;
      return this;
    }

    public Builder priority(Integer value) {
      priority = value;
      return this;
    }

    /**
     * @throws java.util.regex.PatternSyntaxException if the glob is malformed
     */
    public LaunchOverride build() {
      return new LaunchOverride(
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
          replicas,
          start,
          ttl,
          pinned,
          priority);
    }
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
