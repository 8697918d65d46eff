package io.llamasupervisor.supervisor.catalog;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * One file of a catalog entry as it was when verified.
 *
 * @param path the file (as found under the models directory, not the symlink target)
 * @param size bytes
 * @param modified last-modified time
 * @param sha256 lowercase hex digest, or {@code null} when hashing is off
 */
public record CatalogFile(Path path, long size, Instant modified, String sha256) {
  public CatalogFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(modified, "modified");
  }
}
