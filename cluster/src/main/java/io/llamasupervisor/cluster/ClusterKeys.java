package io.llamasupervisor.cluster;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The key layout of one cluster in etcd:
 *
 * <ul>
 *   <li>{@code /llama-supervisor/<cluster>/nodes/<node>/info}: who holds the node name (JSON {@link
 *       NodeInfo}); created only if absent, so two live processes cannot publish as one node;
 *   <li>{@code /llama-supervisor/<cluster>/nodes/<node>/models/<model id>}: one model of that
 *       node's table, as a one-model routing table (epoch and version of the node's local table).
 * </ul>
 *
 * Every key of a node is attached to the node's lease, so they all vanish together, in one
 * revision, when the lease expires or is revoked.
 */
public final class ClusterKeys {
  private final String cluster;
  private final String nodesPrefix;

  /** The layout of {@code cluster}. */
  public ClusterKeys(String cluster) {
    this.cluster = cluster;
    this.nodesPrefix = "/llama-supervisor/" + cluster + "/nodes/";
  }

  /** The cluster's name. */
  public String cluster() {
    return cluster;
  }

  /** Prefix of every node's keys. */
  public String nodesPrefix() {
    return nodesPrefix;
  }

  /** Prefix of one node's keys. */
  public String nodePrefix(String node) {
    return nodesPrefix + node + "/";
  }

  /** The node-name claim of {@code node}. */
  public String info(String node) {
    return nodePrefix(node) + "info";
  }

  /** The entry of model {@code modelId} on {@code node}. */
  public String model(String node, String modelId) {
    return nodePrefix(node) + "models/" + modelId;
  }

  /** A model entry's node and model id, or empty for any other key. */
  public Optional<ModelKey> parseModel(String key) {
    if (!key.startsWith(nodesPrefix)) {
      return Optional.empty();
    }
    String rest = key.substring(nodesPrefix.length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || !rest.startsWith("models/", slash + 1)) {
      return Optional.empty();
    }
    String id = rest.substring(slash + 1 + "models/".length());
    return id.isEmpty()
        ? Optional.empty()
        : Optional.of(new ModelKey(rest.substring(0, slash), id));
  }

  /** A node's model entry key, parsed. */
  public record ModelKey(String node, String modelId) {}

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
