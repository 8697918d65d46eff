package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.catalog.CatalogEvent;
import io.llamasupervisor.supervisor.launch.StartMode;

/**
 * Applies catalog events to the tracked models, then reconciles. A new or changed file becomes the
 * model's entry (a changed file starts with a clean failure count); a removed file leaves the model
 * to be stopped; a rejected replacement of a serving model fails that rollout and the serving
 * generation keeps its loaded model. State thread only.
 */
final class CatalogChanges {
  private final FleetState state;
  private final Adopter adopter;
  private final Runnable reconcile;

  /**
   * @param reconcile runs a reconcile pass now
   */
  CatalogChanges(FleetState state, Adopter adopter, Runnable reconcile) {
    this.state = state;
    this.adopter = adopter;
    this.reconcile = reconcile;
  }

  void apply(CatalogEvent e) {
    ModelRuntime m = state.track(e.id());
    CatalogEntry previous = m.entry;
    switch (e.type()) {
      case REMOVED -> {
        m.entry = null;
        m.rejectedReplacement = null;
        m.changeReason = ReasonCode.FILE_REMOVED;
        state.decide(m, ReasonCode.FILE_REMOVED, "model file removed");
      }
      case REJECTED -> {
        String why = e.entry().reason() + ": " + e.entry().message();
        if (previous != null && previous.accepted() && m.has(InstanceState.READY)) {
          m.rejectedReplacement = e.entry();
          // the serving generation keeps its loaded model; the new file never runs
          int serving = m.instances.get(m.instances.size() - 1).generation;
          m.rollout =
              new Rollout(
                  "failed",
                  serving,
                  serving,
                  state.now(),
                  ReasonCode.REJECTED,
                  "new file rejected: " + why);
          state.decide(
              m,
              ReasonCode.REJECTED,
              "rollout failed, generation "
                  + serving
                  + " keeps serving: new file rejected: "
                  + why);
          reconcile.run();
          return;
        }
        m.entry = e.entry();
        state.decide(m, ReasonCode.REJECTED, why);
      }
      default -> {
        m.entry = e.entry();
        m.rejectedReplacement = null;
        if (previous == null) {
          m.changeReason = ReasonCode.MODEL_ADDED; // also when it comes back after a removal
          if (state.settingsOf(m).start() == StartMode.ON_DEMAND && m.instances.isEmpty()) {
            m.idleReason = ReasonCode.ON_DEMAND;
            state.decide(m, ReasonCode.ON_DEMAND, "starts when a request wants it");
          }
        } else if (!previous.files().equals(e.entry().files())) {
          // a changed file gets a fresh start: failures of the old file do not count
          m.tracker.reset();
          m.changeReason = ReasonCode.FILE_CHANGED;
          state.decide(m, ReasonCode.FILE_CHANGED, "model file changed");
        }
      }
    }
    state.forgetIfGone(m);
    if (adopter.waitsFor(e.id())) {
      adopter.resolve(e.id());
    }
    reconcile.run();
  }
}
