package io.llamasupervisor.registry;

import static io.llamasupervisor.registry.Routes.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class LiteLlmExportTest {
  private final RoutingTable table =
      new RoutingTable(
          "e",
          4,
          List.of(
              new ModelRoute(
                  "qwen",
                  "chat",
                  "ready",
                  List.of(
                      backend(8081, 1, BackendState.DRAINING),
                      backend(8082, 2, BackendState.READY),
                      backend(8083, 3, BackendState.READY))),
              new ModelRoute(
                  "llama", null, "starting", List.of(backend(8090, 1, BackendState.STARTING)))));

  @Test
  void listsOneEntryPerReadyBackend() {
    assertEquals(
        List.of(
            entry("qwen", "http://127.0.0.1:8082/v1"), entry("qwen", "http://127.0.0.1:8083/v1")),
        LiteLlmExport.modelList(table));
  }

  @Test
  void yamlAndJsonLoadAsTheSameConfig() {
    Map<String, Object> expected = LiteLlmExport.config(table);
    assertEquals(expected, new Yaml().load(LiteLlmExport.toYaml(table)));
    assertEquals(expected, new Yaml().load(RoutingJson.toJson(expected)));
  }

  @Test
  void noReadyBackendGivesAnEmptyList() {
    RoutingTable empty = new RoutingTable("e", 1, List.of());
    assertEquals(Map.of("model_list", List.of()), new Yaml().load(LiteLlmExport.toYaml(empty)));
  }

  @Test
  void quotesNamesThatYamlWouldMisread() {
    RoutingTable odd =
        new RoutingTable(
            "e",
            1,
            List.of(
                new ModelRoute(
                    "yes: \"no\" #1", null, "ready", List.of(backend(1, 1, BackendState.READY)))));
    Map<String, Object> loaded = new Yaml().load(LiteLlmExport.toYaml(odd));
    assertEquals(LiteLlmExport.config(odd), loaded);
  }

  private static Map<String, Object> entry(String model, String apiBase) {
    return Map.of(
        "model_name",
        model,
        "litellm_params",
        Map.of("model", "openai/" + model, "api_base", apiBase, "api_key", "none"));
  }
}
