package io.llamasupervisor.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SlotPoolTest {
  private final AtomicBoolean draining = new AtomicBoolean();
  private final SlotPool pool = new SlotPool(3, 512, draining::get);

  @Test
  void freshSlotsAreTakenHighestIdFirstThenLeastRecentlyUsed() throws Abandoned {
    SlotPool.Slot a = pool.acquire();
    SlotPool.Slot b = pool.acquire();
    assertEquals(2, a.id);
    assertEquals(1, b.id);
    pool.release(a);
    pool.release(b);
    assertEquals(0, pool.acquire().id);
    assertEquals(2, pool.acquire().id, "least recently used of the free ones");
    assertEquals(2, pool.busy());
  }

  private CompletableFuture<Object> waiter() {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return pool.acquire();
          } catch (Abandoned e) {
            return e;
          }
        });
  }

  @Test
  void requestsWaitInOrderUntilASlotFrees() throws Abandoned {
    SlotPool.Slot s0 = pool.acquire();
    pool.acquire();
    pool.acquire();
    CompletableFuture<Object> first = waiter();
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.deferred() == 1);
    CompletableFuture<Object> second = waiter();
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.deferred() == 2);
    pool.release(s0);
    SlotPool.Slot got =
        (SlotPool.Slot) first.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();
    assertEquals(s0.id, got.id);
    assertEquals(1, pool.deferred());
    draining.set(true);
    pool.wakeAll();
    assertInstanceOf(
        Abandoned.class, second.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join());
    assertEquals(0, pool.deferred());
  }

  @Test
  void describeShowsIdleSlotsLikeTheRealServer() throws Abandoned {
    assertEquals(
        "[{\"id\":0,\"n_ctx\":512,\"speculative\":false,\"is_processing\":false},"
            + "{\"id\":1,\"n_ctx\":512,\"speculative\":false,\"is_processing\":false},"
            + "{\"id\":2,\"n_ctx\":512,\"speculative\":false,\"is_processing\":false}]",
        ServerJson.write(pool.describe()));
    SlotPool.Slot s = pool.acquire();
    pool.update(s, () -> s.taskId = 7);
    assertEquals(true, pool.describe().get(2).get("is_processing"));
    assertEquals(7, pool.describe().get(2).get("id_task"));
  }
}
