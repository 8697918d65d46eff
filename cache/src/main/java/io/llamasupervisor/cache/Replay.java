package io.llamasupervisor.cache;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A cached response rendered for the request that hit it: what the gateway writes, as it is.
 *
 * <p>For a streaming request ({@link #stream()} true) {@link #chunks()} are SSE events, each {@code
 * data: <json>\n\n}, the last one {@code data: [DONE]\n\n}, in the shape llama-server streams (role
 * delta, content deltas, finish reason, usage when the request asked for it with {@code
 * stream_options.include_usage}); write them in order, flushing as you like. For a non-streaming
 * request there is one chunk, the JSON body.
 *
 * @param status always 200 (only successful responses are cached)
 * @param contentType {@code text/event-stream} or {@code application/json}
 * @param stream whether the chunks are SSE events
 * @param chunks the body, in order
 */
public record Replay(int status, String contentType, boolean stream, List<byte[]> chunks) {
  public static final String SSE = "text/event-stream";
  public static final String JSON = "application/json";

  public Replay {
    chunks = List.copyOf(chunks);
  }

  /** The whole body as one array (all chunks concatenated). */
  public byte[] body() {
    int n = 0;
    for (byte[] c : chunks) {
      n += c.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, out, at, c.length);
      at += c.length;
    }
    return out;
  }

  /** The whole body as text, for tests and logs. */
  public String bodyText() {
    return new String(body(), StandardCharsets.UTF_8);
  }
}
