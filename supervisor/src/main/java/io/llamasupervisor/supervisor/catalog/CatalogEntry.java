package io.llamasupervisor.supervisor.catalog;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.Reason;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One model of the catalog: a single GGUF file or a complete split set, with the verifier's
 * verdict. Immutable.
 *
 * @param id path relative to the models directory, {@code /}-separated, without {@code .gguf} and
 *     without the shard suffix; stable across restarts
 * @param alias the file stem (without shard suffix) when no other model has the same stem, else
 *     {@code null}
 * @param path the file to launch: the file itself, or shard 1 of a split set
 * @param files every file of the model (shards in order), as verified
 * @param mmproj the multimodal projector of the model's folder, or {@code null}
 * @param reason why the model was rejected, {@code null} when accepted
 * @param message the verifier's message ("ok" when accepted)
 * @param summary key metadata, {@code null} when the header could not be read
 * @param header the parsed header of {@link #path()}, {@code null} when it could not be read
 * @param weightsBytes tensor bytes over every shard (0 when rejected)
 * @param mmprojBytes tensor bytes of the projector (0 without one)
 * @param warnings notes such as an unusable projector
 */
public record CatalogEntry(
    String id,
    String alias,
    Path path,
    List<CatalogFile> files,
    Path mmproj,
    Reason reason,
    String message,
    ModelSummary summary,
    GgufFile header,
    long weightsBytes,
    long mmprojBytes,
    List<String> warnings) {
  public CatalogEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
    files = List.copyOf(files);
    warnings = List.copyOf(warnings);
  }

  public boolean accepted() {
    return reason == null;
  }

  /** Total size of the model's files (projector not included). */
  public long sizeBytes() {
    return files.stream().mapToLong(CatalogFile::size).sum();
  }

  /** The newest modification time of the model's files. */
  public Instant modified() {
    return files.stream().map(CatalogFile::modified).max(Instant::compareTo).orElse(Instant.EPOCH);
  }

  /** The sha256 of the launched file ({@link #path()}), when hashing is on. */
  public String sha256() {
    for (CatalogFile f : files) {
      if (f.path().equals(path)) {
        return f.sha256();
      }
    }
    return null;
  }

  CatalogEntry withAlias(String newAlias) {
    return new CatalogEntry(
        id,
        newAlias,
        path,
        files,
        mmproj,
        reason,
        message,
        summary,
        header,
        weightsBytes,
        mmprojBytes,
        warnings);
  }
}
