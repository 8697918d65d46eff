package io.llamasupervisor.supervisor.catalog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the catalog watches the models directory.
 *
 * @param modelsDir the directory to watch ({@code null} only in a configuration that has none yet)
 * @param pollInterval time between two background polls
 * @param stableAfter how long a file's size, mtime and inode must stay unchanged, over at least two
 *     polls, before its header is read; {@link Duration#ZERO} means "unchanged across two polls"
 * @param followSymlinksOutside whether symlinks may lead outside the models directory
 * @param sha256 whether to hash every accepted file (reads the whole file)
 * @param watch whether to use the JDK WatchService to poll early after a change
 */
public record CatalogOptions(
    Path modelsDir,
    Duration pollInterval,
    Duration stableAfter,
    boolean followSymlinksOutside,
    boolean sha256,
    boolean watch) {
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

  public CatalogOptions {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(stableAfter, "stableAfter");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
    }
    if (stableAfter.isNegative()) {
      throw new IllegalArgumentException("stableAfter must not be negative: " + stableAfter);
    }
  }

  /**
   * Defaults for a directory: poll every 2 s, stable after 2 s, no outside symlinks, no hashing.
   */
  public static CatalogOptions defaults(Path modelsDir) {
    return new CatalogOptions(
        modelsDir, DEFAULT_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, false, false, true);
  }

  public CatalogOptions withModelsDir(Path dir) {
    return new CatalogOptions(dir, pollInterval, stableAfter, followSymlinksOutside, sha256, watch);
  }

  public CatalogOptions withStableAfter(Duration d) {
    return new CatalogOptions(modelsDir, pollInterval, d, followSymlinksOutside, sha256, watch);
  }
}
