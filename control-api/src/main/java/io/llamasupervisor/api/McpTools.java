package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The MCP tools of {@code /mcp}: {@code list_models}, {@code model_status}, {@code tail_logs},
 * {@code routes} (role {@code read}) and {@code restart_model} (role {@code operate}). Each answers
 * one text content holding JSON (the same shapes as the REST API) or, for logs, the lines; a
 * failure (unknown model, role too low, bad argument) is a tool result with {@code isError: true}
 * and a message saying what to do, never a protocol error.
 */
final class McpTools {
  /** Key of the caller's {@link ApiRole} in the {@link McpTransportContext}. */
  static final String ROLE = "role";

  static final int DEFAULT_LINES = 50;
  static final int MAX_LINES = 1_000;

  private final Fleet fleet;
  private final RoutingRegistry registry;

  McpTools(Fleet fleet, RoutingRegistry registry) {
    this.fleet = fleet;
    this.registry = registry;
  }

  List<SyncToolSpecification> specifications() {
    return List.of(
        tool(
            "list_models",
            "List every model the supervisor knows: id, alias, state, serving generation and port,"
                + " restarts and the last decision with its reason code.",
            Map.of(),
            List.of(),
            true,
            (ctx, args) -> ok(RoutingJson.toJson(Map.of("models", summaries())))),
        tool(
            "model_status",
            "Full status of one model: state, catalog verdict, launch plan (argv, context, KV cache"
                + " types, warnings, memory), instances, rollout, last decision with the last log"
                + " lines.",
            Map.of("model", prop("string", "model id or alias")),
            List.of("model"),
            true,
            (ctx, args) ->
                model(args)
                    .map(m -> ok(RoutingJson.toJson(ModelView.of(m))))
                    .orElseGet(() -> unknown(args))),
        tool(
            "tail_logs",
            "The last output lines of a model's newest llama-server instance (or of its last"
                + " failure).",
            Map.of(
                "model", prop("string", "model id or alias"),
                "lines",
                    prop(
                        "integer",
                        "how many lines, 1.." + MAX_LINES + " (default " + DEFAULT_LINES + ")")),
            List.of("model"),
            true,
            (ctx, args) -> {
              int n;
              try {
                n = lines(args.get("lines"));
              } catch (IllegalArgumentException e) {
                return error(e.getMessage());
              }
              Optional<ModelStatus> m = model(args);
              if (m.isEmpty()) {
                return unknown(args);
              }
              List<String> lines = fleet.logs(m.get().id(), n).orElse(List.of());
              return ok(lines.isEmpty() ? "(no output yet)" : String.join("\n", lines));
            }),
        tool(
            "restart_model",
            "Restart a model without downtime (blue-green): a new generation starts, takes traffic"
                + " once ready, then the old one drains and stops. Needs an API key with role"
                + " operate. Returns at once; follow it with model_status (rollout).",
            Map.of("model", prop("string", "model id or alias")),
            List.of("model"),
            false,
            this::restart),
        tool(
            "routes",
            "The routing table: per model the backends (url, generation, state READY/STARTING/"
                + "DRAINING, slots), with the table's version and epoch.",
            Map.of(),
            List.of(),
            true,
            (ctx, args) -> ok(RoutingJson.toJson(registry.current()))));
  }

  private McpSchema.CallToolResult restart(McpTransportContext ctx, Map<String, Object> args) {
    ApiRole role = ctx.get(ROLE) instanceof ApiRole r ? r : ApiRole.READ;
    if (!role.includes(ApiRole.OPERATE)) {
      return error(
          "restart_model needs an API key with role operate; this key has role " + role.label());
    }
    Optional<ModelStatus> before = model(args);
    if (before.isEmpty()) {
      return unknown(args);
    }
    Fleet.CommandResult result = fleet.operatorRestart(before.get().id());
    return switch (result) {
      case NOT_FOUND -> unknown(args);
      case REJECTED_MODEL ->
          error("model " + before.get().id() + " was rejected by verification and cannot run");
      default -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", before.get().id());
        body.put("action", "restart");
        body.put("result", result.name().toLowerCase(java.util.Locale.ROOT));
        body.put("message", CommandMessages.of("restart", before.get()));
        yield ok(RoutingJson.toJson(body));
      }
    };
  }

  private List<Map<String, Object>> summaries() {
    return fleet.models().stream().map(McpTools::summary).toList();
  }

  static Map<String, Object> summary(ModelStatus m) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("id", m.id());
    s.put("alias", m.alias());
    s.put("state", m.state());
    m.instances().stream()
        .filter(i -> i.state().equals("ready"))
        .reduce((a, b) -> b)
        .ifPresent(
            i -> {
              s.put("generation", i.generation());
              s.put("port", i.port());
            });
    s.put("restarts", m.restarts());
    if (m.lastDecision() != null) {
      s.put("reason", m.lastDecision().code());
      s.put("message", m.lastDecision().message());
      s.put("decidedAt", m.lastDecision().at());
    }
    if (m.rollout() != null) {
      s.put("rollout", m.rollout().phase());
    }
    return s;
  }

  private Optional<ModelStatus> model(Map<String, Object> args) {
    Object id = args.get("model");
    return id instanceof String s && !s.isBlank() ? fleet.model(s.strip()) : Optional.empty();
  }

  private static McpSchema.CallToolResult unknown(Map<String, Object> args) {
    Object id = args.get("model");
    return id instanceof String s && !s.isBlank()
        ? error("no model '" + s + "': list_models shows the ids and aliases")
        : error("argument 'model' (a model id or alias) is required");
  }

  static int lines(Object value) {
    if (value == null) {
      return DEFAULT_LINES;
    }
    if (value instanceof Number n
        && n.doubleValue() == n.intValue()
        && n.intValue() >= 1
        && n.intValue() <= MAX_LINES) {
      return n.intValue();
    }
    throw new IllegalArgumentException(
        "invalid lines '" + value + "': expected an integer from 1 to " + MAX_LINES);
  }

  private static Map<String, Object> prop(String type, String description) {
    return Map.of("type", type, "description", description);
  }

  private static SyncToolSpecification tool(
      String name,
      String description,
      Map<String, Object> properties,
      List<String> required,
      boolean readOnly,
      BiFunction<McpTransportContext, Map<String, Object>, McpSchema.CallToolResult> handler) {
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "object");
    schema.put("properties", properties);
    schema.put("required", required);
    schema.put("additionalProperties", false);
    McpSchema.Tool tool =
        McpSchema.Tool.builder()
            .name(name)
            .description(description)
            .inputSchema(schema)
            .annotations(
                McpSchema.ToolAnnotations.builder()
                    .readOnlyHint(readOnly)
                    .destructiveHint(false)
                    .idempotentHint(readOnly)
                    .openWorldHint(false)
                    .build())
            .build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler(
            (ctx, request) ->
                handler.apply(ctx, request.arguments() == null ? Map.of() : request.arguments()))
        .build();
  }

  private static McpSchema.CallToolResult ok(String text) {
    return McpSchema.CallToolResult.builder().addTextContent(text).isError(false).build();
  }

  private static McpSchema.CallToolResult error(String text) {
    return McpSchema.CallToolResult.builder().addTextContent(text).isError(true).build();
  }
}
