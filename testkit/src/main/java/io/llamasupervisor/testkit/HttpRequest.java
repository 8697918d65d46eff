package io.llamasupervisor.testkit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request as read off the socket.
 *
 * @param method e.g. {@code GET}
 * @param path the target without the query
 * @param query decoded query parameters
 * @param headers header values by lower-case name (the last one wins)
 * @param body the request body (de-chunked)
 * @param keepAlive whether the client allows the connection to stay open
 */
record HttpRequest(
    String method,
    String path,
    Map<String, String> query,
    Map<String, String> headers,
    byte[] body,
    boolean keepAlive) {

  String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
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
