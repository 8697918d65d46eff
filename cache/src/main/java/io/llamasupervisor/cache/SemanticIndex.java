package io.llamasupervisor.cache;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The vectors of the semantic cache, searched only within one scope.
 *
 * <p>Each scope is a bucket. A bucket of up to {@code flatLimit} vectors is searched by a flat scan
 * (exact, and faster than a graph at that size: see docs/benchmarks.md); a bucket that grows past
 * it also gets its own Lucene HNSW index, which holds that scope's vectors only, so a search never
 * filters by scope and never walks another scope's graph or segments. Vectors added since the
 * index's last refresh are scanned flat, so a vector is findable as soon as {@link #add} returns.
 * Thread-safe.
 */
final class SemanticIndex implements Closeable {
  static final int DEFAULT_FLAT_LIMIT = 1000;
  private static final String F_VECTOR = "v";
  private static final String F_KEY = "key";

  /**
   * Segments per tier of a scope's index: every refresh that found new vectors writes a segment,
   * and each segment is a graph of its own that every search walks, so they are merged early.
   */
  private static final int SEGMENTS_PER_TIER = 4;

  /** A stored prompt and its similarity to the query. */
  record Candidate(VectorEntry entry, float similarity) {}

  private static final class Slot {
    final VectorEntry entry;
    long seq;

    Slot(VectorEntry entry) {
      this.entry = entry;
    }
  }

  private static final class Bucket {
    final Map<String, Slot> slots = new LinkedHashMap<>();
    final Deque<Slot> pending = new ArrayDeque<>();

    /** The scope's own Lucene index once it outgrew the flat scan; null before. */
    Graph graph;

    /**
     * Set (under the bucket's lock) when the bucket emptied and left the map; an add that finds it
     * set takes the scope's new bucket instead.
     */
    boolean removed;
  }

  /**
   * One scope's HNSW index in memory. Written only under its bucket's lock; searched and refreshed
   * through a {@link SearcherManager} without it, under {@link #use}'s read lock, so that closing
   * (under its write lock, never while holding a bucket's lock) waits for them.
   */
  private static final class Graph implements Closeable {
    final ByteBuffersDirectory directory = new ByteBuffersDirectory();
    final IndexWriter writer;
    final SearcherManager searchers;
    final AtomicBoolean dirty = new AtomicBoolean();
    final ReentrantReadWriteLock use = new ReentrantReadWriteLock();

    /** Set under the write lock of {@link #use}; a search or refresh then skips the graph. */
    boolean closed;

    /** Slots with a sequence number up to this one are in the searchers' current view. */
    volatile long visibleSeq;

    Graph() {
      TieredMergePolicy merges = new TieredMergePolicy();
      merges.setSegmentsPerTier(SEGMENTS_PER_TIER);
      try {
        this.writer =
            new IndexWriter(
                directory, new IndexWriterConfig().setCommitOnClose(false).setMergePolicy(merges));
        this.searchers = new SearcherManager(writer, null);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open an in-memory index", e);
      }
    }

    /**
     * Takes the read lock of {@link #use} and answers true, or answers false (holding nothing) when
     * the graph is closed.
     */
    boolean enter() {
      use.readLock().lock();
      if (closed) {
        use.readLock().unlock();
        return false;
      }
      return true;
    }

    void exit() {
      use.readLock().unlock();
    }

    /** Closes the graph of a bucket that emptied, once the searches using it are done. */
    void closeWhenUnused() {
      try {
        close();
      } catch (IOException e) {
        // in memory: nothing that matters is lost
      }
    }

