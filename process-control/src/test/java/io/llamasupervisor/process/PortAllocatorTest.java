package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {

  /** Ports "in use by another process", as the bind test would see them. */
  private final Set<Integer> inUse = new HashSet<>();

  private PortAllocator allocator(int first, int last) {
    return new PortAllocator(first, last, port -> !inUse.contains(port));
  }

  @Test
  void handsOutPortsInOrderSkippingThoseInUse() {
    inUse.add(5001);
    PortAllocator ports = allocator(5000, 5003);
    assertEquals(5000, ports.allocate());
    assertEquals(5002, ports.allocate());
    assertEquals(5003, ports.allocate());
    assertEquals(Set.of(5000, 5002, 5003), ports.leased());
  }

  @Test
  void neverHandsOutALeasedPortTwiceAndFailsWhenExhausted() {
    PortAllocator ports = allocator(5000, 5001);
    ports.allocate();
    ports.allocate();
    IllegalStateException e = assertThrows(IllegalStateException.class, ports::allocate);
    assertTrue(e.getMessage().contains("5000-5001"), e.getMessage());
  }

  @Test
  void releasedPortsComeBackLastRoundRobin() {
    PortAllocator ports = allocator(5000, 5002);
    int a = ports.allocate();
    ports.release(a);
    assertEquals(
        List.of(5001, 5002, 5000), List.of(ports.allocate(), ports.allocate(), ports.allocate()));
  }

  @Test
  void reservedPortsAreSkippedAndMayLieOutsideTheRange() {
    PortAllocator ports = allocator(5000, 5002);
    assertTrue(ports.reserve(5000));
    assertFalse(ports.reserve(5000));
    assertTrue(ports.reserve(6000));
    assertEquals(5001, ports.allocate());
    ports.release(6000);
    assertEquals(Set.of(5000, 5001), ports.leased());
    ports.release(1234); // not leased: no effect
  }

  @Test
  void rejectsBadRanges() {
    assertThrows(IllegalArgumentException.class, () -> allocator(0, 10));
    assertThrows(IllegalArgumentException.class, () -> allocator(10, 9));
    assertThrows(IllegalArgumentException.class, () -> allocator(65000, 65536));
    assertThrows(IllegalArgumentException.class, () -> allocator(10, 20).reserve(70000));
  }
}
