package dev.tokenkeeper;

import static dev.tokenkeeper.ProviderFixtures.FULL_TOKEN_INFO;
import static dev.tokenkeeper.ProviderFixtures.NOW;
import static dev.tokenkeeper.ProviderFixtures.assertFullTokenInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Recorded;
import dev.tokenkeeper.testing.LoopbackTokenServer.Reply;
import dev.tokenkeeper.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every request shape of RingCentral's token API (POST /restapi/oauth/token: each grant with
 * its own parameters, two client_credentials variants, the legacy password form with its TTL
 * bounds), of a provider that requires scope for client_credentials, of a PBX vendor's password
 * grant and of an extension grant reaches a real loopback server exactly as specified, and a
 * full {@code TokenInfo} answer parses into the whole model.
 */
class GrantShapesOnTheWireTest {
  private static final String CLIENT_ID = "client-id";
  private static final String CLIENT_SECRET = "client-secret-value";
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
      (CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
  private static final String RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  @RegisterExtension final LoopbackTokenServer server = LoopbackTokenServer.start();
  private final MutableClock clock = new MutableClock(NOW);

  /** One request shape: what we build, and exactly what the server must receive. */
  record Shape(String name, TokenRequest request, Dialect dialect, ClientAuthentication auth,
      Map<String, String> expectedForm, String expectedAuthorization) {
    @Override public String toString() {
      return name;
    }
  }

  private static Map<String, String> form(String... namesAndValues) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      form.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return form;
  }

  private static Shape basic(String name, TokenRequest request, String... expected) {
    return new Shape(name, request, Dialect.standard(),
        ClientAuthentication.basic(CLIENT_ID, CLIENT_SECRET), form(expected), BASIC);
  }

