package io.llamasupervisor.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection and are never forwarded. */
final class Hop {
  private Hop() {}

  /** Removes the hop-by-hop headers (Content-Length stays). */
  static void strip(HttpHeaders h) {
    h.remove(HttpHeaderNames.CONNECTION)
        .remove(HttpHeaderNames.KEEP_ALIVE)
        .remove(HttpHeaderNames.TE)
        .remove(HttpHeaderNames.TRAILER)
        .remove(HttpHeaderNames.UPGRADE)
        .remove(HttpHeaderNames.TRANSFER_ENCODING)
        .remove(HttpHeaderNames.PROXY_CONNECTION)
        .remove(HttpHeaderNames.PROXY_AUTHORIZATION)
        .remove(HttpHeaderNames.EXPECT);
  }
}
