package io.llamasupervisor.registry;

/**
 * The HTTP contract of the routing registry, shared by the server and {@code RegistryClient}.
 *
 * <ul>
 *   <li>{@code GET /api/v1/routes} answers 200 with the table as JSON, {@code ETag: "<version>"}
 *       and {@code X-Registry-Epoch: <epoch>}; with an {@code If-None-Match} that {@link
 *       #notModified matches}, 304 with the same two headers.
 *   <li>{@code GET /api/v1/routes?index=N&wait=30s} is a blocking query ({@link
 *       RoutingRegistry#awaitChange}): 200 once the version differs from N, or after the wait with
 *       the unchanged table. {@code wait} is parsed by {@link WaitParam} (default 30s, capped at
 *       5m). A request header {@code X-Registry-Epoch} naming another run answers at once. A bad
 *       index or wait is a 400 whose body is the exception's message.
 *   <li>With an API key configured, requests carry {@code Authorization: Bearer <key>}; others get
 *       401.
 * </ul>
 */
public final class RegistryApi {
  /** Path of the routing table. */
  public static final String ROUTES_PATH = "/api/v1/routes";

  /** Response header with the table's epoch; as a request header, the epoch the client knows. */
  public static final String EPOCH_HEADER = "X-Registry-Epoch";

  /** Query parameter: the version the caller already has. */
  public static final String INDEX_PARAM = "index";

  /** Query parameter: how long to hold a blocking query. */
  public static final String WAIT_PARAM = "wait";

  private RegistryApi() {}

  /** The strong entity tag of {@code table}: its version, quoted. */
  public static String etag(RoutingTable table) {
    return "\"" + table.version() + "\"";
  }

  /**
   * Whether an {@code If-None-Match} header value ({@code *} or a comma-separated list of tags,
   * weak or strong) matches {@code table}, so the answer is 304. Null never matches.
   */
  public static boolean notModified(String ifNoneMatch, RoutingTable table) {
    if (ifNoneMatch == null) {
      return false;
    }
    String tag = etag(table);
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.strip();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals("*") || c.equals(tag)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Parses the {@code index} query parameter.
   *
   * @throws IllegalArgumentException with a message fit for a 400 response
   */
  public static long parseIndex(String text) {
    try {
      long index = Long.parseLong(text.strip());
      if (index >= 0) {
        return index;
      }
    } catch (NumberFormatException | NullPointerException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException(
        "invalid index '" + text + "': expected a non-negative integer (the last version seen)");
  }
}
