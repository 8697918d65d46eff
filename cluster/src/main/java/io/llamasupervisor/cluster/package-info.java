/**
 * The cluster registry on etcd: {@link io.llamasupervisor.cluster.ClusterPublisher} writes one
 * node's routing table under a lease, {@link io.llamasupervisor.cluster.ClusterFollower} watches
 * every node's entries and serves the merged table. Key layout: {@link
 * io.llamasupervisor.cluster.ClusterKeys}.
 */
package io.llamasupervisor.cluster;
