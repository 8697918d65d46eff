package io.llamasupervisor.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON of the registry's records without a framework, in the project's Jackson configuration
 * ({@link JsonMappers}): instants as ISO-8601 strings, unknown fields ignored on read (so older
 * clients accept newer servers). Reading also accepts instants as epoch seconds, which some Jackson
 * configurations write.
 */
public final class RoutingJson {
  private static final ObjectMapper MAPPER = JsonMappers.mapper();

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
