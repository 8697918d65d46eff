package io.llamasupervisor.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection and are never forwarded. */
final class Hop {
  /** Their names; the set compares case-insensitively (Content-Length is not one of them). */
  static final Set<String> NAMES =
      Collections.unmodifiableSet(
          caseInsensitive(
              "connection",
              "keep-alive",
              "te",
              "trailer",
              "upgrade",
              "transfer-encoding",
              "proxy-connection",
              "proxy-authorization",
              "expect"));

  private Hop() {}

  /**
   * Removes the hop-by-hop headers and every field the {@code Connection} header names as an option
   * of this connection (RFC 9110 7.6.1: {@code Connection: keep-alive, X-Trace} makes {@code
   * X-Trace} hop-by-hop too). Content-Length stays; the caller sets Host and Content-Length itself
   * afterwards, so a client cannot strip those.
   */
  static void strip(HttpHeaders h) {
    if (h.contains(HttpHeaderNames.CONNECTION)) {
      for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
        for (String option : value.split(",")) {
          String name = option.strip();
          if (!name.isEmpty() && !name.equalsIgnoreCase("close") && !NAMES.contains(name)) {
            h.remove(name);
          }
        }
      }
    }
    for (String name : NAMES) {
      h.remove(name);
    }
  }

  /** {@code names} in a set that compares them case-insensitively, without copies per lookup. */
  static Set<String> caseInsensitive(String... names) {
    Set<String> s = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    Collections.addAll(s, names);
    return s;
  }
}
