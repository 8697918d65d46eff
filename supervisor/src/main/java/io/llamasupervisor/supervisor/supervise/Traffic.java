package io.llamasupervisor.supervisor.supervise;

import java.time.Instant;
import java.util.Optional;

/**
 * What the data plane knows about live traffic; {@link #NONE} when no gateway runs in-process.
 *
 * <p>The supervisor calls these methods on its state thread: implementations must be fast,
 * thread-safe and must not call back into the {@link Fleet}. With a Traffic other than {@link
 * #NONE}, a replaced generation is stopped only once the gateway has no request in flight to it,
 * and a model with a {@code ttl} is never stopped while requests for it are queued or in flight.
 */
public interface Traffic {
  /** Requests the gateway has in flight to this backend URL (e.g. "http://127.0.0.1:39001"). */
  int inFlight(String backendUrl);

  /** When the last request for this model ended or began, whichever is later; empty if never. */
  Optional<Instant> lastActive(String modelId);

  /** Requests for this model waiting in the gateway's queue. */
  int queued(String modelId);

  /** No gateway: nothing in flight, nothing queued, never active. */
  Traffic NONE =
      new Traffic() {
        @Override
        public int inFlight(String backendUrl) {
          return 0;
        }

        @Override
        public Optional<Instant> lastActive(String modelId) {
          return Optional.empty();
        }

        @Override
        public int queued(String modelId) {
          return 0;
        }

        @Override
        public String toString() {
          return "Traffic.NONE";
        }
      };
}
