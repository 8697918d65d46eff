package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class FixturesTest {
  @Test
  void everyFixtureIsByteIdenticalToTheSharedOne() throws NoSuchAlgorithmException {
    for (var e : Fixtures.SHA256.entrySet()) {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Fixtures.bytes(e.getKey()));
      assertEquals(e.getValue(), HexFormat.of().formatHex(digest), e.getKey());
    }
  }
}
