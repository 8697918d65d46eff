package io.llamasupervisor.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One raw HTTP/1.1 connection: writes a request, reads the head and then the body line by line as
 * it arrives, so a test can stop reading and close the socket mid-response.
 */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final BufferedReader in;
  final Map<String, String> headers = new LinkedHashMap<>();
  int status;

  RawClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
  }

  RawClient post(String path, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return this;
  }

  /** Reads the status line and headers. */
  RawClient head() throws IOException {
    String line = in.readLine();
    status = Integer.parseInt(line.split(" ")[1]);
    while (!(line = in.readLine()).isEmpty()) {
      int c = line.indexOf(':');
      headers.put(line.substring(0, c).toLowerCase(Locale.ROOT), line.substring(c + 1).strip());
    }
    return this;
  }

  /** The body of a response with {@code Content-Length} (ASCII), after {@link #head()}. */
  String body() throws IOException {
    int n = Integer.parseInt(headers.get("content-length"));
    char[] buf = new char[n];
    int off = 0;
    while (off < n) {
      int r = in.read(buf, off, n - off);
      if (r < 0) {
        break;
      }
      off += r;
    }
    return new String(buf, 0, off);
  }

  /** The next SSE {@code data:} line (chunk-size lines skipped), or null at the end. */
  String nextEvent() throws IOException {
    String line;
    while ((line = in.readLine()) != null) {
      if (line.startsWith("data: ")) {
        return line.substring(6);
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
