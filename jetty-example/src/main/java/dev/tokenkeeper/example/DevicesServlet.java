package dev.tokenkeeper.example;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /devices}: {@code POST ?device=NAME} registers a device for this browser's session (made
 * if needed) and answers its server-made endpoint id; {@code GET} lists the session's devices.
 * The example's stand-in for a sign-in: the key a later {@code /app/call?device=NAME} uses is the
 * one bound here, on the server (see {@link SessionDevices}).
 *
 * <p>Thread-safe: it has no state of its own; a session's devices are kept by
 * {@link SessionDevices}, which guards them.
 */
public final class DevicesServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("devices", SessionDevices.of(getServletContext(), request.getSession(false)));
    Web.writeJson(response, json);
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String device = request.getParameter(SessionDevices.PARAMETER);
    Map<String, Object> json = new LinkedHashMap<>();
    if (device == null || !SessionDevices.NAME.matcher(device).matches()) {
      json.put("error", "invalid_device");
      json.put("error_description", "device must be 1 to 40 letters, digits, '_' or '-'");
      Web.writeJson(response, 400, Map.of(), json);
      return;
    }
    if (SessionDevices.SHARED_DEVICE.equals(device)) {
      String shared = SessionDevices.shared(getServletContext());
      if (shared != null) {
        json.put("device", device);
        json.put("endpoint_id", shared);
        Web.writeJson(response, json);
        return;
      }
      json.put("error", "invalid_device");
      json.put("error_description", "'" + device + "' is reserved for --shared-endpoint-id");
      Web.writeJson(response, 400, Map.of(), json);
      return;
    }
    try {
      String id = SessionDevices.register(request.getSession(true), device);
      json.put("device", device);
      json.put("endpoint_id", id);
      Web.writeJson(response, json);
    } catch (IllegalStateException e) {
      json.put("error", "too_many_devices");
      json.put("error_description", e.getMessage());
      Web.writeJson(response, 409, Map.of(), json);
    }
  }
}
