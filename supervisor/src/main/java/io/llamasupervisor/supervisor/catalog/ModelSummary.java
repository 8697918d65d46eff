package io.llamasupervisor.supervisor.catalog;

import io.llamasupervisor.gguf.GgufFile;
import java.util.OptionalLong;

/**
 * Key metadata of a model, from the header of its first file. A field is {@code null} when the
 * header does not say.
 */
public record ModelSummary(
    String architecture,
    String name,
    String fileType,
    Long contextLength,
    Long blockCount,
    Long embeddingLength,
    Long headCount,
    Long headCountKv,
    int tensorCount,
    int splitCount,
    boolean chatTemplate) {

  public static ModelSummary of(GgufFile h) {
    return new ModelSummary(
        h.architecture().orElse(null),
        h.name().orElse(null),
        h.fileTypeName().orElse(null),
        boxed(h.contextLength()),
        boxed(h.blockCount()),
        boxed(h.embeddingLength()),
        boxed(h.headCount()),
        boxed(h.headCountKv()),
        h.tensorCount(),
        h.split().map(s -> s.count()).orElse(1),
        h.hasChatTemplate());
  }

  private static Long boxed(OptionalLong v) {
    return v.isPresent() ? v.getAsLong() : null;
  }
}
