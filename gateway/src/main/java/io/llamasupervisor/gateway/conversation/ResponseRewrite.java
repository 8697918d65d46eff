package io.llamasupervisor.gateway.conversation;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Turns a successful upstream answer (status 200) into another shape as it passes: {@link #begin}
 * once with the time the request waited in the queue, {@link #chunk} with every upstream body byte
 * in order (returning the bytes to send the client now, possibly none), then {@link #end} for the
 * last bytes. Any other upstream status is passed through unchanged. Not thread-safe.
 */
public interface ResponseRewrite {
  /** The client's {@code Content-Type}. */
  String contentType();

  void begin(Duration queued);

  byte[] chunk(ByteBuffer upstream);

  byte[] end();
}
