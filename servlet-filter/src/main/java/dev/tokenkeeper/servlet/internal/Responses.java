package dev.tokenkeeper.servlet.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers for the responses the filter writes itself. */
public final class Responses {
  private Responses() {}

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
    return HttpDates.format(instant);
  }
}
