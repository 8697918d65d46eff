package io.llamasupervisor.registry;

import static io.llamasupervisor.registry.Routes.T0;
import static io.llamasupervisor.registry.Routes.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingJsonTest {
  private final RoutingTable table =
      new RoutingTable(
          "lq3x-00ff",
          7,
          List.of(
              new ModelRoute(
                  "qwen",
                  "chat",
                  "ready",
                  List.of(
                      backend(8081, 1, BackendState.DRAINING),
                      backend(8082, 2, BackendState.READY)))));

  @Test
  void writesTheDocumentedShape() throws IOException {
    JsonNode root = new ObjectMapper().readTree(RoutingJson.toJson(table));

    assertEquals(List.of("epoch", "version", "models"), fields(root));
    assertEquals("lq3x-00ff", root.get("epoch").asText());
    assertEquals(7, root.get("version").asLong());
    JsonNode model = root.get("models").get(0);
    assertEquals(List.of("id", "alias", "state", "backends"), fields(model));
    JsonNode b = model.get("backends").get(1);
    assertEquals(
        List.of(
            "url",
            "host",
            "port",
            "generation",
            "state",
            "since",
            "slotsTotal",
            "slotsIdle",
            "replica",
            "plan"),
        fields(b));
    assertEquals("http://127.0.0.1:8082", b.get("url").asText());
    assertEquals("ready", b.get("state").asText(), "states are lower case, like the model's");
    assertEquals("ready", model.get("state").asText());
    assertEquals("2026-01-01T00:00:00Z", b.get("since").asText());
    assertEquals(4, b.get("slotsIdle").asInt());
  }

  @Test
  void readsWhatItWrites() throws IOException {
    assertEquals(table, RoutingJson.readTable(RoutingJson.toBytes(table)));
  }

  @Test
  void readsBackendStatesInEitherCaseForOneRelease() throws IOException {
    for (String state : List.of("READY", "ready", "Draining")) {
      String json =
          "{\"epoch\":\"e\",\"version\":2,\"models\":[{\"id\":\"m\",\"state\":\"ready\","
              + "\"backends\":[{\"host\":\"10.0.0.2\",\"port\":8080,\"generation\":1,"
              + "\"state\":\""
              + state
              + "\",\"since\":\"2026-01-01T00:00:00Z\"}]}]}";
      BackendState read = RoutingJson.readTable(json).models().get(0).backends().get(0).state();
      assertEquals(BackendState.valueOf(state.toUpperCase(java.util.Locale.ROOT)), read);
    }
  }

  @Test
  void readsNumericInstantsAndIgnoresUnknownFields() throws IOException {
    String json =
        "{\"epoch\":\"e\",\"version\":2,\"extra\":true,\"models\":[{\"id\":\"m\",\"state\":\"ready\","
            + "\"backends\":[{\"host\":\"10.0.0.2\",\"port\":8080,\"generation\":1,"
            + "\"state\":\"READY\",\"since\":1767225600.000000000,\"slotsTotal\":2,\"slotsIdle\":1,"
            + "\"new\":1}]}]}";
    RoutingTable t = RoutingJson.readTable(json);
    BackendRoute b = t.models().get(0).backends().get(0);
    assertEquals(T0, b.since());
    assertEquals("http://10.0.0.2:8080", b.url(), "a missing url is derived");
    assertEquals("m", t.models().get(0).alias());
    assertEquals(0, b.replica(), "a table without replicas reads as replica 0");
    assertEquals(null, b.plan(), "a table without plans reads as unknown");
  }

  @Test
  void thePlanDigestRoundTrips() throws IOException {
    RoutingTable planned =
        new RoutingTable(
            "e",
            3,
            List.of(
                new ModelRoute(
                    "m",
                    null,
                    "ready",
                    List.of(
                        BackendRoute.of("127.0.0.1", 8081, 2, 0, BackendState.READY, T0, 4, 4)
                            .withPlan("5d1c09a2-9f2b7c41d0e3a6b8")))));
    String json = RoutingJson.toJson(planned);
    assertTrue(json.contains("\"plan\":\"5d1c09a2-9f2b7c41d0e3a6b8\""), json);
    BackendRoute read = RoutingJson.readTable(json).models().get(0).backends().get(0);
    assertEquals("5d1c09a2-9f2b7c41d0e3a6b8", read.plan());
    assertEquals(read.plan(), read.withState(BackendState.DRAINING, T0).plan());
    assertEquals(read.plan(), read.withSlots(4, 1).plan());
  }

  @Test
  void replicasOfOneGenerationRoundTrip() throws IOException {
    RoutingTable replicas =
        new RoutingTable(
            "e",
            3,
            List.of(
                new ModelRoute(
                    "m",
                    null,
                    "ready",
                    List.of(
                        BackendRoute.of("127.0.0.1", 8082, 2, 1, BackendState.READY, T0, 4, 4),
                        BackendRoute.of("127.0.0.1", 8081, 2, 0, BackendState.READY, T0, 4, 4)))));
    String json = RoutingJson.toJson(replicas);
    assertTrue(json.contains("\"replica\":1"), json);
    RoutingTable read = RoutingJson.readTable(json);
    assertEquals(replicas, read);
    assertEquals(
        List.of(0, 1),
        read.models().get(0).backends().stream().map(BackendRoute::replica).toList(),
        "sorted by generation, then replica");
  }

  @Test
  void rejectsAnInvalidTableWithTheReason() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> RoutingJson.readTable("{\"epoch\":\"e\",\"version\":0,\"models\":[]}"));
    assertTrue(e.getMessage().contains("version must be at least 1"), e.getMessage());
  }

  private static List<String> fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
