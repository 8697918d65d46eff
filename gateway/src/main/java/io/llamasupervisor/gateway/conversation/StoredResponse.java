package io.llamasupervisor.gateway.conversation;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One stored response and the conversation up to it.
 *
 * @param id the response id llama-server gave ({@code resp_…})
 * @param owner the name of the API key that created it ({@code ""} on a gateway without keys)
 * @param model the model id that answered
 * @param conversation an id shared by every turn of one conversation (the first turn draws it)
 * @param items the whole conversation as Responses input items (JSON array): every turn's input and
 *     every response's output, this response's output last
 * @param response the response object as llama-server returned it (JSON), for {@code GET}
 * @param tokens the conversation's length in tokens as llama-server counted it for this response
 *     (input plus output); -1 when the response carried no usage
 * @param backend the backend URL that served this response
 */
public record StoredResponse(
    String id,
    String owner,
    String model,
    long conversation,
    String items,
    String response,
    long tokens,
    String backend) {

  public StoredResponse {
    Objects.requireNonNull(id, "id");
    owner = owner == null ? "" : owner;
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(response, "response");
    backend = backend == null ? "" : backend;
  }

  /** What the entry weighs in a store's byte bound: its text as UTF-8 plus a fixed overhead. */
  public long bytes() {
    return 96L
        + utf8(id)
        + utf8(owner)
        + utf8(model)
        + utf8(items)
        + utf8(response)
        + utf8(backend);
  }

  private static long utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
