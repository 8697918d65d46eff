package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * {@code /mcp}: a Model Context Protocol server (Streamable HTTP transport, stateless mode) with
 * the tools of {@link McpTools}, built with the official MCP Java SDK. The SDK's {@link McpServer}
 * does the protocol (initialize, tools/list, tools/call, ping); this controller is its transport,
 * the Micronaut counterpart of the SDK's servlet {@code HttpServletStatelessServerTransport}: each
 * {@code POST} carries one JSON-RPC message; a request is answered with its JSON-RPC response as
 * {@code application/json}, a notification or response with 202. No sessions, no server-initiated
 * stream: {@code GET} and {@code DELETE} answer 405.
 *
 * <p>Keys: the API key filter lets any valid key in; the caller's role goes into the tools' {@link
 * McpTransportContext} ({@link McpTools#ROLE}; {@code admin} when the API has no keys), and {@code
 * restart_model} refuses a key below {@code operate}.
 */
@Controller
final class McpController {
  static final String PATH = "/mcp";
  private static final Logger LOG = LoggerFactory.getLogger(McpController.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final McpJsonMapper json = McpJsonDefaults.getMapper();
  private final Transport transport = new Transport();
  private final McpStatelessSyncServer server;

  McpController(Fleet fleet, RoutingRegistry registry) {
    this.server =
        McpServer.sync(transport)
            .serverInfo("llama-supervisor", version())
            .instructions(
                "Operates a fleet of llama.cpp llama-server processes: list_models and"
                    + " model_status tell what runs and why, tail_logs shows a model's output,"
                    + " routes the routing table, restart_model replaces a model blue-green.")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .jsonMapper(json)
            .requestTimeout(REQUEST_TIMEOUT)
            .tools(new McpTools(fleet, registry).specifications())
            .build();
  }

  /** One JSON-RPC message from the client. */
  @Post(
      uri = PATH,
      consumes = {MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN},
      produces = MediaType.APPLICATION_JSON)
  @ExecuteOn(TaskExecutors.BLOCKING)
  MutableHttpResponse<?> post(HttpRequest<?> request, @Nullable @Body String body) {
    McpStatelessServerHandler handler = transport.handler;
    if (handler == null || transport.closing) {
      return rpcError(
          HttpStatus.SERVICE_UNAVAILABLE,
          McpSchema.ErrorCodes.INTERNAL_ERROR,
          "MCP server is not running");
    }
    McpSchema.JSONRPCMessage message;
    try {
      message = McpSchema.deserializeJsonRpcMessage(json, body == null ? "" : body);
    } catch (IOException | IllegalArgumentException e) {
      return rpcError(
          HttpStatus.BAD_REQUEST,
          McpSchema.ErrorCodes.PARSE_ERROR,
          "not a JSON-RPC 2.0 message: " + e.getMessage());
    }
    McpTransportContext context =
        McpTransportContext.create(Map.of(McpTools.ROLE, WhoAmIController.roleOf(request)));
    try {
      if (message instanceof McpSchema.JSONRPCRequest rpc) {
        McpSchema.JSONRPCResponse response =
            handler
                .handleRequest(context, rpc)
                .contextWrite(c -> c.put(McpTransportContext.KEY, context))
                .block(REQUEST_TIMEOUT);
        return HttpResponse.ok(json.writeValueAsBytes(response))
            .contentType(MediaType.APPLICATION_JSON_TYPE)
            .header(HttpHeaders.CACHE_CONTROL, "no-store");
      }
      if (message instanceof McpSchema.JSONRPCNotification note) {
        handler
            .handleNotification(context, note)
            .contextWrite(c -> c.put(McpTransportContext.KEY, context))
            .block(REQUEST_TIMEOUT);
      }
      return HttpResponse.status(HttpStatus.ACCEPTED);
    } catch (IOException | RuntimeException e) {
      LOG.warn("MCP request failed: {}", e.toString());
      return rpcError(
          HttpStatus.INTERNAL_SERVER_ERROR,
          McpSchema.ErrorCodes.INTERNAL_ERROR,
          "request failed: " + e.getMessage());
    }
  }

  /**
   * No server-initiated stream in stateless mode (405, also to {@code Accept: text/event-stream}).
   */
  @Get(
      uri = PATH,
      produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
  MutableHttpResponse<?> get() {
    return notAllowed();
  }

  /** No sessions to end in stateless mode. */
  @Delete(PATH)
  MutableHttpResponse<?> delete() {
    return notAllowed();
  }

  private static MutableHttpResponse<?> notAllowed() {
    return ApiErrors.response(
            HttpStatus.METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this MCP endpoint is stateless: POST one JSON-RPC message per request")
        .header(HttpHeaders.ALLOW, "POST");
  }

  private MutableHttpResponse<?> rpcError(HttpStatus status, int code, String message) {
    McpSchema.JSONRPCResponse error =
        new McpSchema.JSONRPCResponse(
            McpSchema.JSONRPC_VERSION,
            null,
            null,
            new McpSchema.JSONRPCResponse.JSONRPCError(code, message));
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(error);
    } catch (IOException e) {
      bytes =
          ("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":" + code + "}}")
              .getBytes(StandardCharsets.UTF_8);
    }
    return HttpResponse.status(status).body(bytes).contentType(MediaType.APPLICATION_JSON_TYPE);
  }

  private static String version() {
    String v = McpController.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @PreDestroy
  void close() {
    server.closeGracefully();
  }

  /** The SDK's side of the transport: it hands us its handler. */
  private static final class Transport implements McpStatelessServerTransport {
    volatile McpStatelessServerHandler handler;
    volatile boolean closing;

    @Override
    public void setMcpHandler(McpStatelessServerHandler mcpHandler) {
      this.handler = mcpHandler;
    }

    @Override
    public Mono<Void> closeGracefully() {
      return Mono.fromRunnable(() -> closing = true);
    }
  }
}
