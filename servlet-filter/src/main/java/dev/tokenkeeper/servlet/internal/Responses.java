package dev.tokenkeeper.servlet.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Small helpers for the responses the filter writes itself. */
public final class Responses {
  private Responses() {}

  // Not RFC_1123_DATE_TIME: it writes a one-digit day ("6 Nov"), which IMF-fixdate forbids.
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  /** Writes a JSON error body; the caller has set any extra header before. */
  public static void json(HttpServletResponse response, int status, Map<String, ?> body)
      throws IOException {
    response.resetBuffer();
    response.setStatus(status);
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    byte[] bytes = JSONObjectUtils.toJSONString(new LinkedHashMap<String, Object>(body))
        .getBytes(StandardCharsets.UTF_8);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
    response.flushBuffer();
  }

  /** An IMF-fixdate (RFC 9110, section 5.6.7), e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  public static String httpDate(Instant instant) {
    return HTTP_DATE.format(instant.atOffset(ZoneOffset.UTC));
  }
}
