package io.llamasupervisor.cluster;

import static io.llamasupervisor.cluster.Nodes.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ClusterMergeTest {
  private static SortedMap<String, SortedMap<String, ModelRoute>> nodes(Object... nodeAndModels) {
    SortedMap<String, SortedMap<String, ModelRoute>> out = new TreeMap<>();
    for (int i = 0; i < nodeAndModels.length; i += 2) {
      SortedMap<String, ModelRoute> ms = new TreeMap<>();
      for (ModelRoute m : (ModelRoute[]) nodeAndModels[i + 1]) {
        ms.put(m.id(), m);
      }
      out.put((String) nodeAndModels[i], ms);
    }
    return out;
  }

  private static BackendRoute on(String host, int port, long gen, BackendState s) {
    return Advertised.backend(backend(port, gen, s), host);
  }

  @Test
  void aModelOnSeveralNodesHasEveryNodesBackendsAndIsReadyWhenAnyIs() {
    var merged =
        ClusterMerge.merge(
            nodes(
                "a",
                new ModelRoute[] {
                  new ModelRoute("m", "m-alias", "failed", List.of()),
                },
                "b",
                new ModelRoute[] {
                  new ModelRoute(
                      "m", "m-alias", "ready", List.of(on("b", 9001, 1, BackendState.READY)))
                },
                "c",
                new ModelRoute[] {
                  new ModelRoute(
                      "m", "m-alias", "ready", List.of(on("c", 9001, 1, BackendState.READY)))
                }));
    assertEquals(1, merged.size());
    ModelRoute m = merged.get(0);
    assertEquals("ready", m.state());
    assertEquals("m-alias", m.alias());
    assertEquals(
        List.of("http://b:9001", "http://c:9001"),
        m.backends().stream().map(BackendRoute::url).toList(),
        "the same generation on two nodes is two backends");
  }

  @Test
  void anAliasThatNamesAnotherModelIsDroppedSoNamesStayUnique() {
    var merged =
        ClusterMerge.merge(
            nodes(
                "a",
                new ModelRoute[] {ModelRoute.of("x", "y", "ready")},
                "b",
                new ModelRoute[] {ModelRoute.of("y", null, "ready")}));
    assertEquals(List.of("x", "y"), merged.stream().map(ModelRoute::alias).toList());
  }

  @Test
  void aUrlAdvertisedByTwoNodesIsKeptOnce() {
    var merged =
        ClusterMerge.merge(
            nodes(
                "a",
                new ModelRoute[] {
                  new ModelRoute("m", null, "ready", List.of(on("h", 9001, 1, BackendState.READY)))
                },
                "b",
                new ModelRoute[] {
                  new ModelRoute("m", null, "ready", List.of(on("h", 9001, 4, BackendState.READY)))
                }));
    assertEquals(1, merged.get(0).backends().size());
    assertEquals(1, merged.get(0).backends().get(0).generation(), "the first node's");
  }
}
