package io.llamasupervisor.gateway.conversation;

import java.nio.ByteBuffer;

/**
 * Watches an upstream answer pass through the gateway: {@link #start} once with the status and
 * content type, {@link #chunk} with every body byte in order, then exactly one of {@link #complete}
 * (the body ended normally; {@code backend} served it) or {@link #abort}. Never throws; called on
 * the exchange's event loop, so it returns quickly (stores happen elsewhere).
 *
 * <p>{@link #complete} runs {@code then} exactly once (on any thread) when the response is stored,
 * or at once when there is nothing to store: the exchange sends the end of the answer only then, so
 * a client that starts the next turn as soon as it has the answer always finds it stored.
 */
public interface ResponseTap {
  void start(int status, String contentType);

  void chunk(ByteBuffer bytes);

  void complete(String backend, Runnable then);

  void abort();
}
