package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Slot sizing and KV cache rules as observed with b10470 and the tiny model (n_ctx_train 2048). */
class ContextPlanTest {
  static ServerOptions options(int ctx, int np, String ctk, String ctv, String fa) {
    return new ServerOptions(
        "m.gguf",
        ctx,
        np,
        -1,
        "127.0.0.1",
        8080,
        ctk,
        ctv,
        fa,
        false,
        true,
        false,
        false,
        List.of(),
        List.of(),
        true,
        null,
        -1,
        false,
        30,
        false,
        3,
        2048,
        512,
        null);
  }

  static ModelInfo model(long ctxTrain, long headDim) {
    return new ModelInfo(
        "m.gguf", "llama", ctxTrain, 128, headDim, headDim, 512, 1, 1, 1, "F16", "");
  }

  @ParameterizedTest(name = "-c {0} -np {1} -> {2} slots of {3}")
  @CsvSource({
    "0,    -1, 4, 2048, true",
    "1024, -1, 4, 1024, true",
    "1000, -1, 4, 1024, true",
    "8192, -1, 4, 2048, true",
    "1024,  2, 2,  512, false",
    "1000,  3, 3,  512, false",
    "0,     1, 1, 2048, false",
  })
  void slotContext(int ctx, int np, int slots, long slotCtx, boolean unified) {
    ContextPlan p = ContextPlan.of(options(ctx, np, "f16", "f16", "auto"), model(2048, 32));
    assertEquals(slots, p.slots());
    assertEquals(slotCtx, p.slotCtx());
    assertEquals(unified, p.kvUnified());
    assertNull(p.error());
  }

  @Test
  void contextAboveTrainingIsCappedWithBothWarnings() {
    ContextPlan p = ContextPlan.of(options(4096, -1, "f16", "f16", "auto"), model(512, 32));
    assertEquals(512, p.slotCtx());
    assertEquals(
        List.of(
            "W llama_context: n_ctx_seq (4096) > n_ctx_train (512) -- possible training context overflow"),
        Lines.untimed(p.contextWarnings()));
    assertEquals(
        List.of(
            "W srv    load_model: the slot context (4096) exceeds the training context of the model (512) - capping"),
        Lines.untimed(p.slotWarnings()));
  }

  @Test
  void roundingToTheSlotCountWarns() {
    ContextPlan p = ContextPlan.of(options(1000, 3, "f16", "f16", "auto"), model(2048, 32));
    assertEquals(
        List.of("W llama_context: n_ctx is not divisible by n_seq_max - rounding down to 1536"),
        Lines.untimed(p.contextWarnings()));
  }

  @ParameterizedTest(name = "-ctk {0} -ctv {1} -fa {2} head {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "q8_0 | q8_0 | auto | 32 | ",
        "q8_0 | q8_0 | on   | 32 | ",
        "q8_0 | f16  | off  | 32 | ",
        "f16  | f16  | off  | 16 | ",
        "q8_0 | q8_0 | off  | 32 | quantized V cache requires flash_attn to be enabled",
        "f16  | q8_0 | off  | 32 | quantized V cache requires flash_attn to be enabled",
        "q4_0 | q8_0 | off  | 32 | quantized V cache requires flash_attn to be enabled",
        "q8_0 | f16  | auto | 16 | K cache type q8_0 with block size 32 does not divide n_embd_head_k=16",
        "f16  | iq4_nl | on | 16 | V cache type iq4_nl with block size 32 does not divide n_embd_head_v=16",
      })
  void kvCacheRules(String ctk, String ctv, String fa, long head, String error) {
    ContextPlan p = ContextPlan.of(options(1024, -1, ctk, ctv, fa), model(2048, head));
    assertEquals(error, p.error());
  }

  @Test
  void contextFailurePrintsTheRealSequence() {
    assertEquals(
        List.of(
            "E llama_init_from_model: quantized V cache requires flash_attn to be enabled",
            "E common_fit_params: encountered an error while trying to fit params to free device memory: failed to create llama_context from model",
            "E llama_init_from_model: quantized V cache requires flash_attn to be enabled",
            "E cmn  common_init_: failed to create context with model 'MODELS/tiny-llama-f16.gguf'",
            "E cmn  common_init_: failed to create context with model 'MODELS/tiny-llama-f16.gguf'",
            "E srv    load_model: failed to create_context with model 'MODELS/tiny-llama-f16.gguf'",
            "I srv    operator(): operator(): cleaning up before exit...",
            "E srv  llama_server: exiting due to model loading error"),
        Lines.untimed(
            Failures.context(
                "MODELS/tiny-llama-f16.gguf",
                "quantized V cache requires flash_attn to be enabled")));
  }
}
