package io.llamasupervisor.gateway;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model's backends and its FIFO queue. Every decision is taken under this lane's lock; the
 * callbacks it triggers ({@link Waiter}, the starter) run after the lock is released, so a waiter
 * may call back into the lane.
 *
 * <p>Choice: among the READY backends not excluded for the ticket and not ejected (all of them if
 * every one is ejected), the backend that served the ticket's previous conversation turn when it
 * has a free slot, then the preferred backend of the ticket's conversation prefix when it has a
 * free slot, else the one with the fewest requests in flight that has a free slot, ties broken at
 * random; with {@link Dispatcher#preferLocal} a local backend with a free slot is taken before any
 * remote one (the fewest in flight among the local ones). When none has a free slot the ticket
 * waits; when none is READY the model may be started and the ticket waits up to the startup
 * deadline.
 */
final class ModelLane {
  private static final Logger LOG = LoggerFactory.getLogger(ModelLane.class);
  private static final int AFFINITY_ENTRIES = 4096;

  final String id;
  private final Dispatcher d;
  private final Map<String, Backend> backends = new LinkedHashMap<>();
  private final ArrayDeque<Ticket> queue = new ArrayDeque<>();
  final AtomicInteger depth = new AtomicInteger();
  private final Map<Long, String> affinity =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
          return size() > AFFINITY_ENTRIES;
        }
      };
  private volatile Instant lastActive;
  private int readyCount;
  private Instant startRequestedAt;
  volatile String alias;
  volatile String state = "unknown";
  private final GatewayMetrics.ModelMeters meters;

  ModelLane(String id, Dispatcher dispatcher) {
    this.id = id;
    this.alias = id;
    this.d = dispatcher;
    d.metrics.trackQueue(id, depth);
    this.meters = d.metrics.forModel(id);
  }

  Instant lastActive() {
    return lastActive;
  }

  synchronized boolean hasReady() {
    return readyCount > 0;
  }

  /** The routing table's view of this model changed; null when the model left the table. */
  void update(ModelRoute route) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      Set<String> listed = new HashSet<>();
      if (route != null) {
        alias = route.alias();
        state = route.state();
        for (BackendRoute b : route.readyBackends()) {
          listed.add(b.url());
          Backend be = backends.get(b.url());
          if (be == null) {
            be = new Backend(b.url(), id, b.generation(), b.slotsTotal());
            backends.put(b.url(), be);
            d.trackBackend(be);
          }
          be.generation = b.generation();
          be.slots = b.slotsTotal();
          be.ready = true;
          be.local = d.isLocal(b.url());
        }
      }
      readyCount = listed.size();
      for (Iterator<Backend> it = backends.values().iterator(); it.hasNext(); ) {
        Backend b = it.next();
        if (!listed.contains(b.url)) {
          b.ready = false;
          if (b.inFlight.get() == 0) {
            it.remove();
            d.untrackBackend(b);
          }
        }
      }
      if (readyCount > 0) {
        startRequestedAt = null;
      }
      drain(after);
    }
    after.forEach(Runnable::run);
  }

  /** Grants, queues or rejects {@code t}; {@code info} is what the directory says (may be null). */
  void acquire(Ticket t, ModelInfo info, int attempt) {
    List<Runnable> after = new ArrayList<>(1);
    synchronized (this) {
      Instant now = d.clock.instant();
      Backend b = choose(t, now);
      if (b != null) {
        grant(t, b, now, attempt, after);
      } else if (attempt > 1 && !hasCandidate(t)) {
        String why = t.retryOf == null ? "" : t.retryOf + "; ";
        reject(
            t,
            GatewayError.backendUnavailable(id, why + "no other ready backend to retry on"),
            after);
      } else if (readyCount == 0 && info != null && info.unavailable()) {
        reject(
            t,
            GatewayError.modelUnavailable(id, info.state(), info.reason(), info.message()),
            after);
      } else if (queue.size() >= d.options.queueMax()) {
        reject(t, GatewayError.queueFull(id, d.options.queueMax(), Duration.ofSeconds(1)), after);
      } else {
        enqueue(t, info, now, after);
      }
    }
    after.forEach(Runnable::run);
  }

  private void enqueue(Ticket t, ModelInfo info, Instant now, List<Runnable> after) {
    Duration wait = d.options.queueTimeout();
    if (readyCount == 0) {
      t.forStart = true;
      Duration start = startDeadline(info);
      wait = start.compareTo(wait) > 0 ? start : wait;
      if (info != null
          && info.startsOnDemand()
          && (startRequestedAt == null || !now.isBefore(startRequestedAt.plus(start)))) {
        startRequestedAt = now;
        after.add(() -> requestStart());
      }
    }
    queue.addLast(t);
    depth.set(queue.size());
    Duration timeout = wait;
    t.timeout = d.scheduler.schedule(timeout, () -> expire(t, timeout));
  }

  private Duration startDeadline(ModelInfo info) {
    return info != null && info.startupDeadline() != null
        ? info.startupDeadline()
        : d.options.startTimeout();
  }

  private void requestStart() {
    try {
      d.starter.requestStart(id);
    } catch (ModelUnavailableException e) {
      refuseStartWaiters(GatewayError.modelUnavailable(id, e.state(), e.reason(), e.getMessage()));
    } catch (RuntimeException e) {
      LOG.warn("Asking the supervisor to start {} failed: {}", id, e.toString());
      synchronized (this) {
        startRequestedAt = null;
      }
    }
  }

  private void refuseStartWaiters(GatewayError error) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      startRequestedAt = null;
      if (readyCount == 0) {
        for (Iterator<Ticket> it = queue.iterator(); it.hasNext(); ) {
          Ticket t = it.next();
          it.remove();
          reject(t, error, after);
        }
        depth.set(queue.size());
      }
    }
    after.forEach(Runnable::run);
  }

  private void expire(Ticket t, Duration waited) {
    List<Runnable> after = new ArrayList<>(1);
    synchronized (this) {
      if (t.state != Ticket.State.WAITING || !queue.remove(t)) {
        return;
      }
      depth.set(queue.size());
      Duration retry = Duration.ofSeconds(1);
      reject(
          t,
          t.forStart && readyCount == 0
              ? GatewayError.startTimeout(id, waited, Duration.ofSeconds(5))
              : GatewayError.queueTimeout(id, waited, retry),
          after);
    }
    after.forEach(Runnable::run);
  }

  synchronized boolean cancel(Ticket t) {
    if (t.state != Ticket.State.WAITING) {
      return false;
    }
    t.state = Ticket.State.CANCELLED;
    queue.remove(t);
    depth.set(queue.size());
    if (t.timeout != null) {
      t.timeout.cancel();
    }
    return true;
  }

  void release(Lease lease, Lease.Outcome outcome) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      Instant now = d.clock.instant();
      lastActive = now;
      Backend b = lease.backend;
      b.inFlight.decrementAndGet();
      if (outcome == Lease.Outcome.ANSWERED) {
        b.succeeded();
      } else if (outcome == Lease.Outcome.FAILED) {
        Instant until = b.failed(now, d.options.ejection());
        if (until != null) {
          LOG.warn(
              "Backend {} of {} ejected until {} after {} failures in a row",
              b.url,
              id,
              until,
              d.options.ejection().failures());
          d.metrics.ejection(id, b.url);
          // nothing else may release or change the table meanwhile: requests queued behind the
          // ejection get the backend back when it ends
          d.scheduler.schedule(Duration.between(now, until), this::ejectionEnded);
        }
      }
      if (!b.ready && b.inFlight.get() == 0 && backends.get(b.url) == b) {
        backends.remove(b.url);
        d.untrackBackend(b);
      }
      drain(after);
    }
    after.forEach(Runnable::run);
  }

  private void ejectionEnded() {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      drain(after);
    }
    after.forEach(Runnable::run);
  }

  synchronized int queued() {
    return queue.size();
  }

  /** Backends currently ejected (url → until), for status. */
  synchronized Map<String, Instant> ejected() {
    Instant now = d.clock.instant();
    Map<String, Instant> out = new LinkedHashMap<>();
    for (Backend b : backends.values()) {
      if (b.ejectedAt(now)) {
        out.put(b.url, b.ejectedUntil());
      }
    }
    return out;
  }

  private void drain(List<Runnable> after) {
    if (queue.isEmpty()) {
      return;
    }
    Instant now = d.clock.instant();
    for (Iterator<Ticket> it = queue.iterator(); it.hasNext(); ) {
      Ticket t = it.next();
      Backend b = choose(t, now);
      if (b != null) {
        it.remove();
        if (t.timeout != null) {
          t.timeout.cancel();
        }
        grant(t, b, now, t.excluded.isEmpty() ? 1 : 2, after);
      } else if (t.excluded.isEmpty()) {
        break;
      }
    }
    depth.set(queue.size());
  }

  private boolean hasCandidate(Ticket t) {
    for (Backend b : backends.values()) {
      if (b.ready && !t.excluded.contains(b.url)) {
        return true;
      }
    }
    return false;
  }

  private Backend choose(Ticket t, Instant now) {
    boolean anyHealthy = false;
    for (Backend b : backends.values()) {
      if (b.ready && !t.excluded.contains(b.url) && !b.ejectedAt(now)) {
        anyHealthy = true;
        break;
      }
    }
    if (t.preferred != null) {
      Backend preferred = backends.get(t.preferred);
      if (preferred != null && eligible(preferred, t, now, anyHealthy) && preferred.hasFreeSlot()) {
        return preferred;
      }
    }
    if (t.affinity != 0) {
      Backend preferred = backends.get(affinity.get(t.affinity));
      if (preferred != null && eligible(preferred, t, now, anyHealthy) && preferred.hasFreeSlot()) {
        return preferred;
      }
    }
    Backend best = null;
    int ties = 0;
    for (Backend b : backends.values()) {
      if (!eligible(b, t, now, anyHealthy) || !b.hasFreeSlot()) {
        continue;
      }
      int n = b.inFlight.get();
      if (best != null && b.local != best.local) {
        if (b.local) {
          best = b;
          ties = 1;
        }
      } else if (best == null || n < best.inFlight.get()) {
        best = b;
        ties = 1;
      } else if (n == best.inFlight.get() && d.random.nextInt(++ties) == 0) {
        best = b;
      }
    }
    return best;
  }

  private static boolean eligible(Backend b, Ticket t, Instant now, boolean anyHealthy) {
    return b.ready && !t.excluded.contains(b.url) && (!anyHealthy || !b.ejectedAt(now));
  }

  private void grant(Ticket t, Backend b, Instant now, int attempt, List<Runnable> after) {
    t.state = Ticket.State.GRANTED;
    b.inFlight.incrementAndGet();
    lastActive = now;
    if (t.affinity != 0) {
      affinity.put(t.affinity, b.url);
    }
    Duration queued = Duration.between(t.arrived, now);
    if (queued.isNegative()) {
      queued = Duration.ZERO;
    }
    meters.queueWait(queued.toNanos());
    Lease lease = new Lease(this, b, queued, attempt);
    after.add(() -> t.waiter.granted(lease));
  }

  private void reject(Ticket t, GatewayError error, List<Runnable> after) {
    t.state = Ticket.State.REJECTED;
    if (t.timeout != null) {
      t.timeout.cancel();
    }
    after.add(() -> t.waiter.rejected(error));
  }
}
