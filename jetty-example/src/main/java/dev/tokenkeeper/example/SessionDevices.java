package dev.tokenkeeper.example;

import dev.tokenkeeper.servlet.EndpointIdResolver;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The example's keys: each browser session registers a few named devices ({@code laptop},
 * {@code phone}, …), and the server makes an endpoint id for each and keeps the mapping in the
 * session. A request picks one of its own session's devices with {@code ?device=NAME}; the key
 * is whatever the server bound to that name. Nothing the browser sends selects a key on its own:
 * a request without a session, or naming a device its session has not registered, has no key
 * (the filter answers with its session-ended policy and requests no token), and a header such as
 * {@code X-Endpoint-Id} is not read at all.
 *
 * <p>With {@code --shared-endpoint-id NAME} (context-param {@value #SHARED_PARAM}) the operator
 * adds one key every page shares: the device {@value #SHARED_DEVICE} resolves to {@code NAME}
 * for every request, with or without a session. The client still only names the device; the key
 * is the one the server was started with, so several instances on one Redis use one key.
 *
 * <p>{@code web.xml}: {@code endpoint-id = class:dev.tokenkeeper.example.SessionDevices}.
 * Thread-safe: stateless; a session's map is synchronized.
 */
public final class SessionDevices implements EndpointIdResolver {

  /** The session attribute holding the device name → endpoint id map. */
  public static final String ATTRIBUTE = "dev.tokenkeeper.example.devices";

  /** The request parameter naming the device. */
  public static final String PARAMETER = "device";

  /** Devices one session may register: a bound, so one browser cannot hold unlimited tokens. */
  public static final int MAX_DEVICES = 8;

  /** A device name: what the page shows; the endpoint id adds a random suffix to it. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_\\-]{1,40}");

  /** Context-param: the operator's shared endpoint id ({@code --shared-endpoint-id}). */
  public static final String SHARED_PARAM = "example.shared-endpoint-id";

  /** The device name of the shared endpoint id; a session cannot register it as its own. */
  public static final String SHARED_DEVICE = "shared";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

  /** For {@code class:} in {@code web.xml}. */
  public SessionDevices() {}

  @Override
  public String resolve(HttpServletRequest request) {
    String device = request.getParameter(PARAMETER);
    if (SHARED_DEVICE.equals(device)) {
      return shared(request.getServletContext());
    }
    HttpSession session = request.getSession(false);
    if (device == null || session == null) {
      return null;
    }
    return devices(session).get(device);
  }

  /** The operator's shared endpoint id, or {@code null} when none was configured. */
  public static String shared(ServletContext context) {
    String id = context.getInitParameter(SHARED_PARAM);
    return id == null || id.isBlank() ? null : id.strip();
  }

  /**
   * The devices a request may name (name → endpoint id): {@value #SHARED_DEVICE} first when the
   * operator configured it, then this session's in registration order; a copy.
   */
  public static Map<String, String> of(ServletContext context, HttpSession session) {
    Map<String, String> all = new LinkedHashMap<>();
    String shared = shared(context);
    if (shared != null) {
      all.put(SHARED_DEVICE, shared);
    }
    if (session != null) {
      Map<String, String> devices = devices(session);
      synchronized (devices) {
        all.putAll(devices);
      }
    }
    return all;
  }

  /**
   * Binds {@code device} to a new endpoint id in {@code session}, or returns the one it has.
   *
   * @throws IllegalArgumentException the name breaks {@link #NAME}
   * @throws IllegalStateException the session already has {@link #MAX_DEVICES} devices
   */
  public static String register(HttpSession session, String device) {
    if (device == null || !NAME.matcher(device).matches()) {
      throw new IllegalArgumentException("a device name is 1 to 40 letters, digits, '_' or '-'");
    }
    if (SHARED_DEVICE.equals(device)) {
      throw new IllegalArgumentException("'" + SHARED_DEVICE + "' is the operator's shared key"
          + " (--shared-endpoint-id), not a session's device; choose another name");
    }
    Map<String, String> devices = devices(session);
    synchronized (devices) {
      String id = devices.get(device);
      if (id != null) {
        return id;
      }
      if (devices.size() >= MAX_DEVICES) {
        throw new IllegalStateException("this browser session already has " + MAX_DEVICES
            + " devices, the most it may register");
      }
      id = device + "-" + suffix();
      devices.put(device, id);
      return id;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> devices(HttpSession session) {
    // The map is created once per session; session attribute writes are not atomic, so lock it.
    synchronized (SessionDevices.class) {
      Object value = session.getAttribute(ATTRIBUTE);
      if (value instanceof Map<?, ?> map) {
        return (Map<String, String>) map;
      }
      Map<String, String> devices = Collections.synchronizedMap(new LinkedHashMap<>());
      session.setAttribute(ATTRIBUTE, devices);
      return devices;
    }
  }

  private static String suffix() {
    char[] out = new char[10];
    for (int i = 0; i < out.length; i++) {
      out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(out);
  }

  @Override
  public String toString() {
    return "the browser session's devices (?" + PARAMETER + "=NAME)";
  }
}
