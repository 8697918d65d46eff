package io.llamasupervisor.testkit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The server's {@code -np} slots. A request takes a free slot (least recently used, like
 * llama-server's LRU choice; never-used slots first, highest id first) or waits in arrival order
 * until one frees. Draining wakes every waiter so it can give up.
 */
final class SlotPool {
  /** One slot and what {@code /slots} shows about it. */
  static final class Slot {
    final int id;
    boolean busy;
    long lastUsed = -1;
    int taskId = -1;
    int promptTokens;
    int decoded;
    int remain;
    Map<String, Object> params;

    Slot(int id) {
      this.id = id;
    }
  }

  private final List<Slot> slots = new ArrayList<>();
  private final long slotCtx;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Deque<Object> queue = new ArrayDeque<>();
  private final BooleanSupplier draining;
  private long useCounter;

  SlotPool(int count, long slotCtx, BooleanSupplier draining) {
    for (int i = 0; i < count; i++) {
      slots.add(new Slot(i));
    }
    this.slotCtx = slotCtx;
    this.draining = draining;
  }

  int size() {
    return slots.size();
  }

  long slotCtx() {
    return slotCtx;
  }

  /**
   * Takes a slot, waiting for one in arrival order.
   *
   * @throws Abandoned when the server starts draining first
   */
  Slot acquire() throws Abandoned {
    Object ticket = new Object();
    lock.lock();
    try {
      queue.addLast(ticket);
      try {
        while (true) {
          if (draining.getAsBoolean()) {
            throw new Abandoned();
          }
          Slot free = queue.peekFirst() == ticket ? pick() : null;
          if (free != null) {
            free.busy = true;
            free.lastUsed = ++useCounter;
            return free;
          }
          changed.awaitUninterruptibly();
        }
      } finally {
        queue.remove(ticket);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  private Slot pick() {
    Slot best = null;
    for (Slot s : slots) {
      if (!s.busy && (best == null || s.lastUsed <= best.lastUsed)) {
        best = s;
      }
    }
    return best;
  }

  void release(Slot s) {
    lock.lock();
    try {
      s.busy = false;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes waiting requests so they notice the server is draining. */
  void wakeAll() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  int busy() {
    lock.lock();
    try {
      int n = 0;
      for (Slot s : slots) {
        n += s.busy ? 1 : 0;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Requests waiting for a slot ({@code llamacpp:requests_deferred}). */
  int deferred() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code update} on a slot's fields under the pool's lock. */
  void update(Slot s, Runnable update) {
    lock.lock();
    try {
      update.run();
    } finally {
      lock.unlock();
    }
  }

  /** The {@code /slots} body. */
  List<Map<String, Object>> describe() {
    lock.lock();
    try {
      List<Map<String, Object>> out = new ArrayList<>();
      for (Slot s : slots) {
        Map<String, Object> m =
            ServerJson.object(
                "id", s.id, "n_ctx", slotCtx, "speculative", false, "is_processing", s.busy);
        if (s.taskId >= 0) {
          m.put("id_task", s.taskId);
          m.put("n_prompt_tokens", s.promptTokens);
          m.put("n_prompt_tokens_processed", s.busy ? 1 : 0);
          m.put("n_prompt_tokens_cache", 0);
          m.put("params", s.params);
          m.put(
              "next_token",
              List.of(
                  ServerJson.object(
                      "has_next_token",
                      s.busy,
                      "has_new_line",
                      false,
                      "n_remain",
                      s.remain,
                      "n_decoded",
                      s.decoded)));
        }
        out.add(m);
      }
      return out;
    } finally {
      lock.unlock();
    }
  }
}
