package io.llamasupervisor.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Latency probe of the gateway benchmark ({@code bench/gateway-bench.sh}), one client, requests
 * interleaved over the paths so that every path sees the same machine:
 *
 * <ul>
 *   <li>{@code ttft --requests N --body JSON NAME=URL…}: time from writing a streaming request to
 *       the first {@code data:} byte, per path; prints p50/p99/max in ms.
 *   <li>{@code flush --tick-port P --streams N --events K NAME=URL…}: serves an event stream itself
 *       on P (an event every 2 ms, the write time of each known) and measures, per path, arrival at
 *       the client minus write at the backend for every event: how long a proxy holds an event.
 * </ul>
 */
public final class GatewayLatencyProbe {
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
  private static final long EVENT_GAP_NANOS = 2_000_000;

  private GatewayLatencyProbe() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int requests = 200;
    int tickPort = 0;
    int events = 64;
    String body = null;
    Map<String, URI> paths = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--requests", "--streams" -> requests = Integer.parseInt(args[++i]);
        case "--tick-port" -> tickPort = Integer.parseInt(args[++i]);
        case "--events" -> events = Integer.parseInt(args[++i]);
        case "--body" -> body = args[++i];
        default -> {
          int eq = args[i].indexOf('=');
          paths.put(args[i].substring(0, eq), URI.create(args[i].substring(eq + 1)));
        }
      }
    }
    if (mode.equals("ttft")) {
      ttft(paths, requests, body);
    } else {
      flush(paths, requests, events, tickPort);
    }
  }

  private static void ttft(Map<String, URI> paths, int requests, String body) throws IOException {
    Map<String, long[]> samples = new LinkedHashMap<>();
    paths.keySet().forEach(k -> samples.put(k, new long[requests]));
    for (int warm = 0; warm < 20; warm++) {
      for (URI u : paths.values()) {
        firstData(u, body);
      }
    }
    for (int i = 0; i < requests; i++) {
      for (Map.Entry<String, URI> p : paths.entrySet()) {
        samples.get(p.getKey())[i] = firstData(p.getValue(), body);
      }
    }
    samples.forEach((name, s) -> System.out.println(summary("ttft", name, s)));
  }

  /** Nanoseconds from the request's write to the first {@code data:} byte; reads to the end. */
  private static long firstData(URI u, String body) throws IOException {
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setTcpNoDelay(true);
      byte[] req = request(u, body);
      InputStream in = s.getInputStream();
      long t0 = System.nanoTime();
      s.getOutputStream().write(req);
      byte[] buf = new byte[16384];
      long first = -1;
      int matched = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        if (first < 0) {
          for (int i = 0; i < n && first < 0; i++) {
            matched = buf[i] == DATA[matched] ? matched + 1 : (buf[i] == DATA[0] ? 1 : 0);
            if (matched == DATA.length) {
              first = System.nanoTime() - t0;
            }
          }
        }
      }
      if (first < 0) {
        throw new IOException("no event from " + u);
      }
      return first;
    }
  }

  private static byte[] request(URI u, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + u.getRawPath()
            + " HTTP/1.1\r\nHost: "
            + u.getHost()
            + ":"
            + u.getPort()
            + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
            + b.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(h, h.length + b.length);
    System.arraycopy(b, 0, all, h.length, b.length);
    return all;
  }

  private static void flush(Map<String, URI> paths, int streams, int events, int port)
      throws Exception {
    Map<Long, Long> written = new ConcurrentHashMap<>();
    AtomicLong seq = new AtomicLong();
    ServerSocket server = new ServerSocket(port, 64, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket c = server.accept();
                  Thread t = new Thread(() -> tick(c, events, seq, written));
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    String body = "{\"model\":\"tick\",\"stream\":true}";
    Map<String, List<Long>> delays = new LinkedHashMap<>();
    paths.keySet().forEach(k -> delays.put(k, new ArrayList<>()));
    for (int i = 0; i < streams + 5; i++) {
      for (Map.Entry<String, URI> p : paths.entrySet()) {
        List<Long> d = arrivals(p.getValue(), body, written);
        if (i >= 5) {
          delays.get(p.getKey()).addAll(d);
        }
      }
    }
    server.close();
    delays.forEach(
        (name, d) ->
            System.out.println(
                summary("flush", name, d.stream().mapToLong(Long::longValue).toArray())));
  }

  /** Per event of one stream: arrival here minus write at the tick backend, in nanoseconds. */
  private static List<Long> arrivals(URI u, String body, Map<Long, Long> written)
      throws IOException {
    List<Long> out = new ArrayList<>();
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setTcpNoDelay(true);
      s.getOutputStream().write(request(u, body));
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16384];
      StringBuilder pending = new StringBuilder();
      int n;
      while ((n = in.read(buf)) > 0) {
        long now = System.nanoTime();
        pending.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        int at;
        while ((at = pending.indexOf("{\"seq\":")) >= 0) {
          int end = pending.indexOf("}", at);
          if (end < 0) {
            break;
          }
          long k = Long.parseLong(pending.substring(at + 7, end));
          Long w = written.get(k);
          if (w != null) {
            out.add(now - w);
          }
          pending.delete(0, end + 1);
        }
      }
    }
    return out;
  }

  /** The tick backend: an SSE answer of {@code events} events 2 ms apart, then close. */
  private static void tick(Socket c, int events, AtomicLong seq, Map<Long, Long> written) {
    try (c) {
      c.setTcpNoDelay(true);
      InputStream in = c.getInputStream();
      String head = readHead(in);
      int length = 0;
      for (String line : head.split("\r\n")) {
        if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      in.readNBytes(length);
      OutputStream out = c.getOutputStream();
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      for (int i = 0; i < events; i++) {
        LockSupport.parkNanos(EVENT_GAP_NANOS);
        long k = seq.incrementAndGet();
        byte[] event = ("data: {\"seq\":" + k + "}\n\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk =
            (Integer.toHexString(event.length)
                    + "\r\n"
                    + new String(event, StandardCharsets.US_ASCII)
                    + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        written.put(k, System.nanoTime());
        out.write(chunk);
        out.flush();
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      sb.append((char) b);
      if (sb.length() >= 4 && sb.lastIndexOf("\r\n\r\n") == sb.length() - 4) {
        break;
      }
    }
    return sb.toString();
  }

  private static String summary(String what, String name, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return what + " " + name + " n=0";
    }
    return String.format(
        "%s %s n=%d p50=%.3f p99=%.3f max=%.3f ms",
        what,
        name,
        s.length,
        s[(int) (s.length * 0.50)] / 1e6,
        s[Math.min(s.length - 1, (int) (s.length * 0.99))] / 1e6,
        s[s.length - 1] / 1e6);
  }
}
