package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code gateway}: in front of one supervisor ({@code --registry}) or a cluster. */
class GatewayCommandTest {
  private final Output cli = new Output();

  @Test
  void helpNamesBothSources() {
    assertEquals(0, cli.run("gateway", "--help"));
    assertTrue(cli.out().contains("--registry"), cli.out());
    assertTrue(cli.out().contains("--cluster"), cli.out());
    assertTrue(cli.out().contains("--node-name"), cli.out());
  }

  @Test
  void withNeitherRegistryNorClusterItSaysWhatItNeeds() {
    assertEquals(1, cli.run("gateway"));
    assertTrue(cli.err().contains("--registry URL"), cli.err());
    assertTrue(cli.err().contains("--cluster etcd://"), cli.err());
  }

  @Test
  void aMalformedClusterEndpointIsRefusedWithTheKey() {
    assertEquals(1, cli.run("gateway", "--cluster", "etcd://h1:2379/x"));
    assertTrue(cli.err().contains("supervisor.cluster"), cli.err());
    assertTrue(cli.err().contains("h1:2379/x"), cli.err());
  }

  @Test
  void anInvalidNodeNameIsRefused() {
    assertEquals(1, cli.run("gateway", "--cluster", "etcd://127.0.0.1:2379", "--node-name=-x"));
    assertTrue(cli.err().contains("invalid node name '-x'"), cli.err());
  }
}
