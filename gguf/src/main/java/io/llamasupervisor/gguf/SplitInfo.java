package io.llamasupervisor.gguf;

/**
 * Split metadata of one shard.
 *
 * @param no zero-based shard index ({@code split.no})
 * @param count number of shards ({@code split.count})
 * @param tensorsCount total tensors over all shards ({@code split.tensors.count}), -1 if absent
 */
public record SplitInfo(int no, int count, long tensorsCount) {}
