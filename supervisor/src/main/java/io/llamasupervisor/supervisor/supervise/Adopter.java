package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.health.HealthProbe;
import io.llamasupervisor.health.ProbeResult;
import io.llamasupervisor.process.ManagedProcess;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.process.ProcessLaunchException;
import io.llamasupervisor.process.ProcessLauncher;
import io.llamasupervisor.supervisor.state.InstanceRecord;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the instances a previous supervisor run left alive. A recorded instance is adopted
 * when its pid, start time and argv still match (so a reused pid is never taken for ours), it
 * answers {@code /health} 200 and it still matches the model's plan; per model at most one is
 * adopted, the one that was serving (after a kill in the middle of a blue-green swap, the published
 * generation). Every other live recorded instance is stopped. A pid that now belongs to another
 * process is left alone.
 *
 * <p>Instances of models the catalog has not reported yet (their files are still being checked for
 * stability) wait until the model appears or {@link #expire()} is called. State thread only.
 */
final class Adopter {
  private static final Logger LOG = LoggerFactory.getLogger(Adopter.class);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private record Candidate(InstanceRecord record, ManagedProcess process) {}

  private final FleetState state;
  private final ProcessLauncher launcher;
  private final PortAllocator ports;
  private final HealthProbe health;
  private final InstanceLifecycle lifecycle;
  private final List<Candidate> pending = new ArrayList<>();
  private final Set<String> adoptedModels = new HashSet<>();

  Adopter(
      FleetState state,
      ProcessLauncher launcher,
      PortAllocator ports,
      HealthProbe health,
      InstanceLifecycle lifecycle) {
    this.state = state;
    this.launcher = launcher;
    this.ports = ports;
    this.health = health;
    this.lifecycle = lifecycle;
  }

  /** Attaches every recorded live instance and decides those whose model is known. */
  void adopt(List<InstanceRecord> records) {
    // the generation that was serving first, then the newest
    List<InstanceRecord> ordered =
        records.stream()
            .sorted(
                Comparator.comparing(InstanceRecord::published)
                    .thenComparing(InstanceRecord::generation)
                    .reversed())
            .toList();
    for (InstanceRecord r : ordered) {
      // pid + start time identify the process (a reused pid has another start time); the argv
      // may differ from the record when a wrapper script exec'd llama-server after it was recorded
      Optional<ProcessIdentity> live =
          ProcessIdentity.capture(r.pid()).filter(p -> p.startTicks() == r.startTicks());
      if (live.isEmpty()) {
        LOG.info(
            "model={} generation={} pid={}: recorded instance is gone (or its pid now belongs to"
                + " another process); leaving that pid alone",
            r.model(),
            r.generation(),
            r.pid());
        continue;
      }
      ProcessIdentity identity = live.get();
      try {
        ManagedProcess process =
            launcher.attach(
                r.model() + "#" + r.generation() + (r.replica() == 0 ? "" : "-r" + r.replica()),
                identity,
                Path.of(r.logFile()),
                state.settings.log());
        ports.reserve(r.port());
        pending.add(new Candidate(r, process));
      } catch (ProcessLaunchException e) {
        LOG.warn("model={} pid={}: cannot attach: {}", r.model(), r.pid(), e.getMessage());
      }
    }
    for (String model : pending.stream().map(c -> c.record().model()).distinct().toList()) {
      if (state.models.containsKey(model)) {
        resolve(model);
      }
    }
  }

  /** Whether any recorded instance still waits for its model to appear. */
  boolean hasPending() {
    return !pending.isEmpty();
  }

  /** Whether instances of {@code model} wait for a decision. */
  boolean waitsFor(String model) {
    return pending.stream().anyMatch(c -> c.record().model().equals(model));
  }

  /** Decides the waiting instances of {@code model}, which the catalog now knows. */
  void resolve(String model) {
    List<Candidate> mine = pending.stream().filter(c -> c.record().model().equals(model)).toList();
    pending.removeAll(mine);
    for (Candidate c : mine) {
      decide(c);
    }
    published();
  }

  /** Adopted instances serve at once: publish them and record them in the state file. */
  private void published() {
    state.publish();
    state.writeJournal();
  }

  /** Records still waiting for a decision (kept in the state file so no later run loses them). */
  List<InstanceRecord> pendingRecords() {
    return pending.stream().map(Candidate::record).toList();
  }

  /** Stops the instances still waiting (shutdown without keeping instances). */
  List<java.util.concurrent.CompletableFuture<io.llamasupervisor.process.ExitStatus>> stopPending(
      java.time.Duration grace) {
    List<java.util.concurrent.CompletableFuture<io.llamasupervisor.process.ExitStatus>> all =
        pending.stream().map(c -> c.process().stop(grace)).toList();
    pending.clear();
    return all;
  }

  /** Stops every instance still waiting: its model did not come back. */
  void expire() {
    List<Candidate> left = List.copyOf(pending);
    pending.clear();
    for (Candidate c : left) {
      decide(c);
    }
    published();
  }

  private void decide(Candidate c) {
    InstanceRecord r = c.record();
    ModelRuntime m = state.models.get(r.model());
    if (m != null) {
      // never reuse a recorded generation (nor its log file), adopted or not
      m.usedGeneration(r.replica(), r.generation());
    }
    String why = reasonNotToAdopt(m, r);
    if (why != null) {
      LOG.info(
          "model={} generation={} pid={}: not adopted ({}), stopping it",
          r.model(),
          r.generation(),
          r.pid(),
          why);
      int port = r.port();
      c.process().stop(state.settings.stopGrace()).whenComplete((st, e) -> ports.release(port));
      return;
    }
    InstanceRuntime i =
        new InstanceRuntime(
            r.generation(),
            r.replica(),
            "127.0.0.1",
            r.port(),
            c.process(),
            state.plan(m, OptionalInt.of(r.port())),
            r.planHash() + FleetState.NONCE + m.restartNonce,
            state.now());
    i.state = InstanceState.READY;
    i.readyAt = state.now();
    m.instances.add(i);
    m.idleReason = null; // it serves
    adoptedModels.add(m.id + "#" + r.replica());
    state.decide(m, ReasonCode.ADOPTED, "adopted pid " + r.pid() + " on port " + r.port());
    LOG.info(
        "model={} generation={} port={} ready (adopted pid {})",
        m.id,
        r.generation(),
        r.port(),
        r.pid());
    lifecycle.watch(m, i);
  }

  private String reasonNotToAdopt(ModelRuntime m, InstanceRecord r) {
    if (m == null || m.entry == null) {
      return "model gone";
    }
    if (adoptedModels.contains(m.id + "#" + r.replica())) {
      return "another generation of the model is already adopted";
    }
    if (r.replica() >= state.settingsOf(m).replicas()) {
      return "replica " + r.replica() + " is no longer configured";
    }
    if (!state
        .desiredHashOf(m)
        .map(h -> FleetState.identity(h).equals(r.planHash()))
        .orElse(false)) {
      return "its launch plan or model file changed";
    }
    try {
      ProbeResult result =
          health
              .probe(URI.create("http://127.0.0.1:" + r.port()), PROBE_TIMEOUT)
              .get(PROBE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
      return result.isReady() ? null : "not healthy: " + result;
    } catch (Exception e) {
      return "health probe failed: " + e;
    }
  }
}
