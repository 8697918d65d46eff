package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.supervise.FleetHarness;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /mcp} through the official MCP Java SDK's client (Streamable HTTP transport) against the
 * real API over a real supervisor with a fake llama-server: the tools are listed, {@code
 * list_models} shows the model, {@code restart_model} with an operate key swaps it to a new
 * generation, and a read key may read but not restart.
 */
class McpEndpointIT {
  static final String ID = "pub/repo/mcp-model";
  static final String OPERATE_KEY = "mcp-ops-key-0123456789";
  static final String READ_KEY = "mcp-read-key-0123456789";
  static final Duration LONG = Duration.ofSeconds(30);

  @TempDir Path dir;
  FleetHarness h;
  ApiServer api;

  @BeforeEach
  void setUp() throws Exception {
    h = new FleetHarness(dir);
    h.model(ID);
    h.start();
    api =
        ApiServer.start(
            h.fleet,
            h.routes,
            ApiSettings.defaults()
                .withPort(0)
                .withKeys(
                    List.of(
                        ApiKey.plain("agent-ops", ApiRole.OPERATE, OPERATE_KEY),
                        ApiKey.plain("agent-read", ApiRole.READ, READ_KEY))),
            Map.of());
    h.awaitState(ID, "ready", LONG);
  }

  @AfterEach
  void tearDown() {
    if (api != null) {
      api.close();
    }
    h.close();
  }

  McpSyncClient client(String key) {
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder(api.uri().toString())
            .endpoint("/mcp")
            .requestBuilder(
                java.net.http.HttpRequest.newBuilder().header("Authorization", "Bearer " + key))
            .build();
    McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).build();
    c.initialize();
    return c;
  }

  static String text(McpSchema.CallToolResult r) {
    return r.content().stream()
        .map(c -> ((McpSchema.TextContent) c).text())
        .collect(Collectors.joining("\n"));
  }

  @Test
  void listsModelsAndRestartsOneWithAnOperateKey() {
    try (McpSyncClient c = client(OPERATE_KEY)) {
      List<String> tools = c.listTools().tools().stream().map(McpSchema.Tool::name).toList();
      assertEquals(
          List.of("list_models", "model_status", "tail_logs", "restart_model", "routes"), tools);

      McpSchema.CallToolResult models =
          c.callTool(new McpSchema.CallToolRequest("list_models", Map.of()));
      assertFalse(Boolean.TRUE.equals(models.isError()), text(models));
      assertTrue(text(models).contains("\"id\":\"" + ID + "\""), text(models));
      assertTrue(text(models).contains("\"generation\":1"), text(models));

      McpSchema.CallToolResult restart =
          c.callTool(new McpSchema.CallToolRequest("restart_model", Map.of("model", "mcp-model")));
      assertFalse(Boolean.TRUE.equals(restart.isError()), text(restart));
      assertTrue(text(restart).contains("blue-green"), text(restart));

      ModelStatus after =
          h.await(
              ID,
              s ->
                  s.rollout() != null
                      && s.rollout().phase().equals("done")
                      && s.instances().stream().allMatch(i -> i.generation() == 2),
              LONG);
      assertEquals("ready", after.state());

      McpSchema.CallToolResult routes =
          c.callTool(new McpSchema.CallToolRequest("routes", Map.of()));
      assertTrue(text(routes).contains("\"generation\":2"), text(routes));
      McpSchema.CallToolResult logs =
          c.callTool(new McpSchema.CallToolRequest("tail_logs", Map.of("model", ID, "lines", 20)));
      assertTrue(text(logs).contains("listening on"), text(logs));
    }
  }

  @Test
  void aReadKeyReadsButCannotRestart() {
    try (McpSyncClient c = client(READ_KEY)) {
      McpSchema.CallToolResult status =
          c.callTool(new McpSchema.CallToolRequest("model_status", Map.of("model", ID)));
      assertFalse(Boolean.TRUE.equals(status.isError()), text(status));
      assertTrue(text(status).contains("\"state\":\"ready\""), text(status));

      McpSchema.CallToolResult restart =
          c.callTool(new McpSchema.CallToolRequest("restart_model", Map.of("model", ID)));
      assertTrue(Boolean.TRUE.equals(restart.isError()), text(restart));
      assertTrue(text(restart).contains("needs an API key with role operate"), text(restart));
      assertEquals(1, h.status(ID).instances().get(0).generation());

      McpSchema.CallToolResult unknown =
          c.callTool(new McpSchema.CallToolRequest("model_status", Map.of("model", "nope")));
      assertTrue(Boolean.TRUE.equals(unknown.isError()), text(unknown));
      assertTrue(text(unknown).contains("no model 'nope'"), text(unknown));
    }
  }
}
