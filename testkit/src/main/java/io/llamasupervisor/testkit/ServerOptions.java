package io.llamasupervisor.testkit;

import java.util.List;

/**
 * The llama-server settings the fake acts on, after the command line and {@code LLAMA_ARG_*}
 * environment variables are applied. Every other real flag is accepted and ignored.
 *
 * @param model {@code -m} exactly as given (it is echoed in logs and responses); never null
 * @param ctxSize {@code -c}; 0 means the model's training context
 * @param parallel {@code -np}; negative means auto (4 slots, unified KV)
 * @param threads {@code -t}; negative means one per CPU
 * @param host {@code --host}
 * @param port {@code --port} as given (may be out of range, like the real server accepts)
 * @param cacheTypeK {@code -ctk}
 * @param cacheTypeV {@code -ctv}
 * @param flashAttn {@code -fa}: {@code on}, {@code off} or {@code auto}
 * @param metrics {@code --metrics}
 * @param slots {@code --slots} (default) / {@code --no-slots}
 * @param propsEndpoint {@code --props}
 * @param embeddings {@code --embeddings}
 * @param aliases {@code --alias}, split at commas
 * @param apiKeys {@code --api-key} (split at commas) and {@code --api-key-file}
 * @param ui {@code --webui} (default) / {@code --no-webui}
 * @param mmproj {@code --mmproj}, or null
 * @param nPredict {@code -n}: default tokens to predict, -1 for "until the context is full"
 * @param logDisabled {@code --log-disable}
 * @param ssePingInterval {@code --sse-ping-interval}: seconds of silence before an event stream
 *     gets a {@code :} comment ping; 0 or less disables pings
 * @param contextShift {@code --context-shift}: generation goes on past a full slot context (until
 *     {@code n_predict}, for ever with -1)
 * @param verbosity {@code -lv}: 4 and more log the buffer sizes while loading
 * @param batch {@code -b} (default 2048)
 * @param ubatch {@code -ub} (default 512)
 * @param pooling {@code --pooling}: with {@code --embeddings}, {@code mean}, {@code cls} or {@code
 *     last} make {@code /v1/embeddings} answer vectors; null or {@code none}: the real 400
 */
record ServerOptions(
    String model,
    int ctxSize,
    int parallel,
    int threads,
    String host,
    int port,
    String cacheTypeK,
    String cacheTypeV,
    String flashAttn,
    boolean metrics,
    boolean slots,
    boolean propsEndpoint,
    boolean embeddings,
    List<String> aliases,
    List<String> apiKeys,
    boolean ui,
    String mmproj,
    int nPredict,
    boolean logDisabled,
    int ssePingInterval,
    boolean contextShift,
    int verbosity,
    int batch,
    int ubatch,
    String pooling) {

  /** The name served as {@code id}/{@code model}: the first alias, else the model path. */
  String modelName() {
    return aliases.isEmpty() ? model : aliases.get(0);
  }
}
