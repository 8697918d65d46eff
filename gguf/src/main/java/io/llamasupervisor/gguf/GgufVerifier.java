package io.llamasupervisor.gguf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a GGUF file can be handed to llama-server. Checks, in order: the header and
 * metadata ({@link GgufReader}), the tensor layout (contiguous, aligned, as llama.cpp requires),
 * that all tensor data lies inside the file, and that the file is a model (architecture and
 * tensors). A shard of a split set is verified with its whole set by {@link #verifySet(Path)}.
 *
 * <p>Never throws for a bad file: every failure is a {@link Verdict} with a {@link Reason}.
 */
public final class GgufVerifier {
  private GgufVerifier() {}

  /** Verifies a single file. A shard other than the first need not carry an architecture. */
  public static Verdict verify(Path path) {
    GgufFile file;
    try {
      file = GgufReader.read(path);
    } catch (GgufFormatException e) {
      return Verdict.rejected(path, e.reason(), e.getMessage(), null);
    } catch (NoSuchFileException e) {
      return Verdict.rejected(path, Reason.IO_ERROR, "no such file: " + path, null);
    } catch (IOException | RuntimeException e) {
      return Verdict.rejected(path, Reason.IO_ERROR, "cannot read " + path + ": " + e, null);
    }
    return checkLayout(path, file);
  }

  /** Verifies an in-memory image of the first {@code size} bytes of a file (tests, fuzzing). */
  static Verdict verify(Path label, byte[] image, int size) {
    try {
      return checkLayout(label, GgufReader.read(label, image, size));
    } catch (GgufFormatException e) {
      return Verdict.rejected(label, e.reason(), e.getMessage(), null);
    } catch (IOException e) {
      return Verdict.rejected(label, Reason.IO_ERROR, "cannot read " + label + ": " + e, null);
    }
  }

  static Verdict checkLayout(Path path, GgufFile file) {
    long expected = 0;
    for (TensorInfo t : file.tensors()) {
      if (t.offset() != expected) {
        return Verdict.rejected(
            path,
            Reason.TENSOR_OUT_OF_BOUNDS,
            "tensor '"
                + t.name()
                + "' has data offset "
                + t.offset()
                + ", expected "
                + expected
                + " (tensor data must be contiguous and aligned to "
                + file.alignment()
                + ")",
            file);
      }
      long end = file.dataOffset() + t.offset() + t.byteSize();
      if (end < 0 || end > file.fileSize()) {
        return Verdict.rejected(
            path,
            Reason.TRUNCATED,
            "truncated tensor data: tensor '"
                + t.name()
                + "' ends at offset "
                + end
                + " but the file ends at "
                + file.fileSize()
                + " (data section starts at "
                + file.dataOffset()
                + ")",
            file);
      }
      expected = GgufReader.alignUp(t.offset() + t.byteSize(), file.alignment());
    }
    Optional<SplitInfo> split = file.split();
    boolean laterShard = split.isPresent() && split.get().no() > 0;
    if (file.architecture().isEmpty() && !laterShard) {
      return Verdict.rejected(
          path, Reason.NOT_A_MODEL, "no general.architecture: not a model file", file);
    }
    if (file.tensorCount() == 0) {
      return Verdict.rejected(path, Reason.NOT_A_MODEL, "no tensors: not a model file", file);
    }
    return Verdict.accepted(path, file);
  }

  /**
   * Verifies a model given by any file: a plain file alone, a shard together with every shard of
   * its set. The verdict names the first shard and carries its header; a missing, unreadable or
   * mismatched shard gives {@link Reason#SPLIT_INCOMPLETE} (or the shard's own reason).
   */
  public static Verdict verifySet(Path path) {
    Optional<SplitName> name = SplitName.parse(path);
    if (name.isEmpty()) {
      Verdict v = verify(path);
      if (v.isAccepted() && v.file().split().map(s -> s.count() > 1).orElse(false)) {
        SplitInfo s = v.file().split().get();
        return Verdict.rejected(
            path,
            Reason.SPLIT_INCOMPLETE,
            "file has split.no="
                + s.no()
                + " split.count="
                + s.count()
                + " but is not named -NNNNN-of-MMMMM: its other shards cannot be found",
            v.file());
      }
      return v;
    }
    SplitName set = name.get();
    Path dir = path.toAbsolutePath().getParent();
    Path first = dir.resolve(set.shardFileName(1));
    Verdict firstVerdict = null;
    long tensors = 0;
    for (int n = 1; n <= set.count(); n++) {
      Path shard = dir.resolve(set.shardFileName(n));
      if (!Files.isRegularFile(shard)) {
        return Verdict.rejected(
            first,
            Reason.SPLIT_INCOMPLETE,
            "shard " + n + " of " + set.count() + " is missing: " + shard.getFileName(),
            firstVerdict == null ? null : firstVerdict.file());
      }
      Verdict v = verify(shard);
      if (!v.isAccepted()) {
        return Verdict.rejected(
            first,
            v.reason(),
            "shard " + n + " of " + set.count() + " (" + shard.getFileName() + "): " + v.message(),
            firstVerdict == null ? null : firstVerdict.file());
      }
      if (n == 1) {
        firstVerdict = v;
      }
      Optional<SplitInfo> info = v.file().split();
      if (info.isEmpty() || info.get().no() != n - 1 || info.get().count() != set.count()) {
        return Verdict.rejected(
            first,
            Reason.SPLIT_INCOMPLETE,
            "shard "
                + shard.getFileName()
                + " has "
                + info.map(i -> "split.no=" + i.no() + " split.count=" + i.count())
                    .orElse("no split.no/split.count")
                + ": expected split.no="
                + (n - 1)
                + " split.count="
                + set.count(),
            firstVerdict.file());
      }
      tensors += v.file().tensorCount();
    }
    long declared = firstVerdict.file().split().get().tensorsCount();
    if (declared >= 0 && declared != tensors) {
      return Verdict.rejected(
          first,
          Reason.SPLIT_INCOMPLETE,
          "split.tensors.count is " + declared + " but the shards hold " + tensors + " tensors",
          firstVerdict.file());
    }
    return firstVerdict.file().architecture().isPresent()
        ? Verdict.accepted(first, firstVerdict.file())
        : Verdict.rejected(
            first, Reason.NOT_A_MODEL, "first shard has no general.architecture", null);
  }

  /** Total tensor bytes over a set of verified shards (weights memory). */
  public static long tensorBytes(List<GgufFile> shards) {
    return shards.stream().mapToLong(GgufFile::tensorBytes).sum();
  }
}
