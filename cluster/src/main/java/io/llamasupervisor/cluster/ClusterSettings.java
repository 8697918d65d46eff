package io.llamasupervisor.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a node takes part in a cluster. Immutable; made with {@link #of}, {@link #builder} or {@link
 * #toBuilder()}.
 *
 * @param endpoints etcd client URLs ({@code http://host:port}), at least one
 * @param cluster names the cluster: every key lives under {@code /llama-supervisor/<cluster>/}
 * @param node this node's name, unique among live nodes; null for a follower that publishes nothing
 *     (a standalone gateway)
 * @param advertiseHost the host other nodes reach this node's backends on: a backend published on a
 *     loopback or wildcard address is published on this host instead; null keeps urls as they are
 * @param leaseTtl lifetime of the node's lease: a node that stops renewing it (killed, cut off)
 *     leaves every table this long after its last renewal; at least 2 s (etcd's minimum)
 * @param keepAliveInterval how often the lease is renewed; below {@code leaseTtl}
 * @param requestTimeout deadline of one etcd request; also how long the follower waits for a quorum
 *     read before it calls its table stale
 * @param maxBackoff cap of the jittered, doubling delay between retries while etcd is unreachable
 */
public record ClusterSettings(
    List<URI> endpoints,
    String cluster,
    String node,
    String advertiseHost,
    Duration leaseTtl,
    Duration keepAliveInterval,
    Duration requestTimeout,
    Duration maxBackoff) {

  /** Default lease lifetime. */
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);

  /** Default renewal interval. */
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(3);

  /** Default cluster name. */
  public static final String DEFAULT_CLUSTER = "default";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  public ClusterSettings {
    Objects.requireNonNull(endpoints, "endpoints");
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("cluster needs at least one etcd endpoint");
    }
    endpoints = List.copyOf(endpoints);
    requireName(cluster, "cluster name");
    if (node != null) {
      requireName(node, "node name");
    }
    if (advertiseHost != null && advertiseHost.isBlank()) {
      advertiseHost = null;
    }
    if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0 || leaseTtl.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException(
          "cluster lease TTL must be whole seconds, at least 2s (etcd's minimum), was " + leaseTtl);
    }
    if (keepAliveInterval.isNegative()
        || keepAliveInterval.isZero()
        || keepAliveInterval.compareTo(leaseTtl) >= 0) {
      throw new IllegalArgumentException(
          "cluster keep-alive interval must be positive and below the lease TTL "
              + leaseTtl
              + ", was "
              + keepAliveInterval);
    }
    requirePositive(requestTimeout, "cluster request timeout");
    requirePositive(maxBackoff, "cluster maximum backoff");
  }

  /** Settings with the defaults: 10 s lease, renewed every 3 s, 2 s requests, 5 s backoff cap. */
  public static ClusterSettings of(
      List<URI> endpoints, String cluster, String node, String advertiseHost) {
    return builder(endpoints, cluster).node(node).advertiseHost(advertiseHost).build();
  }

  /**
   * A builder for a follower of {@code cluster} through {@code endpoints}, with no node name, no
   * advertise host and the defaults of {@link #of}.
   */
  public static Builder builder(List<URI> endpoints, String cluster) {
    return new Builder(endpoints, cluster);
  }

  /** A builder that starts from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder(endpoints, cluster);
    b.node = node;
    b.advertiseHost = advertiseHost;
    b.leaseTtl = leaseTtl;
    b.keepAliveInterval = keepAliveInterval;
    b.requestTimeout = requestTimeout;
    b.maxBackoff = maxBackoff;
    return b;
  }

  /** Collects fields; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private List<URI> endpoints;
    private final String cluster;
    private String node;
    private String advertiseHost;
    private Duration leaseTtl = DEFAULT_LEASE_TTL;
    private Duration keepAliveInterval = DEFAULT_KEEP_ALIVE;
    private Duration requestTimeout = Duration.ofSeconds(2);
    private Duration maxBackoff = Duration.ofSeconds(5);

    private Builder(List<URI> endpoints, String cluster) {
      this.endpoints = endpoints;
      this.cluster = cluster;
    }

    public Builder endpoints(List<URI> value) {
      endpoints = value;
      return this;
    }

    /** This node's name; null: follow only. */
    public Builder node(String value) {
      node = value;
      return this;
    }

    public Builder advertiseHost(String value) {
      advertiseHost = value;
      return this;
    }

    /** A lease of {@code ttl}, renewed every {@code keepAlive}. */
    public Builder lease(Duration ttl, Duration keepAlive) {
      leaseTtl = ttl;
      keepAliveInterval = keepAlive;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the first invalid field
     */
    public ClusterSettings build() {
      return new ClusterSettings(
          endpoints,
          cluster,
          node,
          advertiseHost,
          leaseTtl,
          keepAliveInterval,
          requestTimeout,
          maxBackoff);
    }
  }

  /**
   * Parses {@code etcd://host1:2379,host2:2379} (also {@code http://…} and bare {@code host:port}
   * lists; a missing port is 2379) into client URLs.
   *
   * @throws IllegalArgumentException naming the part that is not a {@code host:port}
   */
  public static List<URI> parseEndpoints(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "cluster endpoints must not be empty: expected etcd://host1:2379,host2:2379");
    }
    String rest = text.strip();
    String scheme = "http";
    int sep = rest.indexOf("://");
    int comma = rest.indexOf(',');
    if (sep >= 0 && (comma < 0 || sep < comma)) {
      String given = rest.substring(0, sep);
      if (!given.equals("etcd") && !given.equals("http")) {
        throw new IllegalArgumentException(
            "invalid cluster endpoints '"
                + text
                + "': the scheme must be etcd:// or http://, was "
                + given
                + "://");
      }
      rest = rest.substring(sep + 3);
    }
    List<URI> out = new ArrayList<>();
    for (String part : rest.split(",")) {
      String hp = part.strip();
      if (hp.startsWith("http://")) {
        hp = hp.substring("http://".length());
      }
      if (hp.endsWith("/")) {
        hp = hp.substring(0, hp.length() - 1);
      }
      if (hp.isEmpty() || hp.contains("/") || hp.contains("@")) {
        throw badEndpoint(part, text);
      }
      URI uri;
      try {
        uri = URI.create(scheme + "://" + hp);
      } catch (IllegalArgumentException e) {
        throw badEndpoint(part, text);
      }
      if (uri.getHost() == null) {
        throw badEndpoint(part, text);
      }
      out.add(uri.getPort() < 0 ? URI.create(scheme + "://" + hp + ":2379") : uri);
    }
    return List.copyOf(out);
  }

  private static IllegalArgumentException badEndpoint(String part, String text) {
    return new IllegalArgumentException(
        "invalid cluster endpoint '" + part.strip() + "' in '" + text + "': expected host:port");
  }

  private static void requireName(String value, String what) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "invalid "
              + what
              + " '"
              + value
              + "': expected 1-63 letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit");
    }
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + d);
    }
  }
}
