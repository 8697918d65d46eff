package io.llamasupervisor.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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

  StoredEntry {
    Objects.requireNonNull(endpoint, "endpoint");
    events = List.copyOf(events);
  }

  byte[] serialize() {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bos);
      out.writeByte(FORMAT);
      out.writeByte(endpoint.ordinal());
      out.writeBoolean(streamed);
      out.writeLong(storedAtMillis);
      out.writeInt(events.size());
      for (String e : events) {
        byte[] b = e.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
      }
      out.flush();
      return bos.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
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
