package io.llamasupervisor.supervisor.catalog;

import io.llamasupervisor.gguf.SplitName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files that make up one model: a single file, or the shards of a split set present on disk,
 * plus the projectors of the folder.
 *
 * @param id the model id
 * @param stem the file stem without shard suffix (alias candidate)
 * @param primary the file to verify and launch (shard 1 of a split set, present or not)
 * @param files the model's files present on disk
 * @param projectors the {@code mmproj*.gguf} files of the same folder, sorted
 */
record ModelUnit(String id, String stem, Path primary, List<Path> files, List<Path> projectors) {
  private static final Logger LOG = LoggerFactory.getLogger(ModelUnit.class);

  /** Every file whose signature makes up this unit's state. */
  List<Path> allFiles() {
    List<Path> all = new ArrayList<>(files);
    all.addAll(projectors);
    return all;
  }

  /**
   * Groups candidate files into models, keyed by id. Split shards of one set form one model;
   * projectors are attached to every model of their folder. When two models would get the same id
   * (e.g. {@code a.gguf} next to {@code a-00001-of-00002.gguf}), the first in path order wins and
   * the other is logged and left out.
   */
  static SortedMap<String, ModelUnit> group(Path root, Collection<Path> candidates) {
    Map<Path, List<Path>> projectorsByDir = new HashMap<>();
    Map<String, List<Path>> splitSets = new TreeMap<>();
    SortedMap<String, ModelUnit> units = new TreeMap<>();
    List<Path> sorted = new ArrayList<>(candidates);
    sorted.sort(null);
    for (Path p : sorted) {
      if (FileNames.isProjector(p.getFileName().toString())) {
        projectorsByDir.computeIfAbsent(p.getParent(), d -> new ArrayList<>()).add(p);
      }
    }
    for (Path p : sorted) {
      String name = p.getFileName().toString();
      if (FileNames.isProjector(name)) {
        continue;
      }
      List<Path> projectors = projectorsByDir.getOrDefault(p.getParent(), List.of());
      var split = SplitName.parse(name);
      if (split.isPresent()) {
        SplitName s = split.get();
        Path first = p.getParent().resolve(s.shardFileName(1));
        splitSets.computeIfAbsent(first.toString(), k -> new ArrayList<>()).add(p);
        continue;
      }
      String stem = FileNames.stem(name);
      add(units, new ModelUnit(idOf(root, p.getParent(), stem), stem, p, List.of(p), projectors));
    }
    for (List<Path> shards : splitSets.values()) {
      Path any = shards.get(0);
      SplitName s = SplitName.parse(any.getFileName().toString()).orElseThrow();
      Path first = any.getParent().resolve(s.shardFileName(1));
      List<Path> projectors = projectorsByDir.getOrDefault(any.getParent(), List.of());
      add(
          units,
          new ModelUnit(
              idOf(root, any.getParent(), s.prefix()),
              s.prefix(),
              first,
              List.copyOf(shards),
              projectors));
    }
    return units;
  }

  private static void add(SortedMap<String, ModelUnit> units, ModelUnit u) {
    ModelUnit other = units.get(u.id());
    if (other == null) {
      units.put(u.id(), u);
    } else if (u.primary().compareTo(other.primary()) < 0) {
      LOG.warn(
          "model id {} is used by {} and {}: ignoring the latter",
          u.id(),
          u.primary(),
          other.primary());
      units.put(u.id(), u);
    } else {
      LOG.warn(
          "model id {} is used by {} and {}: ignoring the latter",
          u.id(),
          other.primary(),
          u.primary());
    }
  }

  /** The id: path of {@code dir/stem} relative to the root, {@code /}-separated. */
  static String idOf(Path root, Path dir, String stem) {
    Path rel = root.relativize(dir);
    StringBuilder sb = new StringBuilder();
    for (Path segment : rel) {
      if (!segment.toString().isEmpty()) {
        sb.append(segment).append('/');
      }
    }
    return sb.append(stem).toString();
  }
}
