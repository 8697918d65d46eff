package io.llamasupervisor.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The listening socket and its accept loop: one thread per connection, requests on a connection
 * answered in order. A request counts as in flight from the moment it is read until it is answered
 * or its client hangs up (see {@link Lifecycle}).
 */
final class HttpListener {
  private final ServerSocket server;
  private final Lifecycle lifecycle;
  private final ServerLog log;
  private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
  private LlamaApi api;

  private HttpListener(ServerSocket server, Lifecycle lifecycle, ServerLog log) {
    this.server = server;
    this.lifecycle = lifecycle;
    this.log = log;
  }

  /**
   * Binds like cpp-httplib: the port is taken modulo 65536 (so 70000 binds 4464), a negative port
   * or an unresolvable host fails.
   */
  static HttpListener bind(String host, int port, Lifecycle lifecycle, ServerLog log)
      throws IOException {
    if (port < 0) {
      throw new IOException("negative port " + port);
    }
    InetAddress address = InetAddress.getByName(host);
    ServerSocket s = new ServerSocket();
    try {
      s.bind(new InetSocketAddress(address, port & 0xFFFF), 512);
    } catch (IOException e) {
      s.close();
      throw e;
    }
    HttpListener listener = new HttpListener(s, lifecycle, log);
    lifecycle.beforeExit(listener::closeAll);
    return listener;
  }

  int port() {
    return server.getLocalPort();
  }

  void start(LlamaApi api) {
    this.api = api;
    Thread t = new Thread(this::acceptLoop, "http-accept");
    t.setDaemon(true);
    t.start();
  }

  /** Stops accepting: new connections are refused from now on. */
  void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Closes the listener and every connection (right before exit). */
  void closeAll() {
    close();
    for (HttpConnection c : open) {
      c.close();
    }
  }

  private void acceptLoop() {
    int n = 0;
    while (true) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread t = new Thread(() -> serve(s), "http-" + ++n);
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket socket) {
    HttpConnection conn;
    try {
      conn = new HttpConnection(socket);
    } catch (IOException e) {
      return;
    }
    open.add(conn);
    try {
      while (true) {
        HttpRequest req;
        try {
          req = conn.read();
        } catch (HttpConnection.BadRequest e) {
          conn.respondJson(null, 400, LlamaApi.error(400, e.getMessage(), "invalid_request_error"));
          return;
        }
        if (req == null) {
          return;
        }
        boolean keep = false;
        boolean answer = lifecycle.begin();
        try {
          if (!answer) {
            throw new Abandoned();
          }
          keep = api.handle(req, conn);
        } catch (Abandoned a) {
          conn.awaitClientClose();
        } catch (RuntimeException e) {
          log.error("srv", "operator()", "unexpected error: " + e);
          conn.respondJson(req, 500, LlamaApi.error(500, String.valueOf(e), "server_error"));
        } finally {
          lifecycle.end();
        }
        if (!keep) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away
    } finally {
      open.remove(conn);
      conn.close();
    }
  }
}
