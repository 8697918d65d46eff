package io.llamasupervisor.gateway;

import java.util.ArrayList;
import java.util.List;

/** A waiter that records what it was told. */
final class RecordingWaiter implements Waiter {
  final List<Lease> leases = new ArrayList<>();
  final List<GatewayError> errors = new ArrayList<>();

  @Override
  public synchronized void granted(Lease lease) {
    leases.add(lease);
  }

  @Override
  public synchronized void rejected(GatewayError error) {
    errors.add(error);
  }

  synchronized Lease lease() {
    if (leases.size() != 1 || !errors.isEmpty()) {
      throw new AssertionError("expected one lease, got " + leases + " and " + errors);
    }
    return leases.get(0);
  }

  synchronized GatewayError error() {
    if (errors.size() != 1 || !leases.isEmpty()) {
      throw new AssertionError("expected one error, got " + errors + " and " + leases);
    }
    return errors.get(0);
  }

  synchronized boolean waiting() {
    return leases.isEmpty() && errors.isEmpty();
  }
}
