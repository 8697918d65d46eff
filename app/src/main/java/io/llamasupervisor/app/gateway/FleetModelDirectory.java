package io.llamasupervisor.app.gateway;

import io.llamasupervisor.gateway.ModelDirectory;
import io.llamasupervisor.gateway.ModelInfo;
import io.llamasupervisor.gateway.StartMode;
import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.llamasupervisor.supervisor.supervise.SupervisorSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's view of the in-process fleet: every model with its state, last reason, context per
 * slot, slots and startup deadline (from the file size, as the supervisor computes it).
 */
public final class FleetModelDirectory implements ModelDirectory {
  private final Fleet fleet;
  private final SupervisorSettings settings;

  public FleetModelDirectory(Fleet fleet, SupervisorSettings settings) {
    this.fleet = fleet;
    this.settings = settings;
  }

  @Override
  public List<ModelInfo> models() {
    List<ModelInfo> out = new ArrayList<>();
    for (ModelStatus s : fleet.models()) {
      out.add(info(s));
    }
    return out;
  }

  @Override
  public Optional<ModelInfo> find(String name) {
    return fleet.model(name).map(this::info);
  }

  /**
   * Reasons for which a model that still drains its instances is idle to a request: it was evicted
   * for memory, unloaded, or left for a request by the memory budget, and a request starts it again
   * (the gateway queues the request and asks for a start instead of answering 503).
   */
  private static final java.util.Set<String> STARTABLE =
      java.util.Set.of("EVICTED", "UNLOADED", "NO_MEMORY");

  private static String startable(String state, String reason) {
    return state.equals("stopping") && STARTABLE.contains(reason) ? "idle" : state;
  }

  private ModelInfo info(ModelStatus s) {
    CatalogEntry e = s.entry();
    String reason = s.lastDecision() == null ? null : s.lastDecision().code().name();
    String message = s.lastDecision() == null ? null : s.lastDecision().message();
    if (e != null && !e.accepted()) {
      reason = e.reason() == null ? reason : e.reason().name();
      message = e.message();
    }
    return new ModelInfo(
        s.id(),
        s.alias(),
        startable(s.state(), reason),
        reason,
        message,
        s.plan() == null ? 0 : s.plan().ctxPerSlot(),
        s.plan() == null ? 0 : s.plan().parallel(),
        StartMode.ALWAYS,
        e == null ? null : settings.startupTimeout(e.sizeBytes()));
  }
}
