package io.llamasupervisor.testkit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.x request as read off the socket.
 *
 * @param method e.g. {@code GET}
 * @param path the target without the query
 * @param query decoded query parameters
 * @param headers header values by lower-case name (the last one wins)
 * @param body the request body (de-chunked)
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param framedBody whether the request announced a body ({@code Transfer-Encoding: chunked} or a
 *     {@code Content-Length} above 0), which cpp-httplib must drain or close on
 */
record HttpRequest(
    String method,
    String path,
    Map<String, String> query,
    Map<String, String> headers,
    byte[] body,
    String version,
    boolean framedBody) {

  String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /**
   * The client sent {@code Connection: close}. cpp-httplib compares the value exactly, so {@code
   * Close} does not count.
   */
  boolean asksToClose() {
    return "close".equals(header("connection"));
  }

  /**
   * Whether cpp-httplib keeps the connection after answering: not when the client asked to close,
   * and for HTTP/1.0 only with {@code Connection: Keep-Alive} (spelled exactly so).
   */
  boolean persistent() {
    if (asksToClose()) {
      return false;
    }
    return !version.equals("HTTP/1.0") || "Keep-Alive".equals(header("connection"));
  }

  String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  static Map<String, String> parseQuery(String q) {
    Map<String, String> m = new LinkedHashMap<>();
    if (q == null || q.isEmpty()) {
      return m;
    }
    for (String part : q.split("&")) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      m.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return m;
  }
}
