package io.llamasupervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The url a node's own backend is known by in the cluster table. */
class AdvertisedTest {
  @Test
  void loopbackAndWildcardUrlsMoveToTheAdvertiseHost() {
    assertEquals("http://10.0.0.11:39001", Advertised.url("http://127.0.0.1:39001", "10.0.0.11"));
    assertEquals("http://10.0.0.11:39001", Advertised.url("http://0.0.0.0:39001", "10.0.0.11"));
    assertEquals("http://10.0.0.11:39001", Advertised.url("http://localhost:39001", "10.0.0.11"));
    assertEquals("http://10.0.0.11:39001", Advertised.url("http://[::1]:39001", "10.0.0.11"));
  }

  @Test
  void otherUrlsStayAsTheyAre() {
    assertEquals("http://127.0.0.2:39001", Advertised.url("http://127.0.0.2:39001", "10.0.0.11"));
    assertEquals("http://127.0.0.1:39001", Advertised.url("http://127.0.0.1:39001", null));
    assertEquals("not a url", Advertised.url("not a url", "10.0.0.11"));
  }
}
