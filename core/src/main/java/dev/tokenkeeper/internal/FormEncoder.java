package dev.tokenkeeper.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code application/x-www-form-urlencoded} encoding (HTML 4.01, section 17.13.4, as required by
 * RFC 6749, appendix B): UTF-8, space as {@code +}. Not part of the API.
 */
public final class FormEncoder {
  /** The {@code Content-Type} of every form TokenKeeper sends. */
  public static final String CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8";

  private FormEncoder() {}

  /** One name or value, form-urlencoded. */
  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** The body {@code name=value&name=value} in the map's iteration order. */
  public static String encode(Map<String, String> form) {
    StringBuilder body = new StringBuilder();
    for (Map.Entry<String, String> field : form.entrySet()) {
      if (body.length() > 0) {
        body.append('&');
      }
      body.append(encode(field.getKey())).append('=').append(encode(field.getValue()));
    }
    return body.toString();
  }
}
