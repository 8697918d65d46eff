package io.llamasupervisor.health;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback port that accepts TCP connections and then never answers (as a hung or SIGSTOPped
 * server looks to a client), or, with {@code hangUp}, closes each connection without a reply.
 */
final class SilentServer implements AutoCloseable {
  private final ServerSocket socket;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  SilentServer(boolean hangUp) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor =
        new Thread(
            () -> {
              while (!socket.isClosed()) {
                try {
                  Socket s = socket.accept();
                  if (hangUp) {
                    s.getInputStream().read(new byte[1024]); // wait for the request, then drop it
                    s.close();
                  } else {
                    held.add(s);
                  }
                } catch (IOException e) {
                  if (!socket.isClosed()) {
                    throw new UncheckedIOException(e);
                  }
                }
              }
            },
            "silent-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /** Connections accepted and held open so far. */
  int connections() {
    return held.size();
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : held) {
      s.close();
    }
  }
}
