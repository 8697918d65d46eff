package io.llamasupervisor.supervisor.catalog;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Which names in the models directory are model files, and which are work in progress. */
final class FileNames {
  static final String GGUF = ".gguf";

  /** Suffixes of files that downloaders write before the final name exists. */
  static final List<String> PARTIAL_SUFFIXES =
      List.of(".part", ".download", ".crdownload", ".tmp", ".aria2");

  private FileNames() {}

  /** Hidden files and directories (dot files) are never looked at. */
  static boolean isHidden(String name) {
    return name.startsWith(".");
  }

  /**
   * A {@code *.gguf} file that is not hidden, not a {@code downloading_*} file, and has no partner
   * such as {@code <name>.part} next to it (a downloader still writing to it).
   */
  static boolean isCandidate(String name, Set<String> siblings) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (isHidden(name) || !lower.endsWith(GGUF) || lower.startsWith("downloading_")) {
      return false;
    }
    for (String suffix : PARTIAL_SUFFIXES) {
      if (siblings.contains(name + suffix)) {
        return false;
      }
    }
    return true;
  }

  /** A multimodal projector: attached to the models of its folder, never launched alone. */
  static boolean isProjector(String name) {
    return name.toLowerCase(Locale.ROOT).startsWith("mmproj");
  }

  /** The name without its {@code .gguf} extension (any case). */
  static String stem(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(GGUF)
        ? name.substring(0, name.length() - GGUF.length())
        : name;
  }
}
