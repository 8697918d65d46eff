package io.llamasupervisor.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The project's one Jackson configuration, for every module that reads or writes JSON without a
 * framework (the HTTP API's Micronaut mapper and the gateway's byte-exact paths have their own):
 *
 * <ul>
 *   <li>instants and durations as ISO-8601 strings ({@code java.time} supported);
 *   <li>unknown fields ignored when reading into a type, so an older reader accepts a newer
 *       writer's documents;
 *   <li>strict syntax: one document, nothing after it;
 *   <li>nesting bounded by {@link #MAX_DEPTH} (no document we read is more than a few levels deep).
 * </ul>
 *
 * <p>{@link #mapper()} is one shared, thread-safe instance: never reconfigure it; for other
 * settings start from {@link #builder()}.
 */
public final class JsonMappers {
  /** Deeper documents are refused. */
  public static final int MAX_DEPTH = 64;

  private static final ObjectMapper MAPPER = builder().build();

  private JsonMappers() {}

  /** The shared mapper with the project's configuration. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** A builder with the project's configuration, to add to (e.g. exact decimals). */
  public static JsonMapper.Builder builder() {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();
    return JsonMapper.builder(factory)
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }
}
