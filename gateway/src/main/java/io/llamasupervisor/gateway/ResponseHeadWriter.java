package io.llamasupervisor.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Writes the head of a relayed response as bytes (no header objects, no encoder), and frames chunks
 * the gateway makes itself. Names and values are written as ISO-8859-1, the way {@link
 * ResponseParser} read them, so what the backend sent passes byte for byte.
 */
final class ResponseHeadWriter {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] COLON = {':', ' '};
  private static final ByteBuf LAST_CHUNK =
      Unpooled.unreleasableBuffer(
          Unpooled.directBuffer(5).writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

  /** The fields the gateway sets itself on every relayed answer. */
  private static final Set<String> GATEWAYS =
      Hop.caseInsensitive("x-backend-generation", "x-cache", "server-timing");

  private final ByteBuf buf;

  ResponseHeadWriter(ByteBufAllocator alloc, int status, String reason) {
    buf = alloc.buffer(512);
    buf.writeCharSequence("HTTP/1.1 ", StandardCharsets.US_ASCII);
    buf.writeCharSequence(Integer.toString(status), StandardCharsets.US_ASCII);
    buf.writeByte(' ');
    buf.writeCharSequence(reason, StandardCharsets.ISO_8859_1);
    buf.writeBytes(CRLF);
  }

  /**
   * Whether the backend's field {@code name} is left out: hop-by-hop and gateway fields always,
   * {@code Content-Length} when the gateway frames the body ({@code dropLength}), {@code
   * Content-Type} when it rewrites the body, and the buffering fields of an event stream.
   */
  static boolean replaced(String name, boolean sse, boolean dropLength, boolean rewritten) {
    return Hop.NAMES.contains(name)
        || GATEWAYS.contains(name)
        || (dropLength && name.equalsIgnoreCase("content-length"))
        || (rewritten && name.equalsIgnoreCase("content-type"))
        || (sse
            && (name.equalsIgnoreCase("x-accel-buffering")
                || name.equalsIgnoreCase("cache-control")));
  }

  void header(String name, String value) {
    buf.writeCharSequence(name, StandardCharsets.ISO_8859_1);
    buf.writeBytes(COLON);
    buf.writeCharSequence(value, StandardCharsets.ISO_8859_1);
    buf.writeBytes(CRLF);
  }

  /** The head, ended by its blank line; the writer is done. */
  ByteBuf finish() {
    return buf.writeBytes(CRLF);
  }

  /** {@code data} as one chunk (size line, data, CRLF). */
  static ByteBuf chunk(ByteBufAllocator alloc, byte[] data) {
    return chunk(alloc, Unpooled.wrappedBuffer(data));
  }

  /** The readable bytes of {@code data} (not released) as one chunk; none for no bytes. */
  static ByteBuf chunk(ByteBufAllocator alloc, ByteBuf data) {
    int n = data.readableBytes();
    if (n == 0) {
      return Unpooled.EMPTY_BUFFER; // a zero-size chunk would end the body
    }
    ByteBuf c = alloc.buffer(n + 12);
    c.writeCharSequence(Integer.toHexString(n), StandardCharsets.US_ASCII);
    c.writeBytes(CRLF);
    c.writeBytes(data, data.readerIndex(), n);
    return c.writeBytes(CRLF);
  }

  /** The zero-size chunk that ends a chunked body (no trailers). */
  static ByteBuf lastChunk() {
    return LAST_CHUNK.duplicate();
  }
}
