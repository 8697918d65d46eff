package io.llamasupervisor.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard: static files from the jar ({@code io/llamasupervisor/api/ui/}) under {@code /ui/}.
 * Every file has an {@code ETag} (its SHA-256) and {@code Cache-Control: no-cache}, so a browser
 * revalidates and gets 304 until the jar changes; {@code X-Content-Type-Options: nosniff} and a
 * Content-Security-Policy that allows nothing but this origin. {@code /ui} redirects to {@code
 * /ui/}. The files hold no data, so they are served without an API key; the page's data calls carry
 * one.
 */
@Controller
final class UiController {
  static final String ROOT = "io/llamasupervisor/api/ui/";
  static final String CSP =
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private static final Pattern SAFE =
      Pattern.compile("[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*");
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png",
          "ico", "image/x-icon",
          "json", "application/json");

  private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

  private record Asset(byte[] bytes, String type, String etag) {}

  /** Whether {@code request} asks for a dashboard file (served without an API key). */
  static boolean isStaticRequest(HttpRequest<?> request) {
    String p = request.getPath();
    return (request.getMethod() == HttpMethod.GET || request.getMethod() == HttpMethod.HEAD)
        && (p.equals("/ui") || p.startsWith("/ui/"));
  }

  /** The page itself, at {@code /ui} and {@code /ui/} (it names its files by absolute paths). */
  @Get("/ui")
  MutableHttpResponse<?> index(@Nullable @Header(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
    return file("index.html", ifNoneMatch);
  }

  @Get("/ui/{+path}")
  MutableHttpResponse<?> file(
      @PathVariable("path") String path,
      @Nullable @Header(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
    Optional<Asset> asset = SAFE.matcher(path).matches() ? load(path) : Optional.empty();
    if (asset.isEmpty()) {
      return ApiErrors.response(HttpStatus.NOT_FOUND, "not_found", "no dashboard file " + path);
    }
    Asset a = asset.get();
    MutableHttpResponse<?> r =
        a.etag().equals(ifNoneMatch) ? HttpResponse.notModified() : HttpResponse.ok(a.bytes());
    return r.header(HttpHeaders.CONTENT_TYPE, a.type())
        .header(HttpHeaders.ETAG, a.etag())
        .header(HttpHeaders.CACHE_CONTROL, "no-cache")
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", CSP)
        .header("Referrer-Policy", "no-referrer");
  }

  private Optional<Asset> load(String path) {
    return cache.computeIfAbsent(path, UiController::read);
  }

  private static Optional<Asset> read(String path) {
    int dot = path.lastIndexOf('.');
    String type = dot < 0 ? null : TYPES.get(path.substring(dot + 1));
    if (type == null) {
      return Optional.empty();
    }
    try (InputStream in = UiController.class.getClassLoader().getResourceAsStream(ROOT + path)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      String etag =
          "\""
              + HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
                  .substring(0, 32)
              + "\"";
      return Optional.of(new Asset(bytes, type, etag));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read dashboard file " + path, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
