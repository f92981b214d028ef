package dev.tokenkeeper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An authorization grant (RFC 6749, section 1.3): the {@code grant_type} of a token request and
 * the form parameters that belong to it. One record per grant type of RingCentral's token API
 * (which also covers RFC 6749's grants, RFC 7523's JWT bearer grant and RFC 8628's device code),
 * plus {@link #custom} for extension grants.
 *
 * <p>Records are immutable and thread-safe, validate themselves on construction with messages
 * that name the field and the rule, and never show a secret in {@code toString()}.
 */
public sealed interface Grant
    permits Grant.AuthorizationCode,
        Grant.Password,
        Grant.RefreshToken,
        Grant.ClientCredentials,
        Grant.JwtBearer,
        Grant.PartnerJwt,
        Grant.PersonalJwt,
        Grant.DeviceCode,
        Grant.DeviceCertificate,
        Grant.Otp,
        Grant.IvrPin,
        Grant.Guest,
        Grant.Custom {

  /** The {@code grant_type} wire value. */
  String grantType();

  /**
   * The grant's own form parameters, without {@code grant_type}, in a stable order; absent
   * optional fields are left out. The map is unmodifiable and holds secrets: do not log it.
   */
  Map<String, String> parameters();

  // ---- factories -------------------------------------------------------------------------

  /** {@code password}: the resource owner's user name and password (RFC 6749, section 4.3). */
  static Password password(String username, String password) {
    return new Password(username, password, null, null);
  }

  /** {@code authorization_code} without PKCE (RFC 6749, section 4.1.3). */
  static AuthorizationCode authorizationCode(String code, String redirectUri) {
    return new AuthorizationCode(code, redirectUri, null);
  }

  /** {@code authorization_code} with the PKCE {@code code_verifier} (RFC 7636, section 4.5). */
  static AuthorizationCode authorizationCode(String code, String redirectUri, String codeVerifier) {
    return new AuthorizationCode(code, redirectUri, codeVerifier);
  }

  /**
   * {@code authorization_code} with the PKCE {@code code_verifier} of {@code pkce} (RFC 7636,
   * section 4.5).
   */
  static AuthorizationCode authorizationCode(String code, String redirectUri, Pkce pkce) {
    java.util.Objects.requireNonNull(pkce, "pkce");
    return new AuthorizationCode(code, redirectUri, pkce.verifier());
  }

  /** {@code refresh_token} (RFC 6749, section 6). */
  static RefreshToken refreshToken(String refreshToken) {
    return new RefreshToken(refreshToken);
  }

  /** {@code client_credentials} with no extra parameter (RFC 6749, section 4.4). */
  static ClientCredentials clientCredentials() {
    return new ClientCredentials(null, null, null);
  }

  /** The JWT bearer grant with {@code assertion} (RFC 7523, section 2.1). */
  static JwtBearer jwtBearer(String assertion) {
    return new JwtBearer(assertion);
  }

  /**
   * An extension grant (RFC 6749, section 4.5): {@code grant_type} and its form parameters,
   * sent as given.
   */
  static Custom custom(String grantType, Map<String, String> parameters) {
    return new Custom(grantType, parameters);
  }

  // ---- shapes ----------------------------------------------------------------------------

  /**
   * {@code authorization_code} (RFC 6749, section 4.1); PKCE {@code code_verifier} optional.
   * Immutable.
   */
  record AuthorizationCode(String code, String redirectUri, String codeVerifier) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public AuthorizationCode {
      Fields.required("code", code, "authorization_code");
      Fields.required("redirect_uri", redirectUri, "authorization_code");
      Fields.optional("code_verifier", codeVerifier);
    }

    @Override public String grantType() { return "authorization_code"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("code", code, "redirect_uri", redirectUri, "code_verifier", codeVerifier);
    }

    @Override public String toString() {
      return "AuthorizationCode[code=██, redirectUri=" + redirectUri
          + ", codeVerifier=" + (codeVerifier == null ? "null" : "██") + "]";
    }
  }

  /**
   * {@code password} (RFC 6749, section 4.3; also RingCentral's legacy password request):
   * {@code username}, {@code password}, and the deprecated {@code extension} and {@code pin}.
   * Immutable.
   */
  record Password(String username, String password, String extension, String pin) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public Password {
      Fields.required("username", username, "password");
      Fields.required("password", password, "password");
      Fields.optional("extension", extension);
      Fields.optional("pin", pin);
    }

    /** The same grant with an extension short number. */
    public Password withExtension(String extension) {
      return new Password(username, password, extension, pin);
    }

    @Override public String grantType() { return "password"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("username", username, "password", password,
          "extension", extension, "pin", pin);
    }

    @Override public String toString() {
      return "Password[username=" + username + ", password=██, extension=" + extension
          + ", pin=" + (pin == null ? "null" : "██") + "]";
    }
  }

  /** {@code refresh_token} (RFC 6749, section 6). Immutable. */
  record RefreshToken(String refreshToken) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public RefreshToken {
      Fields.required("refresh_token", refreshToken, "refresh_token");
    }

    @Override public String grantType() { return "refresh_token"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("refresh_token", refreshToken);
    }

    @Override public String toString() { return "RefreshToken[refreshToken=██]"; }
  }

  /**
   * {@code client_credentials} (RFC 6749, section 4.4): plain, with RingCentral's
   * {@code account_id}, or with its {@code brand_id} and {@code partner_account_id}. Immutable.
   */
  record ClientCredentials(String accountId, String brandId, String partnerAccountId)
      implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public ClientCredentials {
      Fields.optional("account_id", accountId);
      Fields.optional("brand_id", brandId);
      Fields.optional("partner_account_id", partnerAccountId);
      if (partnerAccountId != null && brandId == null) {
        throw new IllegalArgumentException(
            "partner_account_id requires brand_id: set brand_id as well");
      }
      if (accountId != null && brandId != null) {
        throw new IllegalArgumentException(
            "client_credentials takes either account_id or brand_id (with an optional"
                + " partner_account_id), not both");
      }
    }

    /** {@code client_credentials} for RingCentral's {@code account_id}. */
    public static ClientCredentials forAccount(String accountId) {
      Fields.required("account_id", accountId, "client_credentials");
      return new ClientCredentials(accountId, null, null);
    }

    /**
     * {@code client_credentials} for RingCentral's {@code brand_id}, and {@code partner_account_id}
     * unless it is {@code null}.
     */
    public static ClientCredentials forBrand(String brandId, String partnerAccountId) {
      Fields.required("brand_id", brandId, "client_credentials");
      return new ClientCredentials(null, brandId, partnerAccountId);
    }

    @Override public String grantType() { return "client_credentials"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("account_id", accountId, "brand_id", brandId,
          "partner_account_id", partnerAccountId);
    }
  }

  /** {@code urn:ietf:params:oauth:grant-type:jwt-bearer} (RFC 7523, section 2.1). Immutable. */
  record JwtBearer(String assertion) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public JwtBearer {
      Fields.required("assertion", assertion, "urn:ietf:params:oauth:grant-type:jwt-bearer");
    }

    @Override public String grantType() { return "urn:ietf:params:oauth:grant-type:jwt-bearer"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("assertion", assertion);
    }

    @Override public String toString() { return "JwtBearer[assertion=██]"; }
  }

  /** {@code partner_jwt}, RingCentral's partner JWT grant. Immutable. */
  record PartnerJwt(String assertion) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public PartnerJwt {
      Fields.required("assertion", assertion, "partner_jwt");
    }

    @Override public String grantType() { return "partner_jwt"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("assertion", assertion);
    }

    @Override public String toString() { return "PartnerJwt[assertion=██]"; }
  }

  /**
   * {@code personal_jwt}. RingCentral's API names the grant type but gives it no fields of its own;
   * like the other JWT grants it carries the token in {@code assertion}. Immutable.
   */
  record PersonalJwt(String assertion) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public PersonalJwt {
      Fields.required("assertion", assertion, "personal_jwt");
    }

    @Override public String grantType() { return "personal_jwt"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("assertion", assertion);
    }

    @Override public String toString() { return "PersonalJwt[assertion=██]"; }
  }

  /** {@code urn:ietf:params:oauth:grant-type:device_code} (RFC 8628, section 3.4). Immutable. */
  record DeviceCode(String deviceCode) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public DeviceCode {
      Fields.required("device_code", deviceCode, "urn:ietf:params:oauth:grant-type:device_code");
    }

    @Override public String grantType() { return "urn:ietf:params:oauth:grant-type:device_code"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("device_code", deviceCode);
    }

    @Override public String toString() { return "DeviceCode[deviceCode=██]"; }
  }

  /**
   * {@code device_certificate}. RingCentral's API gives it no fields of its own: the device proves itself
   * with its TLS client certificate, configured on the {@code HttpClient}'s {@code SSLContext}.
   * Immutable.
   */
  record DeviceCertificate() implements Grant {
    @Override public String grantType() { return "device_certificate"; }

    @Override public Map<String, String> parameters() { return Map.of(); }
  }

  /** {@code otp}, RingCentral's one-time password grant: the password in {@code code}; immutable. */
  record Otp(String code) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public Otp {
      Fields.required("code", code, "otp");
    }

    @Override public String grantType() { return "otp"; }

    @Override public Map<String, String> parameters() { return Fields.params("code", code); }

    @Override public String toString() { return "Otp[code=██]"; }
  }

  /** {@code ivr_pin}, RingCentral's IVR PIN grant. Immutable. */
  record IvrPin(String ivrPin) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public IvrPin {
      Fields.required("ivr_pin", ivrPin, "ivr_pin");
    }

    @Override public String grantType() { return "ivr_pin"; }

    @Override public Map<String, String> parameters() { return Fields.params("ivr_pin", ivrPin); }

    @Override public String toString() { return "IvrPin[ivrPin=██]"; }
  }

  /**
   * {@code guest}, RingCentral's guest grant: {@code brand_id}, {@code resource_type},
   * {@code resource}. Immutable.
   */
  record Guest(String brandId, String resourceType, String resource) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public Guest {
      Fields.optional("brand_id", brandId);
      Fields.optional("resource_type", resourceType);
      Fields.optional("resource", resource);
    }

    @Override public String grantType() { return "guest"; }

    @Override public Map<String, String> parameters() {
      return Fields.params("brand_id", brandId, "resource_type", resourceType, "resource", resource);
    }
  }

  /**
   * An extension grant (RFC 6749, section 4.5) by its {@code grant_type} and parameters. The
   * parameters may hold secrets, so {@code toString()} shows their names only. Immutable.
   */
  record Custom(String grantType, Map<String, String> parameters) implements Grant {
/** Checks the fields; the message names a missing or invalid one and never shows a secret. */
    public Custom {
      Fields.required("grant_type", grantType, "an extension grant");
      Objects.requireNonNull(parameters, "parameters");
      for (String reserved : new String[] {"grant_type", "client_assertion", "client_assertion_type"}) {
        if (parameters.containsKey(reserved)) {
          throw new IllegalArgumentException(
              "an extension grant's parameters must not contain " + reserved
                  + ": it is set by the grant type or the client authentication");
        }
      }
      parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    @Override public String toString() {
      return "Custom[grantType=" + grantType + ", parameters=" + parameters.keySet() + "]";
    }
  }
}
