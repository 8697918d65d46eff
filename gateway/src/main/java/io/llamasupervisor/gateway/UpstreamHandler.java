package io.llamasupervisor.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads a backend connection's responses with a {@link ResponseParser} and hands them to the
 * exchange currently using the connection. Bytes that arrive while no exchange uses it (after a
 * response ended, or before one was asked for) close it: such a backend cannot be trusted with the
 * next request.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter implements ResponseParser.Sink {
  private final ResponseParser parser = new ResponseParser();
  private Exchange exchange;

  /** {@code e} uses the connection from now on, for one request. */
  void attach(Exchange e) {
    exchange = e;
    parser.reset();
  }

  void detach() {
    exchange = null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (exchange == null) {
        ctx.close();
        return;
      }
      parser.feed(in, this);
      if (exchange == null && !parser.done()) {
        ctx.close(); // more bytes followed the end of the response
      }
    } catch (ResponseParser.MalformedResponseException e) {
      Exchange broken = exchange;
      exchange = null;
      ctx.close();
      if (broken != null) {
        broken.upstreamLost(e);
      }
    } finally {
      in.release();
    }
  }

  @Override
  public void head(ResponseParser.ResponseHead head) {
    Exchange e = exchange;
    if (e != null) {
      e.upstreamHead(head);
    }
  }

  @Override
  public void data(ByteBuf data) {
    Exchange e = exchange;
    if (e != null) {
      e.upstreamData(data);
    }
  }

  @Override
  public void raw(ByteBuf raw) {
    Exchange e = exchange;
    if (e != null) {
      e.upstreamRaw(raw);
    } else {
      raw.release();
    }
  }

  @Override
  public void end() {
    Exchange e = exchange;
    if (e != null) {
      e.upstreamEnd();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    if (e != null) {
      e.upstreamReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (parser.closed(this)) {
      return; // the close ended a body that lasts until close
    }
    Exchange e = exchange;
    exchange = null;
    if (e != null) {
      e.upstreamLost(null);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Exchange e = exchange;
    exchange = null;
    ctx.close();
    if (e != null) {
      e.upstreamLost(cause);
    }
  }
}
