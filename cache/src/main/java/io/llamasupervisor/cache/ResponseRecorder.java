package io.llamasupervisor.cache;

/**
 * Takes an upstream response as it passes through the gateway, and stores it when it completed.
 *
 * <p>Call {@link #start} once with the upstream status and content type, {@link #chunk} with every
 * body byte in order (SSE or JSON, as received), then exactly one of {@link #complete()} (the
 * upstream body ended normally) or {@link #abort()} (the client went away, the upstream failed or
 * was cut, a retry goes elsewhere). A response is stored only if the status was 200 and the body is
 * a whole JSON completion or an SSE stream that ended with {@code data: [DONE]} and carried no
 * error; anything else is dropped. Methods never throw and return quickly: the store itself (and
 * waiting for a pending embedding) happens on the cache's own thread. Not thread-safe: one thread
 * (or one ordered pipeline) feeds a recorder.
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
        public void complete() {}

        @Override
        public void abort() {}
      };

  void start(int status, String contentType);

  void chunk(byte[] bytes, int offset, int length);

  default void chunk(byte[] bytes) {
    chunk(bytes, 0, bytes.length);
  }

  void complete();

  void abort();
}
