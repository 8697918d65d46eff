package io.llamasupervisor.supervisor.supervise;

import java.time.Duration;

/**
 * What to do after an instance failed.
 *
 * @param restart whether to start the model again
 * @param delay how long to wait first (zero when not restarting)
 * @param failures consecutive failures so far, this one included
 * @param reason why: the failure's own reason, or {@link ReasonCode#CRASH_LOOP} when giving up
 */
public record RestartDecision(boolean restart, Duration delay, int failures, ReasonCode reason) {}
