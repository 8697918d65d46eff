package io.llamasupervisor.supervisor.catalog;

import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * What one poll sees of a file: size, mtime and identity (inode). A file that grows, is rewritten
 * or is replaced by another file (new inode) gets a different signature.
 *
 * @param fileKey {@link BasicFileAttributes#fileKey()}, {@code null} where unsupported
 */
record FileSignature(long size, FileTime modified, Object fileKey) {
  FileSignature {
    Objects.requireNonNull(modified, "modified");
  }

  static FileSignature of(BasicFileAttributes a) {
    return new FileSignature(a.size(), a.lastModifiedTime(), a.fileKey());
  }
}
