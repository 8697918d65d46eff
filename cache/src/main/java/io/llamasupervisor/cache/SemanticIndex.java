package io.llamasupervisor.cache;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The vectors of the semantic cache, searched only within one scope.
 *
 * <p>Each scope is a bucket. A bucket of up to {@code flatLimit} vectors is searched by a flat scan
 * (exact, and faster than a graph at that size: see docs/benchmarks.md); a bucket that grows past
 * it is also put into one Lucene HNSW index shared by all large buckets, searched with the scope as
 * a filter. Vectors added since the index's last refresh are scanned flat, so a vector is findable
 * as soon as {@link #add} returns. Thread-safe.
 */
final class SemanticIndex implements Closeable {
  static final int DEFAULT_FLAT_LIMIT = 2048;
  private static final String F_VECTOR = "v";
  private static final String F_SCOPE = "scope";
  private static final String F_KEY = "key";

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
    boolean inLucene;
  }

  private final int flatLimit;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** Every entry by key, oldest first; guarded by itself. */
  private final LinkedHashMap<String, VectorEntry> byKey = new LinkedHashMap<>();

  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong seq = new AtomicLong();
  private final AtomicBoolean dirty = new AtomicBoolean();
  private final ReentrantReadWriteLock luceneLock = new ReentrantReadWriteLock();
  private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private volatile long visibleSeq;

  SemanticIndex(int flatLimit) {
    if (flatLimit < 0) {
      throw new IllegalArgumentException("flatLimit must not be negative, was " + flatLimit);
    }
    this.flatLimit = flatLimit;
    try {
      this.writer = new IndexWriter(directory, new IndexWriterConfig().setCommitOnClose(false));
      this.searchers = new SearcherManager(writer, null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open an in-memory index", e);
    }
  }

  /** Adds {@code e} to its scope; a key that is already present is left as it is. */
  void add(VectorEntry e) {
    synchronized (byKey) {
      if (byKey.putIfAbsent(e.key(), e) != null) {
        return;
      }
    }
    Bucket b = buckets.computeIfAbsent(e.scope(), s -> new Bucket());
    synchronized (b) {
      Slot slot = new Slot(e);
      b.slots.put(e.key(), slot);
      if (b.inLucene) {
        index(b, slot);
      } else if (b.slots.size() > flatLimit) {
        b.inLucene = true;
        for (Slot s : b.slots.values()) {
          index(b, s);
        }
      }
    }
    bytes.addAndGet(e.weight());
    count.incrementAndGet();
  }

  private void index(Bucket b, Slot slot) {
    Document doc = new Document();
    doc.add(
        new KnnFloatVectorField(
            F_VECTOR, slot.entry.vector(), VectorSimilarityFunction.DOT_PRODUCT));
    doc.add(new StringField(F_SCOPE, slot.entry.scope(), Field.Store.NO));
    doc.add(new StringField(F_KEY, slot.entry.key(), Field.Store.NO));
    doc.add(new StoredField(F_KEY, slot.entry.key()));
    luceneLock.readLock().lock();
    try {
      slot.seq = seq.incrementAndGet();
      writer.addDocument(doc);
    } catch (IOException ex) {
      throw new UncheckedIOException("in-memory index write failed", ex);
    } finally {
      luceneLock.readLock().unlock();
    }
    b.pending.addLast(slot);
    dirty.set(true);
  }

  /** Removes the entry of {@code key}, if present. */
  void remove(String key) {
    VectorEntry e;
    synchronized (byKey) {
      e = byKey.remove(key);
    }
    if (e == null) {
      return;
    }
    String scope = e.scope();
    Bucket b = buckets.get(scope);
    if (b == null) {
      return;
    }
    synchronized (b) {
      Slot s = b.slots.remove(key);
      if (s == null) {
        return;
      }
      bytes.addAndGet(-s.entry.weight());
      count.decrementAndGet();
      if (b.inLucene) {
        try {
          writer.deleteDocuments(new Term(F_KEY, key));
          dirty.set(true);
        } catch (IOException ex) {
          throw new UncheckedIOException("in-memory index delete failed", ex);
        }
      }
      if (b.slots.isEmpty() && !b.inLucene) {
        buckets.remove(scope, b);
      }
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
    List<Candidate> out = new ArrayList<>();
    boolean lucene;
    synchronized (b) {
      lucene = b.inLucene;
      if (!lucene) {
        for (Slot s : b.slots.values()) {
          out.add(new Candidate(s.entry, Vectors.dot(query, s.entry.vector())));
        }
      } else {
        long visible = visibleSeq;
        while (!b.pending.isEmpty() && b.pending.peekFirst().seq <= visible) {
          b.pending.pollFirst();
        }
        for (Slot s : b.pending) {
          if (b.slots.get(s.entry.key()) == s) {
            out.add(new Candidate(s.entry, Vectors.dot(query, s.entry.vector())));
          }
        }
      }
    }
    if (lucene) {
      searchLucene(b, scope, query, k, out);
    }
    out.sort(Comparator.comparingDouble((Candidate c) -> c.similarity()).reversed());
    return out.size() > k ? List.copyOf(out.subList(0, k)) : out;
  }

  private void searchLucene(Bucket b, String scope, float[] query, int k, List<Candidate> out) {
    IndexSearcher searcher;
    try {
      searcher = searchers.acquire();
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory index read failed", e);
    }
    try {
      TopDocs top =
          searcher.search(
              new KnnFloatVectorQuery(F_VECTOR, query, k, new TermQuery(new Term(F_SCOPE, scope))),
              k);
      var stored = searcher.storedFields();
      List<String> keys = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc sd : top.scoreDocs) {
        keys.add(stored.document(sd.doc).get(F_KEY));
      }
      synchronized (b) {
        for (String key : keys) {
          Slot s = b.slots.get(key);
          if (s != null && out.stream().noneMatch(c -> c.entry() == s.entry)) {
            out.add(new Candidate(s.entry, Vectors.dot(query, s.entry.vector())));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory index search failed", e);
    } finally {
      try {
        searchers.release(searcher);
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
    if (!dirty.getAndSet(false)) {
      return;
    }
    long upTo;
    luceneLock.writeLock().lock();
    try {
      upTo = seq.get();
    } finally {
      luceneLock.writeLock().unlock();
    }
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      dirty.set(true);
      throw new UncheckedIOException("in-memory index refresh failed", e);
    }
    visibleSeq = upTo;
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

  long size() {
    return count.get();
  }

  long bytes() {
    return bytes.get();
  }

  @Override
  public void close() throws IOException {
    searchers.close();
    writer.close();
    directory.close();
  }
}
