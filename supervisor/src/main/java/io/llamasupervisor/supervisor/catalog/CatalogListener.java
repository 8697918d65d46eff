package io.llamasupervisor.supervisor.catalog;

/**
 * Receives catalog changes, on the thread that ran the poll, in id order, after the catalog's
 * snapshot is updated. Called while the poll holds the catalog's lock: hand slow work to another
 * thread and do not call {@link ModelCatalog#scanOnce()} from here. An exception is logged and does
 * not stop other listeners.
 */
@FunctionalInterface
public interface CatalogListener {
  void onEvent(CatalogEvent event);
}
