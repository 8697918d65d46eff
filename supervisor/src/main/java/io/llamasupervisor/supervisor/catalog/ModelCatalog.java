package io.llamasupervisor.supervisor.catalog;

import io.llamasupervisor.supervisor.catalog.CatalogEvent.Type;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models found in a directory, kept up to date by polling.
 *
 * <p>Each poll lists every {@code *.gguf} under the models directory (LM Studio's {@code
 * publisher/repo/file.gguf}, flat files, any depth; hidden files, {@code downloading_*} and files
 * with a {@code .part}-style partner are skipped) and compares size, mtime and inode with the
 * previous poll. A model is looked at only once all its files (every shard present, the folder's
 * projectors) are stable (see {@link CatalogOptions#stableAfter()}); it is then verified with the
 * GGUF verifier and published:
 *
 * <ul>
 *   <li>{@link Type#ADDED} when it becomes launchable, {@link Type#CHANGED} when a launchable
 *       model's files, projector or alias change, {@link Type#REJECTED} when it is (re)verified and
 *       not launchable, {@link Type#REMOVED} as soon as its files are gone.
 *   <li>Unchanged models are not verified again.
 * </ul>
 *
 * <p>The catalog never calls the supervisor: consumers {@link #addListener listen}. {@link
 * #scanOnce()} polls synchronously (tests, a rescan API); {@link #start()} polls in the background
 * every {@link CatalogOptions#pollInterval()} and, when {@link CatalogOptions#watch()} is on, also
 * shortly after the WatchService reports a change. Thread-safe.
 */
public final class ModelCatalog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);
  private static final long EARLY_SCAN_DELAY_MS = 200;

  private record Tracked(String stem, Map<Path, FileSignature> fingerprint, CatalogEntry entry) {}

  private final CatalogOptions options;
  private final Clock clock;
  private final Path root;
  private final DirectoryScanner scanner;
  private final StabilityTracker tracker;
  private final EntryEvaluator evaluator;
  private final List<CatalogListener> listeners = new CopyOnWriteArrayList<>();
  private final SortedMap<String, Tracked> tracked = new TreeMap<>(); // guarded by this
  private volatile SortedMap<String, CatalogEntry> snapshot = Collections.emptySortedMap();
  private final AtomicBoolean soonScanQueued = new AtomicBoolean();
  private volatile boolean settled;
  private final ScheduledExecutorService injected; // null: a poll thread of its own
  private ScheduledExecutorService executor; // guarded by this
  private ScheduledFuture<?> polling; // guarded by this
  private DirectoryWatcher watcher; // guarded by this
  private boolean closed; // guarded by this

  /**
   * @param clock decides stability ({@link CatalogOptions#stableAfter()}); tests pass a fake
   */
  public ModelCatalog(CatalogOptions options, Clock clock) {
    this(options, clock, null);
  }

  /**
   * A catalog whose background polls run on {@code scheduler} (on {@code clock}'s time; tests pass
   * a manual one), which {@link #close()} leaves running; null: a poll thread of its own.
   */
  public ModelCatalog(CatalogOptions options, Clock clock, ScheduledExecutorService scheduler) {
    this.injected = scheduler;
    this.options = Objects.requireNonNull(options, "options");
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(options.modelsDir(), "options.modelsDir");
    this.root = options.modelsDir().toAbsolutePath().normalize();
    this.scanner = new DirectoryScanner(root, options.followSymlinksOutside());
    this.tracker = new StabilityTracker(options.stableAfter());
    this.evaluator = new EntryEvaluator(options.sha256());
  }

  public CatalogOptions options() {
    return options;
  }

  public void addListener(CatalogListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(CatalogListener listener) {
    listeners.remove(listener);
  }

  /** The current entries, accepted and rejected, sorted by id. */
  /**
   * Whether the last scan found every file stable: from then on, a model missing from {@link
   * #snapshot()} is really not in the models directory (rather than still being checked).
   */
  public boolean settled() {
    return settled;
  }

  public List<CatalogEntry> snapshot() {
    return List.copyOf(snapshot.values());
  }

  /** The entry with this id, or else the one with this alias. */
  public Optional<CatalogEntry> find(String idOrAlias) {
    SortedMap<String, CatalogEntry> s = snapshot;
    CatalogEntry e = s.get(idOrAlias);
    if (e != null) {
      return Optional.of(e);
    }
    return s.values().stream().filter(x -> idOrAlias.equals(x.alias())).findFirst();
  }

  /**
   * Polls once, now, on the calling thread: updates the snapshot, notifies listeners and returns
   * the events in the order they were published.
   */
  public synchronized List<CatalogEvent> scanOnce() {
    DirectoryScanner.Listing listing = scanner.scan();
    Set<Path> stable = tracker.update(listing.files(), clock.instant());
    SortedMap<String, ModelUnit> units = ModelUnit.group(root, listing.files().keySet());

    Map<String, CatalogEvent> events = new TreeMap<>();
    Map<String, CatalogEntry> previous = new HashMap<>();
    for (Iterator<Map.Entry<String, Tracked>> it = tracked.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Tracked> t = it.next();
      if (!units.containsKey(t.getKey())) {
        it.remove();
        events.put(t.getKey(), new CatalogEvent(Type.REMOVED, t.getValue().entry(), null));
      }
    }
    for (ModelUnit unit : units.values()) {
      if (!stable.containsAll(unit.allFiles())) {
        continue; // still being written: keep what we had
      }
      Map<Path, FileSignature> fingerprint = new TreeMap<>();
      unit.allFiles().forEach(f -> fingerprint.put(f, listing.files().get(f)));
      Tracked before = tracked.get(unit.id());
      if (before != null && before.fingerprint().equals(fingerprint)) {
        continue;
      }
      CatalogEntry entry = evaluator.evaluate(unit, listing.files());
      tracked.put(unit.id(), new Tracked(unit.stem(), fingerprint, entry));
      previous.put(unit.id(), before == null ? null : before.entry());
      LOG.debug("verified {}: {}", unit.id(), entry.accepted() ? "accepted" : entry.reason());
    }
    assignAliases(previous);
    for (Map.Entry<String, CatalogEntry> p : previous.entrySet()) {
      CatalogEntry now = tracked.get(p.getKey()).entry();
      CatalogEntry before = p.getValue();
      Type type =
          !now.accepted()
              ? Type.REJECTED
              : before == null || !before.accepted() ? Type.ADDED : Type.CHANGED;
      events.put(p.getKey(), new CatalogEvent(type, now, before));
    }

    SortedMap<String, CatalogEntry> next = new TreeMap<>();
    tracked.forEach((id, t) -> next.put(id, t.entry()));
    snapshot = Collections.unmodifiableSortedMap(next);
    if (watcher != null) {
      watcher.watchExactly(listing.directories());
    }
    boolean allStable = !tracker.hasPending(stable);
    if (!allStable) {
      scheduleFollowUp();
    }
    List<CatalogEvent> published = new ArrayList<>(events.values());
    for (CatalogEvent e : published) {
      for (CatalogListener l : listeners) {
        try {
          l.onEvent(e);
        } catch (RuntimeException ex) {
          LOG.warn("catalog listener failed on {}: {}", e, ex.toString(), ex);
        }
      }
    }
    // only after the listeners had this scan's events: whoever reads settled() has seen them
    settled = allStable;
    return published;
  }

  /**
   * Gives every entry its alias (the stem, when unique). An accepted entry whose alias changes
   * without a file change is recorded in {@code previous} so it is published as CHANGED.
   */
  private void assignAliases(Map<String, CatalogEntry> previous) {
    Map<String, Integer> stems = new HashMap<>();
    tracked.values().forEach(t -> stems.merge(t.stem(), 1, Integer::sum));
    for (Map.Entry<String, Tracked> e : tracked.entrySet()) {
      Tracked t = e.getValue();
      String alias = stems.get(t.stem()) == 1 ? t.stem() : null;
      if (Objects.equals(alias, t.entry().alias())) {
        continue;
      }
      if (!previous.containsKey(e.getKey()) && t.entry().accepted()) {
        previous.put(e.getKey(), t.entry());
      }
      e.setValue(new Tracked(t.stem(), t.fingerprint(), t.entry().withAlias(alias)));
    }
  }

  /**
   * Starts background polling: one poll now, then every {@link CatalogOptions#pollInterval()}.
   * Idempotent.
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("catalog closed");
    }
    if (executor != null) {
      return;
    }
    executor = injected != null ? injected : ownPollThread();
    if (options.watch()) {
      try {
        watcher = DirectoryWatcher.start(this::scheduleEarlyScan);
      } catch (IOException | UnsupportedOperationException e) {
        LOG.warn("no directory watch ({}): polling every {}", e.toString(), options.pollInterval());
      }
    }
    polling =
        executor.scheduleWithFixedDelay(
            this::backgroundScan, 0, options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  private static ScheduledExecutorService ownPollThread() {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "model-catalog-poll");
              t.setDaemon(true);
              return t;
            });
    // on close, let a running poll finish (an interrupt would read as an I/O error) but start no
    // other
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    pool.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    return pool;
  }

  /**
   * Stops background polling and watching: a poll in progress finishes (up to 5 s), no other
   * starts. Idempotent; {@link #scanOnce()} still works afterwards.
   */
  @Override
  public void close() {
    ScheduledExecutorService e;
    DirectoryWatcher w;
    synchronized (this) {
      closed = true;
      e = executor;
      w = watcher;
      watcher = null;
      if (polling != null) {
        polling.cancel(false);
      }
    }
    if (w != null) {
      w.close();
    }
    if (e != null && e != injected) {
      e.shutdown();
      try {
        if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
          LOG.warn("catalog poll still running after 5 s: interrupting it");
          e.shutdownNow();
        }
      } catch (InterruptedException ie) {
        e.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  private void backgroundScan() {
    synchronized (this) {
      if (closed) {
        return; // a poll queued on an injected scheduler before close
      }
    }
    try {
      scanOnce();
    } catch (RuntimeException | Error e) {
      LOG.error("catalog poll failed: {}", e.toString(), e);
    }
  }

  /** After a change event: poll soon, coalescing a burst of events into one poll. */
  private void scheduleEarlyScan() {
    scanSoon(EARLY_SCAN_DELAY_MS);
  }

  /** Files are waiting to become stable: poll again once they can be, if before the next poll. */
  private void scheduleFollowUp() {
    long delay = Math.max(EARLY_SCAN_DELAY_MS, options.stableAfter().toMillis());
    if (delay < options.pollInterval().toMillis()) {
      scanSoon(delay);
    }
  }

  /** Schedules one extra poll; at most one is queued at a time. */
  private void scanSoon(long delayMs) {
    if (!soonScanQueued.compareAndSet(false, true)) {
      return;
    }
    ScheduledExecutorService e;
    synchronized (this) {
      e = executor;
    }
    try {
      if (e != null && !e.isShutdown()) {
        e.schedule(
            () -> {
              soonScanQueued.set(false);
              backgroundScan();
            },
            delayMs,
            TimeUnit.MILLISECONDS);
        return;
      }
    } catch (RejectedExecutionException ignored) {
      // closing
    }
    soonScanQueued.set(false);
  }
}
