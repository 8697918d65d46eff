package io.llamasupervisor.cache;

import java.nio.ByteBuffer;

/**
 * Takes an upstream response as it passes through the gateway, and stores it when it completed.
 *
 * <p>Call {@link #start} once with the upstream status and content type, {@link #chunk} with every
 * body byte in order (SSE or JSON, as received), then exactly one of {@link #complete()} (the
 * upstream body ended normally) or {@link #abort()} (the client went away, the upstream failed or
 * was cut, a retry goes elsewhere). A response is stored only if the status was 200 and the body is
 * a whole JSON completion or an SSE stream that ended with {@code data: [DONE]} and carried no
 * error; anything else is dropped. Methods never throw and return quickly: a JSON body kept in
 * memory is stored by {@link #complete()} itself (one pass of a parser and a map put); a stream, an
 * entry for the semantic cache (which may wait for its embedding) and anything for Redis are stored
 * on the cache's own thread. Not thread-safe: one thread (or one ordered pipeline) feeds a
 * recorder.
 */
public interface ResponseRecorder {
  /** A recorder that stores nothing. */
  ResponseRecorder NONE =
      new ResponseRecorder() {
        @Override
        public void start(int status, String contentType) {}

        @Override
        public void chunk(byte[] bytes, int offset, int length) {}

        @Override
        public void chunk(ByteBuffer bytes) {}

        @Override
        public void complete() {}

        @Override
        public void abort() {}
      };

  void start(int status, String contentType);

  void chunk(byte[] bytes, int offset, int length);

  default void chunk(byte[] bytes) {
    chunk(bytes, 0, bytes.length);
  }

  /** The remaining bytes of {@code bytes} (its position is left as it was). */
  default void chunk(ByteBuffer bytes) {
    byte[] copy = new byte[bytes.remaining()];
    bytes.duplicate().get(copy);
    chunk(copy);
  }

  void complete();

  void abort();
}
