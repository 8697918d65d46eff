package io.llamasupervisor.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON of the registry's records without a framework, in the project's Jackson configuration (that
 * of the {@code json} module's {@code JsonMappers}, repeated here because a leaf imports nothing of
 * ours): instants as ISO-8601 strings, unknown fields ignored on read (so older clients accept
 * newer servers), nothing after the document. Reading also accepts instants as epoch seconds, which
 * some Jackson configurations write.
 */
public final class RoutingJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private RoutingJson() {}

  /** {@code value} (a table, a route, the LiteLLM export…) as UTF-8 JSON. */
  public static byte[] toBytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  /** {@code value} as a JSON string. */
  public static String toJson(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  /**
   * Reads a routing table.
   *
   * @throws IOException when the bytes are not JSON or not a valid table (the message says why)
   */
  public static RoutingTable readTable(byte[] json) throws IOException {
    return MAPPER.readValue(json, RoutingTable.class);
  }

  /** {@link #readTable(byte[])} of a string. */
  public static RoutingTable readTable(String json) throws IOException {
    return MAPPER.readValue(json, RoutingTable.class);
  }
}
