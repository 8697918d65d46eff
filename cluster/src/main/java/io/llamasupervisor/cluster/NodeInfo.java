package io.llamasupervisor.cluster;

import java.time.Instant;

/**
 * The value of a node's claim key: which process publishes as {@code node}.
 *
 * @param node the node name
 * @param advertiseHost where its backends are reached (null: as published)
 * @param lease the etcd lease its keys are attached to, in hex
 * @param since when this process claimed the name
 */
public record NodeInfo(String node, String advertiseHost, String lease, Instant since) {}
