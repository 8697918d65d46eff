package io.llamasupervisor.gateway;

/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection and are never forwarded. */
final class Hop {
  private Hop() {}

  static boolean isHopByHop(String name) {
    switch (name.length()) {
      case 2:
        return name.equalsIgnoreCase("te");
      case 6:
        return name.equalsIgnoreCase("expect");
      case 7:
        return name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
      case 10:
        return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 14:
        return name.equalsIgnoreCase("content-length");
      case 16:
        return name.equalsIgnoreCase("proxy-connection");
      case 17:
        return name.equalsIgnoreCase("transfer-encoding");
      case 19:
        return name.equalsIgnoreCase("proxy-authorization");
      default:
        return false;
    }
  }
}
