package io.llamasupervisor.supervisor.catalog;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll of the models directory: every candidate model file with its signature, and every
 * directory visited. Follows symlinks, but not to targets outside the models directory unless
 * allowed; visits each real directory once (no symlink loops). Files and directories that vanish
 * between listing and stat are skipped, never an error.
 */
final class DirectoryScanner {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryScanner.class);
  private static final int MAX_DEPTH = 32;

  /** The result of one poll; paths are as found under the models directory. */
  record Listing(SortedMap<Path, FileSignature> files, Set<Path> directories) {}

  private final Path root;
  private final boolean followOutside;

  DirectoryScanner(Path root, boolean followOutside) {
    this.root = root.toAbsolutePath().normalize();
    this.followOutside = followOutside;
  }

  Listing scan() {
    SortedMap<Path, FileSignature> files = new TreeMap<>();
    Set<Path> dirs = new LinkedHashSet<>();
    Path realRoot;
    try {
      realRoot = root.toRealPath();
    } catch (IOException e) {
      LOG.debug("models directory {} not readable: {}", root, e.toString());
      return new Listing(Collections.unmodifiableSortedMap(files), Set.of());
    }
    Set<Path> visited = new HashSet<>();
    visited.add(realRoot);
    dirs.add(root);
    walk(root, realRoot, 0, files, dirs, visited);
    return new Listing(Collections.unmodifiableSortedMap(files), Collections.unmodifiableSet(dirs));
  }

  private void walk(
      Path dir,
      Path realRoot,
      int depth,
      SortedMap<Path, FileSignature> files,
      Set<Path> dirs,
      Set<Path> visited) {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(entries::add);
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot list {}: {}", dir, e.toString()); // vanished or unreadable: skip
      return;
    }
    Collections.sort(entries);
    Set<String> names = new HashSet<>();
    entries.forEach(p -> names.add(p.getFileName().toString()));
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      if (FileNames.isHidden(name)) {
        continue;
      }
      BasicFileAttributes attrs;
      Path real = null;
      try {
        attrs = Files.readAttributes(entry, BasicFileAttributes.class); // follows symlinks
        if (Files.isSymbolicLink(entry) || attrs.isDirectory()) {
          real = entry.toRealPath();
        }
      } catch (IOException | RuntimeException e) {
        continue; // vanished between list and stat, or a dangling link
      }
      if (real != null && !followOutside && !real.startsWith(realRoot)) {
        LOG.debug("ignoring {}: symlink to {} outside the models directory", entry, real);
        continue;
      }
      if (attrs.isDirectory()) {
        if (depth < MAX_DEPTH && visited.add(real)) {
          dirs.add(entry);
          walk(entry, realRoot, depth + 1, files, dirs, visited);
        }
      } else if (attrs.isRegularFile() && FileNames.isCandidate(name, names)) {
        files.put(entry, FileSignature.of(attrs));
      }
    }
  }
}
