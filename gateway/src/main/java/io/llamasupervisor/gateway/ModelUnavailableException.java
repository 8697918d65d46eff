package io.llamasupervisor.gateway;

/**
 * The supervisor refuses to start a model; requests for it get 503 naming {@link #reason}. Thrown
 * by {@link ModelStarter#requestStart}.
 */
public final class ModelUnavailableException extends RuntimeException {
  private final String state;
  private final String reason;

  /**
   * @param state the model's state ({@code stopped}, {@code rejected}, …)
   * @param reason the supervisor's reason code, e.g. {@code OPERATOR_STOP}
   * @param message what the supervisor said
   */
  public ModelUnavailableException(String state, String reason, String message) {
    super(message);
    this.state = state;
    this.reason = reason;
  }

  public String state() {
    return state;
  }

  public String reason() {
    return reason;
  }
}
