package io.llamasupervisor.api;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** {@code GET /openapi.yml}: the API's OpenAPI 3 document, served as written. Open. */
@Controller
final class OpenApiController {
  static final String RESOURCE = "openapi.yml";

  private final byte[] document = load();

  @Get(uri = "/openapi.yml", produces = RoutesController.YAML)
  MutableHttpResponse<byte[]> openApi() {
    return HttpResponse.ok(document).contentType(RoutesController.YAML);
  }

  static byte[] load() {
    try (InputStream in = OpenApiController.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
