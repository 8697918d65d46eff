package io.llamasupervisor.supervisor.launch;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the planner needs to know about one verified model.
 *
 * @param id the model id ({@code --alias})
 * @param alias the short alias, or {@code null}
 * @param modelPath the file to pass to {@code --model} (the first shard of a split model)
 * @param mmprojPath the multimodal projector, or {@code null}
 * @param header the GGUF header of {@code modelPath}
 * @param modelWeightsBytes tensor bytes over every shard
 * @param mmprojWeightsBytes tensor bytes of the projector (0 without one)
 */
public record ModelSpec(
    String id,
    String alias,
    Path modelPath,
    Path mmprojPath,
    GgufFile header,
    long modelWeightsBytes,
    long mmprojWeightsBytes) {
  public ModelSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(modelPath, "modelPath");
    Objects.requireNonNull(header, "header");
  }

  /** A single-file model without projector. */
  public static ModelSpec of(String id, GgufFile header) {
    return new ModelSpec(id, null, header.path(), null, header, header.tensorBytes(), 0);
  }

  /**
   * The spec of an accepted catalog entry.
   *
   * @throws IllegalArgumentException if the entry was rejected
   */
  public static ModelSpec of(CatalogEntry e) {
    if (!e.accepted() || e.header() == null) {
      throw new IllegalArgumentException(
          "cannot plan rejected model " + e.id() + ": " + e.message());
    }
    return new ModelSpec(
        e.id(), e.alias(), e.path(), e.mmproj(), e.header(), e.weightsBytes(), e.mmprojBytes());
  }
}
