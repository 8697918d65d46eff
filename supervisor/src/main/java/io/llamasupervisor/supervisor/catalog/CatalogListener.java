package io.llamasupervisor.supervisor.catalog;

/**
 * Receives catalog changes, on the thread that ran the scan, in id order after the catalog's
 * snapshot is updated. Must not block for long; an exception is logged and does not stop others.
 */
@FunctionalInterface
public interface CatalogListener {
  void onEvent(CatalogEvent event);
}
