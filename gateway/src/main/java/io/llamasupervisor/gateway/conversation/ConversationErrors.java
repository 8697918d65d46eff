package io.llamasupervisor.gateway.conversation;

import io.llamasupervisor.gateway.GatewayError;

/** The conversation answers in OpenAI's error shape. */
final class ConversationErrors {
  private ConversationErrors() {}

  /** 404: unknown, expired, forgotten, or another key's response. */
  static GatewayError notFound(String id) {
    return new GatewayError(
        404,
        "invalid_request_error",
        "response_not_found",
        "No response found with id '" + id + "'",
        null);
  }

  /** 400: the stored conversation plus the new input does not fit the model's context. */
  static GatewayError contextExceeded(
      String model, long history, long fresh, long output, long need, int ctxPerSlot) {
    return new GatewayError(
        400,
        "invalid_request_error",
        "context_length_exceeded",
        "The conversation needs about "
            + need
            + " tokens ("
            + history
            + " in its history as the model counted them, "
            + fresh
            + " estimated for the new input"
            + (output > 0 ? ", " + output + " for max_output_tokens" : "")
            + ") but the model '"
            + model
            + "' has a context of "
            + ctxPerSlot
            + " tokens per slot; start a new conversation or shorten the input",
        null);
  }
}
