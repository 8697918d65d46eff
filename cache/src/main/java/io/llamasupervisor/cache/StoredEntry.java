package io.llamasupervisor.cache;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A cached upstream response as it was recorded: a JSON body, or the {@code data:} payloads of an
 * SSE stream (without the final {@code [DONE]}).
 *
 * @param endpoint which endpoint answered (decides how to convert between JSON and SSE)
 * @param events the JSON body as one element, or every SSE payload in order
 * @param streamed whether the response was an SSE stream
 * @param storedAtMillis when it was stored (epoch millis)
 */
record StoredEntry(Endpoint endpoint, List<String> events, boolean streamed, long storedAtMillis) {
  private static final int FORMAT = 1;

  /** Bytes before the first event: format, endpoint, streamed, stored-at, event count. */
  private static final int HEADER = 1 + 1 + 1 + 8 + 4;

  StoredEntry {
    Objects.requireNonNull(endpoint, "endpoint");
    events = List.copyOf(events);
  }

  /**
   * The entry in its stored form (big-endian, as {@link DataOutputStream} writes it), sized
   * exactly.
   */
  byte[] serialize() {
    byte[][] parts = new byte[events.size()][];
    int total = HEADER;
    for (int i = 0; i < parts.length; i++) {
      parts[i] = events.get(i).getBytes(StandardCharsets.UTF_8);
      total = Math.addExact(total, 4 + parts[i].length);
    }
    ByteBuffer out =
        header(ByteBuffer.allocate(total), endpoint, streamed, storedAtMillis, parts.length);
    for (byte[] part : parts) {
      out.putInt(part.length).put(part);
    }
    return out.array();
  }

  /**
   * The stored form of a JSON answer whose UTF-8 is {@code body[from, to)}, written from those
   * bytes with one copy: the same bytes as {@code serialize()} of the entry holding that text.
   */
  static byte[] serializeJson(
      Endpoint endpoint, byte[] body, int from, int to, long storedAtMillis) {
    int length = to - from;
    ByteBuffer out = ByteBuffer.allocate(Math.addExact(HEADER + 4, length));
    header(out, endpoint, false, storedAtMillis, 1);
    return out.putInt(length).put(body, from, length).array();
  }

  private static ByteBuffer header(
      ByteBuffer out, Endpoint endpoint, boolean streamed, long storedAtMillis, int events) {
    out.put((byte) FORMAT).put((byte) endpoint.ordinal()).put((byte) (streamed ? 1 : 0));
    return out.putLong(storedAtMillis).putInt(events);
  }

  /** The entry written by {@link #serialize()}; throws {@link IOException} on anything else. */
  static StoredEntry deserialize(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    int format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("unknown cache entry format " + format);
    }
    int ep = in.readByte();
    if (ep < 0 || ep >= Endpoint.values().length) {
      throw new IOException("unknown endpoint " + ep);
    }
    boolean streamed = in.readBoolean();
    long at = in.readLong();
    int n = in.readInt();
    if (n < 0 || n > bytes.length) {
      throw new IOException("bad event count " + n);
    }
    List<String> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int len = in.readInt();
      if (len < 0 || len > bytes.length) {
        throw new IOException("bad event length " + len);
      }
      byte[] b = in.readNBytes(len);
      if (b.length != len) {
        throw new IOException("truncated cache entry");
      }
      events.add(new String(b, StandardCharsets.UTF_8));
    }
    return new StoredEntry(Endpoint.values()[ep], events, streamed, at);
  }
}
