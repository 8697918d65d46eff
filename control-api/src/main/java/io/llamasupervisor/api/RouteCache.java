package io.llamasupervisor.api;

import io.llamasupervisor.registry.LiteLlmExport;
import io.llamasupervisor.registry.RegistryApi;
import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingTable;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The serialized forms of the newest routing table, computed once per table so that answering
 * {@code GET /api/v1/routes} is a lookup. Thread-safe: when a change wakes many blocking queries at
 * once, the first one serializes the new table and the others wait for it instead of serializing it
 * again.
 */
final class RouteCache {
  /** One table and its encodings; the LiteLLM forms are made on first use. */
  static final class Entry {
    final RoutingTable table;
    final byte[] json;
    final String etag;
    final String sseData;
    private volatile byte[] liteLlmJson;
    private volatile byte[] liteLlmYaml;

    Entry(RoutingTable table) {
      this.table = table;
      this.json = RoutingJson.toBytes(table);
      this.etag = RegistryApi.etag(table);
      this.sseData = new String(json, StandardCharsets.UTF_8);
    }

    byte[] liteLlmJson() {
      byte[] b = liteLlmJson;
      if (b == null) {
        b = RoutingJson.toBytes(LiteLlmExport.config(table));
        liteLlmJson = b;
      }
      return b;
    }

    byte[] liteLlmYaml() {
      byte[] b = liteLlmYaml;
      if (b == null) {
        b = LiteLlmExport.toYaml(table).getBytes(StandardCharsets.UTF_8);
        liteLlmYaml = b;
      }
      return b;
    }
  }

  private final AtomicReference<Entry> latest = new AtomicReference<>();

  /** The encodings of {@code table}. */
  Entry of(RoutingTable table) {
    Entry e = latest.get();
    if (e != null && e.table == table) {
      return e;
    }
    synchronized (this) {
      e = latest.get();
      if (e != null && e.table == table) {
        return e;
      }
      return store(new Entry(table));
    }
  }

  private Entry store(Entry fresh) {
    // keep the newest version; an older table (a slow long-poll) does not evict it
    latest.accumulateAndGet(
        fresh, (old, now) -> old == null || now.table.version() >= old.table.version() ? now : old);
    return fresh;
  }
}
