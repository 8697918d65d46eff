package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {
  @Test
  void secretValuesAreMaskedInBothForms() {
    assertEquals(
        List.of("llama-server", "--api-key", "***", "--hf-token=***", "--port", "8080"),
        Secrets.maskArgv(
            List.of("llama-server", "--api-key", "k1", "--hf-token=t2", "--port", "8080")));
    assertEquals(List.of("--api-key"), Secrets.maskArgv(List.of("--api-key")));
  }

  @Test
  void secretLookingEnvironmentVariablesAreMasked() {
    assertEquals(
        Map.of("HF_TOKEN", "***", "LLAMA_API_KEY", "***", "db_password", "***", "PATH", "/bin"),
        Secrets.maskEnv(
            Map.of("HF_TOKEN", "t", "LLAMA_API_KEY", "k", "db_password", "p", "PATH", "/bin")));
  }
}
