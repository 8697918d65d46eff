package io.llamasupervisor.health;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How busy an instance's slots are, as read by a {@link SlotsProbe}: either {@link Known} or {@link
 * Unavailable}, each with a {@link ProbeReason} and a human message.
 */
public sealed interface SlotsResult {
  ProbeReason reason();

  String message();

  /** Where the numbers came from. */
  enum Source {
    /** {@code GET /slots}: one entry per slot with {@code is_processing}. */
    SLOTS,
    /** {@code GET /metrics} {@code llamacpp:requests_processing}, total from {@code /props}. */
    METRICS
  }

  /**
   * The numbers are known.
   *
   * @param busySlots slots processing a request
   * @param totalSlots all slots; empty when the source does not tell (metrics without {@code
   *     /props})
   */
  record Known(int busySlots, OptionalInt totalSlots, Source source) implements SlotsResult {
    public Known {
      Objects.requireNonNull(totalSlots, "totalSlots");
      Objects.requireNonNull(source, "source");
      if (busySlots < 0) {
        throw new IllegalArgumentException("busySlots must not be negative: " + busySlots);
      }
    }

    /** No slot is processing a request. */
    public boolean idle() {
      return busySlots == 0;
    }

    @Override
    public ProbeReason reason() {
      return ProbeReason.OK;
    }

    @Override
    public String message() {
      String of = totalSlots.isPresent() ? " of " + totalSlots.getAsInt() : "";
      String from = source == Source.SLOTS ? "/slots" : "/metrics";
      return busySlots + of + " slots busy (from " + from + ")";
    }
  }

  /** The numbers could not be read; {@code reason} says why. */
  record Unavailable(ProbeReason reason, String message) implements SlotsResult {
    public Unavailable {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }
}
