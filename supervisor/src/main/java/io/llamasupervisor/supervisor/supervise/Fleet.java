package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.supervisor.memory.MemoryReport;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the API and CLI may ask of the supervisor. Implemented by {@link FleetSupervisor}; tests use
 * hand-written fakes. Every method is thread-safe and answers from a consistent snapshot.
 */
public interface Fleet {
  /** Every known model (accepted, rejected, or still running after removal), in id order. */
  List<ModelStatus> models();

  /** One model by id or alias. */
  Optional<ModelStatus> model(String idOrAlias);

  /** The newest instance's last {@code n} output lines, or the last failed instance's. */
  Optional<List<String>> logs(String idOrAlias, int n);

  /** The outcome of an operator command. */
  enum CommandResult {
    /** Accepted; it happens asynchronously. */
    ACCEPTED,
    /** No model with that id or alias. */
    NOT_FOUND,
    /** The model's file was rejected by verification; it cannot run. */
    REJECTED_MODEL,
    /**
     * A demand found the model stopped on purpose: by an operator, or given up by the restart
     * policy (state {@code failed}), or no llama-server binary (state {@code unavailable}). Demand
     * never overrides that; a gateway answers 503 at once.
     */
    STOPPED
  }

  /**
   * A request wants this model: starts it when it is on-demand and not running, or stopped by its
   * ttl (state {@code idle}, reason {@code IDLE_TTL}); does nothing when it already starts or
   * serves. Concurrent demands start exactly one instance.
   *
   * @return {@link CommandResult#ACCEPTED} when the model serves or will serve, {@link
   *     CommandResult#NOT_FOUND}, {@link CommandResult#REJECTED_MODEL}, or {@link
   *     CommandResult#STOPPED}
   */
  default CommandResult demand(String idOrAlias) {
    // for fakes that cannot start anything: answers from the model's state
    return model(idOrAlias)
        .map(
            s ->
                s.state().equals("ready") || s.state().equals("starting")
                    ? CommandResult.ACCEPTED
                    : CommandResult.STOPPED)
        .orElse(CommandResult.NOT_FOUND);
  }

  /** Clears an operator stop and any failure backoff, then starts the model if needed. */
  CommandResult operatorStart(String idOrAlias);

  /** Stops the model's instances and keeps it stopped until started again. */
  CommandResult operatorStop(String idOrAlias);

  /** Replaces a serving model blue-green (new generation, switch, drain old); else starts it. */
  CommandResult operatorRestart(String idOrAlias);

  /** Rescans the models directory now. */
  void rescan();

  /**
   * Loads (preloads) the model: like a request for it ({@link #demand}), from an operator. With a
   * memory budget its start may evict idle models and waits for memory. {@link
   * CommandResult#STOPPED} when an operator stopped it (start it instead). This default, for fakes,
   * starts it.
   */
  default CommandResult load(String idOrAlias) {
    return operatorStart(idOrAlias);
  }

  /**
   * Unloads the model: its instances drain, then stop; it shows state {@code idle} (reason {@code
   * UNLOADED}) and a request starts it again, unlike an operator stop. This default, for fakes,
   * stops it.
   */
  default CommandResult unload(String idOrAlias) {
    return operatorStop(idOrAlias);
  }

  /** The memory budget and what uses it; {@link MemoryReport#NONE} for fleets without one. */
  default MemoryReport memory() {
    return MemoryReport.NONE;
  }

  /**
   * Calls {@code listener} with every {@link FleetEvent} from now on (state changes, decisions,
   * rollout phases) until the subscription is closed. Listeners run on the supervisor's state
   * thread in event order and must not block; see {@code FleetEvents} for the contract. This
   * default reports nothing (fleets without events, e.g. test fakes).
   */
  default Subscription subscribe(Consumer<FleetEvent> listener) {
    return () -> {};
  }

  /**
   * How long an instance of this model may take to become ready (the startup deadline: {@code
   * startup-timeout + startup-timeout-per-gib} × file size); empty for an unknown model or when not
   * known (this default).
   */
  default Optional<Duration> startupTimeout(String idOrAlias) {
    return Optional.empty();
  }

  /** An event subscription; closing it stops the calls. Idempotent. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
