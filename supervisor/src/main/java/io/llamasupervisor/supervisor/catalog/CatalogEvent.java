package io.llamasupervisor.supervisor.catalog;

import java.util.Objects;

/**
 * A change of one catalog entry.
 *
 * @param type what happened
 * @param entry the entry now ({@link Type#REMOVED}: the entry as it was last)
 * @param previous the entry before, or {@code null} when it is new
 */
public record CatalogEvent(Type type, CatalogEntry entry, CatalogEntry previous) {
  /** Kinds of change, from a consumer's point of view. */
  public enum Type {
    /** A model can be launched now and could not before (new, or previously rejected). */
    ADDED,
    /** A launchable model stays launchable but its files, projector or alias changed. */
    CHANGED,
    /** A model was (re)verified and cannot be launched: see the entry's reason and message. */
    REJECTED,
    /** A model's files are gone. */
    REMOVED
  }

  public CatalogEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(entry, "entry");
  }

  public String id() {
    return entry.id();
  }

  @Override
  public String toString() {
    return type + " " + entry.id() + (entry.accepted() ? "" : " (" + entry.reason() + ")");
  }
}
