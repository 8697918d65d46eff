package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Without keys the gateway listens on loopback only, unless it is told {@code --insecure}. */
class GatewayBindingTest {
  private static GatewayOptions.Builder wide() {
    return GatewayOptions.builder().host("0.0.0.0");
  }

  @Test
  void aNetworkAddressWithoutKeysIsRefusedNamingTheWayOut() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> GatewayServer.checkBinding(wide().build()));
    assertTrue(e.getMessage().contains("0.0.0.0"), e.getMessage());
    assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
  }

  @Test
  void insecureOrKeysAllowANetworkAddress() {
    assertDoesNotThrow(() -> GatewayServer.checkBinding(wide().insecure(true).build()));
    assertDoesNotThrow(
        () ->
            GatewayServer.checkBinding(
                GatewayOptions.builder()
                    .host("0.0.0.0")
                    .keys(List.of(GatewayKey.plain("k", KeyRole.INFER, "0123456789abcdef", null)))
                    .build()));
  }

  @Test
  void loopbackNeedsNothing() {
    assertDoesNotThrow(() -> GatewayServer.checkBinding(GatewayOptions.defaults()));
    assertDoesNotThrow(
        () -> GatewayServer.checkBinding(GatewayOptions.builder().host("::1").build()));
  }

  @Test
  void theBuilderStartsFromTheDefaultsAndCopiesEveryField() {
    GatewayOptions o = GatewayOptions.builder().port(0).affinity(true).ioThreads(3).build();
    GatewayOptions copy = o.toBuilder().build();
    assertTrue(copy.equals(o));
    assertTrue(o.queueMax() == 256 && o.maxBody() == GatewayOptions.DEFAULT_MAX_BODY);
    assertThrows(IllegalArgumentException.class, () -> o.toBuilder().port(70000).build());
  }

  @Test
  void withoutAnIoThreadCountTheGatewayRunsOneEventLoopPerFourCores() {
    assertEquals(1, GatewayOptions.defaultIoThreads(1));
    assertEquals(1, GatewayOptions.defaultIoThreads(2));
    assertEquals(2, GatewayOptions.defaultIoThreads(8));
    assertEquals(4, GatewayOptions.defaultIoThreads(64));
  }
}
