package io.llamasupervisor.gateway.conversation;

import java.nio.ByteBuffer;

/**
 * Watches an upstream answer pass through the gateway: {@link #start} once with the status and
 * content type, {@link #chunk} with every body byte in order, then exactly one of {@link #complete}
 * (the body ended normally; {@code backend} served it) or {@link #abort}. Never throws; called on
 * the exchange's event loop, so it returns quickly (stores happen elsewhere).
 */
public interface ResponseTap {
  void start(int status, String contentType);

  void chunk(ByteBuffer bytes);

  void complete(String backend);

  void abort();
}
