package io.llamasupervisor.registry;

import static io.llamasupervisor.registry.Routes.T0;
import static io.llamasupervisor.registry.Routes.backend;
import static io.llamasupervisor.registry.Routes.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

  @Test
  void urlIsDerivedFromHostAndPort() {
    assertEquals("http://127.0.0.1:8081", backend(8081, 1, BackendState.READY).url());
    assertEquals(
        "http://[::1]:9000",
        BackendRoute.of("::1", 9000, 0, BackendState.READY, T0, 0, 0).url(),
        "IPv6 literals are bracketed");
  }

  @Test
  void backendRejectsImpossibleValues() {
    assertEquals(
        "port must be in 1..65535, was 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> BackendRoute.of("h", 0, 1, BackendState.READY, T0, 1, 1))
            .getMessage());
    assertEquals(
        "slots must satisfy 0 <= slotsIdle <= slotsTotal, were idle=3 total=2",
        assertThrows(
                IllegalArgumentException.class,
                () -> BackendRoute.of("h", 80, 1, BackendState.READY, T0, 2, 3))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> BackendRoute.of(" ", 80, 1, BackendState.READY, T0, 0, 0));
  }

  @Test
  void onlyReadyBackendsTakeTraffic() {
    ModelRoute m =
        new ModelRoute(
            "m",
            null,
            "ready",
            List.of(
                backend(8003, 3, BackendState.STARTING),
                backend(8002, 2, BackendState.READY),
                backend(8001, 1, BackendState.DRAINING)));
    assertEquals(List.of(1L, 2L, 3L), m.backends().stream().map(BackendRoute::generation).toList());
    assertEquals(List.of(8002), m.readyBackends().stream().map(BackendRoute::port).toList());
    assertEquals("m", m.alias(), "alias defaults to the id");
  }

  @Test
  void aGenerationAppearsOnceInAModel() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ModelRoute(
                    "m",
                    "m",
                    "ready",
                    List.of(
                        backend(8001, 1, BackendState.READY),
                        backend(8002, 1, BackendState.STARTING))));
    assertEquals("model m lists generation 1 twice", e.getMessage());
  }

  /** A cluster table lists the same generation once per node, each on its node's host. */
  @Test
  void oneGenerationMayBeServedOnceFromEachHost() {
    ModelRoute m =
        new ModelRoute(
            "m",
            "m",
            "ready",
            List.of(
                BackendRoute.of("10.0.0.2", 8001, 1, BackendState.READY, T0, 4, 4),
                BackendRoute.of("10.0.0.1", 8001, 1, BackendState.READY, T0, 4, 4)));
    assertEquals(
        List.of("http://10.0.0.1:8001", "http://10.0.0.2:8001"),
        m.backends().stream().map(BackendRoute::url).toList(),
        "sorted by url within a generation and replica");
  }

  @Test
  void replicasShareAGenerationButEachAppearsOnce() {
    BackendRoute r0 = BackendRoute.of("127.0.0.1", 8081, 1, 0, BackendState.READY, T0, 2, 2);
    BackendRoute r1 = BackendRoute.of("127.0.0.1", 8082, 1, 1, BackendState.READY, T0, 2, 2);
    ModelRoute m = new ModelRoute("m", null, "ready", List.of(r1, r0));
    assertEquals(List.of(r0, r1), m.readyBackends());
    assertEquals(r1, m.backend(1, 1).orElseThrow());
    ModelRoute drained = m.withBackend(r1.withState(BackendState.DRAINING, T0));
    assertEquals(List.of(r0), drained.readyBackends(), "only replica 1 was replaced");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ModelRoute("m", null, "ready", List.of(r1, r1.withSlots(2, 1))));
    assertEquals("model m lists generation 1 replica 1 twice", e.getMessage());
  }

  @Test
  void withBackendReplacesTheSameGenerationAndWithoutBackendRemovesIt() {
    ModelRoute m = ready("m", 8001);
    ModelRoute draining =
        m.withBackend(m.backend(1).orElseThrow().withState(BackendState.DRAINING, T0));
    assertEquals(1, draining.backends().size());
    assertEquals(BackendState.DRAINING, draining.backends().get(0).state());
    assertTrue(draining.withoutBackend(1).backends().isEmpty());
    assertSame(m, m.withoutBackend(7));
  }

  @Test
  void modelsAreSortedAndFoundByIdOrAlias() {
    RoutingTable t =
        new RoutingTable(
            "e",
            3,
            List.of(
                new ModelRoute("qwen2.5-7b-q4", "qwen", "ready", List.of()),
                ModelRoute.of("llama", null, "starting")));
    assertEquals(
        List.of("llama", "qwen2.5-7b-q4"), t.models().stream().map(ModelRoute::id).toList());
    assertEquals("qwen2.5-7b-q4", t.model("qwen").orElseThrow().id());
    assertEquals("qwen2.5-7b-q4", t.model("qwen2.5-7b-q4").orElseThrow().id());
    assertTrue(t.model("mistral").isEmpty());
  }

  @Test
  void aNameResolvesToOneModel() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new RoutingTable(
                    "e",
                    1,
                    List.of(
                        ModelRoute.of("a", "chat", "ready"), ModelRoute.of("b", "chat", "ready"))));
    assertEquals("alias chat of model b is already taken by model a", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new RoutingTable(
                "e",
                1,
                List.of(ModelRoute.of("a", "b", "ready"), ModelRoute.of("b", null, "ready"))));
  }

  @Test
  void tableNeedsAnEpochAndAPositiveVersion() {
    assertThrows(IllegalArgumentException.class, () -> new RoutingTable("e", 0, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new RoutingTable("", 1, List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RoutingTable("e", 1, List.of(ready("a", 1), ready("a", 2))));
  }

  @Test
  void builderUpdateMayNotRenameAModel() {
    RoutingTable.Builder b = new RoutingTable.Builder().put(ready("a", 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.update("a", m -> new ModelRoute("z", null, "ready", m.backends())));
    b.update("absent", m -> m.withState("x"));
    assertEquals(List.of("a"), List.copyOf(b.models().keySet()));
  }
}