    @Override
    public void close() throws IOException {
      use.writeLock().lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
        searchers.close();
        writer.close();
        directory.close();
      } finally {
        use.writeLock().unlock();
      }
    }
  }

  private final int flatLimit;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** Every entry by key, oldest first; guarded by itself. */
  private final LinkedHashMap<String, VectorEntry> byKey = new LinkedHashMap<>();

  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong seq = new AtomicLong();

  /**
   * For tests: runs inside {@link #add} once the key is taken, before the slot is in its bucket.
   */
  volatile java.util.function.Consumer<String> afterKeyed = key -> {};

  SemanticIndex(int flatLimit) {
    if (flatLimit < 0) {
      throw new IllegalArgumentException("flatLimit must not be negative, was " + flatLimit);
    }
    this.flatLimit = flatLimit;
  }

  /**
   * Adds {@code e} to its scope; a key that is already present is left as it is. The key and the
   * slot become visible together (both under the bucket's lock), so a concurrent {@link #remove} of
   * the key either finds neither or removes both.
   */
  void add(VectorEntry e) {
    while (true) {
      Bucket b = buckets.computeIfAbsent(e.scope(), s -> new Bucket());
      synchronized (b) {
        if (b.removed) {
          continue; // emptied and dropped since the lookup: take the scope's new bucket
        }
        synchronized (byKey) {
          if (byKey.putIfAbsent(e.key(), e) != null) {
            if (b.slots.isEmpty()) { // made for this add: leave no empty bucket behind
              b.removed = true;
              buckets.remove(e.scope(), b);
            }
            return;
          }
        }
        afterKeyed.accept(e.key());
        Slot slot = new Slot(e);
        b.slots.put(e.key(), slot);
        bytes.addAndGet(e.weight());
        count.incrementAndGet();
        if (b.graph != null) {
          index(b, slot);
        } else if (b.slots.size() > flatLimit) {
          b.graph = new Graph();
          for (Slot s : b.slots.values()) {
            index(b, s);
          }
        }
        return;
      }
    }
  }

  /** Puts {@code slot} into the bucket's graph; the caller holds the bucket's lock. */
  private void index(Bucket b, Slot slot) {
    Document doc = new Document();
    doc.add(
        new KnnFloatVectorField(
            F_VECTOR, slot.entry.vector(), VectorSimilarityFunction.DOT_PRODUCT));
    doc.add(new StringField(F_KEY, slot.entry.key(), Field.Store.NO));
    doc.add(new StoredField(F_KEY, slot.entry.key()));
    slot.seq = seq.incrementAndGet();
    try {
      b.graph.writer.addDocument(doc);
    } catch (IOException ex) {
      throw new UncheckedIOException("in-memory index write failed", ex);
    }
    b.pending.addLast(slot);
    b.graph.dirty.set(true);
  }

  /**
   * Removes the entry of {@code key}, if present. A scope left empty is dropped with its graph (its
   * writer and segments closed once no search uses them).
   */
  void remove(String key) {
    while (true) {
      VectorEntry e;
      synchronized (byKey) {
        e = byKey.get(key);
      }
      if (e == null) {
        return;
      }
      // while a key is in byKey its slot is in the scope's live bucket (both change under its lock)
      Bucket b = buckets.get(e.scope());
      if (b == null) {
        continue; // removed meanwhile: look again
      }
      Graph emptied = null;
      synchronized (b) {
        if (b.removed) {
          continue;
        }
        synchronized (byKey) {
          if (byKey.get(key) != e) {
            continue; // removed (or replaced) meanwhile: look again
          }
          byKey.remove(key);
        }
        Slot s = b.slots.remove(key);
        bytes.addAndGet(-s.entry.weight());
        count.decrementAndGet();
        if (b.graph != null) {
          try {
            b.graph.writer.deleteDocuments(new Term(F_KEY, key));
            b.graph.dirty.set(true);
          } catch (IOException ex) {
            throw new UncheckedIOException("in-memory index delete failed", ex);
          }
        }
        if (b.slots.isEmpty()) {
          b.removed = true;
          buckets.remove(e.scope(), b);
          emptied = b.graph;
        }
      }
      if (emptied != null) {
        emptied.closeWhenUnused();
      }
      return;
    }
  }

  boolean contains(String key) {
    synchronized (byKey) {
      return byKey.containsKey(key);
    }
  }

  /** The entry of {@code key} in {@code scope}, if present. */
  Optional<VectorEntry> get(String scope, String key) {
    Bucket b = buckets.get(scope);
    if (b == null) {
      return Optional.empty();
    }
    synchronized (b) {
      Slot s = b.slots.get(key);
      return s == null ? Optional.empty() : Optional.of(s.entry);
    }
  }

  /** Up to {@code k} entries of {@code scope}, most similar first. */
  List<Candidate> search(String scope, float[] query, int k) {
    Bucket b = buckets.get(scope);
    if (b == null) {
      return List.of();
    }
    if (k <= 0) {
      return List.of();
    }
    TopK out = new TopK(k);
    Graph graph;
    synchronized (b) {
      graph = b.graph;
      if (graph == null) {
        for (Slot s : b.slots.values()) {
          out.offer(s.entry, Vectors.dot(query, s.entry.vector()));
        }
      } else {
        long visible = graph.visibleSeq;
        while (!b.pending.isEmpty() && b.pending.peekFirst().seq <= visible) {
          b.pending.pollFirst();
        }
        for (Slot s : b.pending) {
          if (b.slots.get(s.entry.key()) == s) {
            out.offer(s.entry, Vectors.dot(query, s.entry.vector()));
          }
        }
      }
    }
    if (graph != null) {
      searchGraph(b, graph, query, k, out);
    }
    return out.list();
  }

  /** The {@code k} most similar entries offered so far, each once (a flat scan keeps no more). */
  private static final class TopK {
    private final VectorEntry[] entries;
    private final float[] similarities;
    private int size;

    TopK(int k) {
      entries = new VectorEntry[k];
      similarities = new float[k];
    }

    void offer(VectorEntry e, float similarity) {
      if (size == entries.length && similarity <= similarities[size - 1]) {
        return;
      }
      for (int i = 0; i < size; i++) {
        if (entries[i] == e) {
          return;
        }
      }
      int i = size < entries.length ? size++ : size - 1;
      while (i > 0 && similarities[i - 1] < similarity) {
        entries[i] = entries[i - 1];
        similarities[i] = similarities[i - 1];
        i--;
      }
      entries[i] = e;
      similarities[i] = similarity;
    }

    List<Candidate> list() {
      List<Candidate> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        out.add(new Candidate(entries[i], similarities[i]));
      }
      return out;
    }
  }

  private static void searchGraph(Bucket b, Graph graph, float[] query, int k, TopK out) {
    if (!graph.enter()) {
      return; // the scope emptied meanwhile: nothing left to find in it
    }
    try {
      searchGraphEntered(b, graph, query, k, out);
    } finally {
      graph.exit();
    }
  }

  private static void searchGraphEntered(Bucket b, Graph graph, float[] query, int k, TopK out) {
    IndexSearcher searcher;
    try {
      searcher = graph.searchers.acquire();
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory index read failed", e);
    }
    try {
      TopDocs top = searcher.search(new KnnFloatVectorQuery(F_VECTOR, query, k), k);
      var stored = searcher.storedFields();
      List<String> keys = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc sd : top.scoreDocs) {
        keys.add(stored.document(sd.doc).get(F_KEY));
      }
      synchronized (b) {
        for (String key : keys) {
          Slot s = b.slots.get(key);
          if (s != null) {
            out.offer(s.entry, Vectors.dot(query, s.entry.vector()));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory index search failed", e);
    } finally {
      try {
        graph.searchers.release(searcher);
      } catch (IOException e) {
        // an in-memory reader cannot fail to close in a way that matters here
      }
    }
  }

  /**
   * Makes the vectors added so far searchable through the graph (until then they are scanned flat).
   * Cheap when nothing changed; called periodically.
   */
  void refresh() {
    for (Bucket b : buckets.values()) {
      Graph graph;
      long upTo;
      synchronized (b) { // every slot numbered up to here is in the writer (index() runs locked)
        graph = b.graph;
        if (graph == null || !graph.dirty.getAndSet(false)) {
          continue;
        }
        upTo = seq.get();
      }
      if (!graph.enter()) {
        continue; // the scope emptied meanwhile
      }
      try {
        graph.searchers.maybeRefreshBlocking();
      } catch (IOException e) {
        graph.dirty.set(true);
        throw new UncheckedIOException("in-memory index refresh failed", e);
      } finally {
        graph.exit();
      }
      graph.visibleSeq = upTo;
    }
  }

  /**
   * Removes the oldest entries until the index holds at most {@code maxBytes}; returns the keys
   * removed.
   */
  List<String> trimTo(long maxBytes) {
    List<String> removed = new ArrayList<>();
    while (bytes.get() > maxBytes) {
      String oldest;
      synchronized (byKey) {
        if (byKey.isEmpty()) {
          break;
        }
        oldest = byKey.keySet().iterator().next();
      }
      remove(oldest);
      removed.add(oldest);
    }
    return removed;
  }

  /** Removes the entries stored before {@code millis}, oldest first; returns the keys removed. */
  List<String> expireBefore(long millis) {
    List<String> removed = new ArrayList<>();
    while (true) {
      VectorEntry oldest;
      synchronized (byKey) {
        if (byKey.isEmpty()) {
          break;
        }
        oldest = byKey.values().iterator().next();
      }
      if (oldest.storedAtMillis() >= millis) {
        break;
      }
      remove(oldest.key());
      removed.add(oldest.key());
    }
    return removed;
  }

  /** Some scope that holds entries (benchmarks). */
  Optional<String> anyScope() {
    return buckets.keySet().stream().findFirst();
  }

  /** Scopes that have a bucket (tests: an emptied scope leaves none behind). */
  int scopes() {
    return buckets.size();
  }

  long size() {
    return count.get();
  }

  long bytes() {
    return bytes.get();
  }

  @Override
  public void close() throws IOException {
    IOException failed = null;
    for (Bucket b : buckets.values()) {
      Graph graph;
      synchronized (b) { // left in place: a late add or search then fails as closed
        graph = b.graph;
      }
      if (graph != null) {
        try {
          graph.close();
        } catch (IOException e) {
          failed = e;
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