  static Stream<Shape> shapes() {
    return Stream.of(
        basic("RingCentral authorization_code with PKCE and every common parameter",
            TokenRequest.builder(Grant.authorizationCode("U0pDMTFQMDFQQVMwMHxBQUR",
                    "https://app.example.com/callback", Pkce.ofVerifier(RFC7636_VERIFIER)))
                .scope("ReadAccounts CallControl").endpointId("GDZ6j4nSRB2ezMgZLRvxjA")
                .accessTokenTtl(1800).refreshTokenTtl(86400).build(),
            "grant_type", "authorization_code", "code", "U0pDMTFQMDFQQVMwMHxBQUR",
            "redirect_uri", "https://app.example.com/callback", "code_verifier", RFC7636_VERIFIER,
            "scope", "ReadAccounts CallControl", "endpoint_id", "GDZ6j4nSRB2ezMgZLRvxjA",
            "access_token_ttl", "1800", "refresh_token_ttl", "86400"),
        basic("RingCentral password with extension and the deprecated pin",
            TokenRequest.of(new Grant.Password("+16505550100", "p@ss w0rd&=", "101", "4321")),
            "grant_type", "password", "username", "+16505550100", "password", "p@ss w0rd&=",
            "extension", "101", "pin", "4321"),
        basic("RingCentral jwt-bearer",
            TokenRequest.builder(Grant.jwtBearer("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
                .scope("ReadAccounts").build(),
            "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "scope", "ReadAccounts"),
        basic("RingCentral partner_jwt",
            TokenRequest.of(new Grant.PartnerJwt("eyJhbGciOiJSUzI1NiJ9.e30.cGFydG5lcg")),
            "grant_type", "partner_jwt", "assertion", "eyJhbGciOiJSUzI1NiJ9.e30.cGFydG5lcg"),
        basic("personal_jwt",
            TokenRequest.of(new Grant.PersonalJwt("eyJhbGciOiJSUzI1NiJ9.e30.cGVyc29uYWw")),
            "grant_type", "personal_jwt", "assertion", "eyJhbGciOiJSUzI1NiJ9.e30.cGVyc29uYWw"),
        basic("RingCentral refresh_token",
            TokenRequest.builder(Grant.refreshToken("U0pDMDFQMDRQQVMwMHxBQUJ0RUtf"))
                .endpointId("GDZ6j4nSRB2ezMgZLRvxjA").build(),
            "grant_type", "refresh_token", "refresh_token", "U0pDMDFQMDRQQVMwMHxBQUJ0RUtf",
            "endpoint_id", "GDZ6j4nSRB2ezMgZLRvxjA"),
        basic("RingCentral ivr_pin",
            TokenRequest.of(new Grant.IvrPin("864209")),
            "grant_type", "ivr_pin", "ivr_pin", "864209"),
        basic("RingCentral device_code",
            TokenRequest.of(new Grant.DeviceCode("GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS")),
            "grant_type", "urn:ietf:params:oauth:grant-type:device_code",
            "device_code", "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"),
        basic("RingCentral client_credentials for an account",
            TokenRequest.of(Grant.ClientCredentials.forAccount("37439510")),
            "grant_type", "client_credentials", "account_id", "37439510"),
        basic("RingCentral client_credentials for a brand and partner account",
            TokenRequest.of(Grant.ClientCredentials.forBrand("1210", "partner-42")),
            "grant_type", "client_credentials", "brand_id", "1210",
            "partner_account_id", "partner-42"),
        basic("RingCentral otp",
            TokenRequest.of(new Grant.Otp("123456")),
            "grant_type", "otp", "code", "123456"),
        basic("RingCentral guest",
            TokenRequest.of(new Grant.Guest("1210", "Meeting", "https://v.example.com/j/1")),
            "grant_type", "guest", "brand_id", "1210", "resource_type", "Meeting",
            "resource", "https://v.example.com/j/1"),
        basic("device_certificate",
            TokenRequest.of(new Grant.DeviceCertificate()),
            "grant_type", "device_certificate"),
        new Shape("RingCentral legacy password with a clamped access_token_ttl and no refresh"
            + " token",
            TokenRequest.builder(Grant.password("+16505550100", "secret-pw").withExtension("101"))
                .scope("ReadAccounts").endpointId("legacy_client-01")
                .accessTokenTtl(7200).refreshTokenTtl(0).build(),
            Dialect.ringCentralLegacy(), ClientAuthentication.basic(CLIENT_ID, CLIENT_SECRET),
            form("grant_type", "password", "username", "+16505550100", "password", "secret-pw",
                "extension", "101", "scope", "ReadAccounts", "endpoint_id", "legacy_client-01",
                "access_token_ttl", "3600", "refresh_token_ttl", "0"),
            BASIC),
        new Shape("scope-requiring provider: client_credentials with scope and the secret in"
            + " the body",
            TokenRequest.builder(Grant.clientCredentials())
                .scope("/accounts.read /accounts.write").build(),
            Dialect.clientCredentialsRequireScope(),
            ClientAuthentication.post("5clTR_MdVrrkgxw2", "dNC-hg7sVm22jc3g_Eogtyu0_1Mqh_4-"),
            form("grant_type", "client_credentials", "scope", "/accounts.read /accounts.write",
                "client_id", "5clTR_MdVrrkgxw2", "client_secret",
                "dNC-hg7sVm22jc3g_Eogtyu0_1Mqh_4-"),
            null),
        new Shape("scope-requiring provider: refresh_token with HTTP Basic",
            TokenRequest.of(Grant.refreshToken("eyJhbGc0eSI6TQSIsImN0kpXVCIsImtp6IkpXVsImtpZC0a")),
            Dialect.clientCredentialsRequireScope(),
            ClientAuthentication.basic("5clTR_MdVrrkgxw2", "dNC-hg7sVm22jc3g_Eogtyu0_1Mqh_4-"),
            form("grant_type", "refresh_token",
                "refresh_token", "eyJhbGc0eSI6TQSIsImN0kpXVCIsImtp6IkpXVsImtpZC0a"),
            "Basic " + Base64.getEncoder().encodeToString(
                "5clTR_MdVrrkgxw2:dNC-hg7sVm22jc3g_Eogtyu0_1Mqh_4-".getBytes(StandardCharsets.UTF_8))),
        new Shape("the PBX password grant with client_secret_post",
            TokenRequest.of(Grant.password("user_name", "user_password")),
            Dialect.standard(),
            ClientAuthentication.post("a80f1e618ddd4d4584e2bd18fd464194",
                "a2423941f5be408c998d5f7287570990"),
            form("grant_type", "password", "client_id", "a80f1e618ddd4d4584e2bd18fd464194",
                "client_secret", "a2423941f5be408c998d5f7287570990", "username", "user_name",
                "password", "user_password"),
            null),
        new Shape("a public client with every common parameter including client_id",
            TokenRequest.builder(Grant.refreshToken("rt-public")).scope("openid")
                .clientId("public-app").endpointId("ep-1").accessTokenTtl(900)
                .refreshTokenTtl(3600).build(),
            Dialect.standard(), ClientAuthentication.none("public-app"),
            form("grant_type", "refresh_token", "refresh_token", "rt-public", "scope", "openid",
                "client_id", "public-app", "endpoint_id", "ep-1", "access_token_ttl", "900",
                "refresh_token_ttl", "3600"),
            null),
        basic("an extension grant by name",
            TokenRequest.of(Grant.custom("urn:example:params:oauth:grant-type:magic-link",
                Map.of("link_token", "mlt-7f3a", "tenant", "acme"))),
            "grant_type", "urn:example:params:oauth:grant-type:magic-link",
            "link_token", "mlt-7f3a", "tenant", "acme"));
  }

  @ParameterizedTest(name = "{0}: the server receives exactly the specified request")
  @MethodSource("shapes")
  void everyGrantShapeReachesTheServerExactlyAndItsAnswerParsesIntoTheFullModel(Shape shape) {
    server.enqueue(Reply.json(200, FULL_TOKEN_INFO));
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/restapi/oauth/token"), shape.auth())
        .dialect(shape.dialect()).clock(clock).build();

    TokenResponse response = endpoint.request(shape.request());

    Recorded sent = server.onlyRequest();
    assertEquals("POST", sent.method());
    assertEquals("/restapi/oauth/token", sent.path());
    assertEquals("application/x-www-form-urlencoded; charset=UTF-8", sent.header("Content-Type"));
    assertEquals(shape.expectedForm(), sent.form());
    if (shape.expectedAuthorization() == null) {
      assertNull(sent.header("Authorization"));
    } else {
      assertEquals(shape.expectedAuthorization(), sent.header("Authorization"));
    }
    assertFullTokenInfo(response, NOW);
  }
}
