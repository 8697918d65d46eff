package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MaskedArgvTest {
  @Test
  void secretValuesAreMaskedInBothForms() {
    assertEquals(
        List.of("llama-server", "--api-key", "***", "--hf-token=***", "--port", "8080"),
        DefaultProcessLauncher.masked(
            List.of("llama-server", "--api-key", "k1", "--hf-token=t2", "--port", "8080")));
    assertEquals(List.of("--api-key"), DefaultProcessLauncher.masked(List.of("--api-key")));
  }
}
