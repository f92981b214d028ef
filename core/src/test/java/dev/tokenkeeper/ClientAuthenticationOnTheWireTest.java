package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Recorded;
import dev.tokenkeeper.testing.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each client authentication method of RFC 6749 2.3, RFC 7523 2.2 and OIDC Core 9, as the
 * server receives it; JWT assertions verified on the server side with Nimbus.
 */
class ClientAuthenticationOnTheWireTest {
  private static final String HS_SECRET = "a-client-secret-of-at-least-32-bytes-long";
  private static KeyPair rsa;
  private static KeyPair ec;

  @RegisterExtension final LoopbackTokenServer server = LoopbackTokenServer.start();
  private final MutableClock clock = MutableClock.at("2025-03-01T10:00:00Z");
  private final TokenRequest password = TokenRequest.of(Grant.password("alice", "alice-pw"));

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
    rsaGen.initialize(2048);
    rsa = rsaGen.generateKeyPair();
    KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
    ecGen.initialize(new ECGenParameterSpec("secp256r1"));
    ec = ecGen.generateKeyPair();
  }

  private Recorded send(ClientAuthentication auth) {
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/oauth/token"), auth)
        .clock(clock).build();
    int before = server.requests().size();
    TokenResponse response = endpoint.request(password);
    assertEquals("default-access", response.accessToken().value());
    return server.requests().get(before);
  }

  @Test
  void clientSecretBasicFormUrlencodesIdAndSecretBeforeBase64() {
    Recorded sent = send(ClientAuthentication.basic("id with space/ü", "s:e+c=r%e&t"));

    // RFC 6749 2.3.1: application/x-www-form-urlencoded first, then "id:secret" in Base64.
    String pair = "id+with+space%2F%C3%BC:s%3Ae%2Bc%3Dr%25e%26t";
    assertEquals("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)),
        sent.header("Authorization"));
    assertEquals(Map.of("grant_type", "password", "username", "alice", "password", "alice-pw"),
        sent.form());
    assertEquals("application/x-www-form-urlencoded; charset=UTF-8", sent.header("Content-Type"));
  }

  @Test
  void clientSecretPostPutsIdAndSecretInTheBodyAndSendsNoAuthorizationHeader() {
    Recorded sent = send(ClientAuthentication.post("the-client", "the-secret"));

    assertNull(sent.header("Authorization"));
    assertEquals(Map.of("grant_type", "password", "username", "alice", "password", "alice-pw",
        "client_id", "the-client", "client_secret", "the-secret"), sent.form());
  }

  @Test
  void noneSendsOnlyTheClientIdInTheBody() {
    Recorded sent = send(ClientAuthentication.none("public-app"));

    assertNull(sent.header("Authorization"));
    assertEquals(Map.of("grant_type", "password", "username", "alice", "password", "alice-pw",
        "client_id", "public-app"), sent.form());
  }

  @Test
  void clientSecretJwtSendsAnHs256AssertionTheServerCanVerify() throws Exception {
    Recorded sent = send(ClientAuthentication.secretJwt("jwt-client", HS_SECRET));

    SignedJWT jwt = assertAssertionForm(sent);
    assertEquals(JWSAlgorithm.HS256, jwt.getHeader().getAlgorithm());
    assertTrue(jwt.verify(new MACVerifier(HS_SECRET)));
    assertRfc7523Claims(jwt, "jwt-client", server.uri("/oauth/token"));
  }

  @Test
  void privateKeyJwtWithRsaSendsAnRs256AssertionWithItsKeyId() throws Exception {
    Recorded sent = send(ClientAuthentication.privateKeyJwt("rsa-client", rsa.getPrivate(), "rsa-kid-1"));

    SignedJWT jwt = assertAssertionForm(sent);
    assertEquals(JWSAlgorithm.RS256, jwt.getHeader().getAlgorithm());
    assertEquals("rsa-kid-1", jwt.getHeader().getKeyID());
    assertTrue(jwt.verify(new RSASSAVerifier((RSAPublicKey) rsa.getPublic())));
    assertRfc7523Claims(jwt, "rsa-client", server.uri("/oauth/token"));
  }

  @Test
  void privateKeyJwtWithEcSendsAnEs256AssertionWithItsKeyId() throws Exception {
    Recorded sent = send(ClientAuthentication.privateKeyJwt("ec-client", ec.getPrivate(), "ec-kid-1"));

    SignedJWT jwt = assertAssertionForm(sent);
    assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
    assertEquals("ec-kid-1", jwt.getHeader().getKeyID());
    assertTrue(jwt.verify(new ECDSAVerifier((ECPublicKey) ec.getPublic())));
    assertRfc7523Claims(jwt, "ec-client", server.uri("/oauth/token"));
  }

  @Test
  void privateKeyJwtWithoutKeyIdLeavesKidOut() throws Exception {
    Recorded sent = send(ClientAuthentication.privateKeyJwt("ec-client", ec.getPrivate(), null));

    SignedJWT jwt = assertAssertionForm(sent);
    assertNull(jwt.getHeader().getKeyID());
    assertTrue(jwt.verify(new ECDSAVerifier((ECPublicKey) ec.getPublic())));
  }

  @Test
  void eachRequestCarriesAFreshAssertionWithAUniqueJtiAndTheCurrentIssueTime() throws Exception {
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/oauth/token"),
        ClientAuthentication.privateKeyJwt("rsa-client", rsa.getPrivate(), "k")).clock(clock).build();

    endpoint.request(password);
    clock.advance(Duration.ofSeconds(90));
    endpoint.request(password);

    List<Recorded> sent = server.requests();
    SignedJWT first = SignedJWT.parse(sent.get(0).form().get("client_assertion"));
    SignedJWT second = SignedJWT.parse(sent.get(1).form().get("client_assertion"));
    JWSVerifier verifier = new RSASSAVerifier((RSAPublicKey) rsa.getPublic());
    assertTrue(first.verify(verifier));
    assertTrue(second.verify(verifier));
    assertNotEquals(first.getJWTClaimsSet().getJWTID(), second.getJWTClaimsSet().getJWTID());
    assertEquals(Instant.parse("2025-03-01T10:00:00Z"),
        first.getJWTClaimsSet().getIssueTime().toInstant());
    assertEquals(Instant.parse("2025-03-01T10:01:30Z"),
        second.getJWTClaimsSet().getIssueTime().toInstant());
  }

  @Test
  void anAssertionSignedWithAnotherKeyDoesNotVerify() throws Exception {
    Recorded sent = send(ClientAuthentication.secretJwt("jwt-client", HS_SECRET));

    SignedJWT jwt = SignedJWT.parse(sent.form().get("client_assertion"));
    assertFalse(jwt.verify(new MACVerifier("another-secret-that-is-32-bytes-long!!")));
  }

  @Test
  void aClientSecretJwtSecretShorterThan32BytesIsRefusedWhenTheEndpointIsBuilt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenEndpoint.builder(server.uri("/t"),
            ClientAuthentication.secretJwt("c", "short-secret")).build());

    assertEquals("client_secret_jwt signs with HS256, which needs a client secret of at least 32"
        + " bytes (256 bits, RFC 7518 section 3.2); this client secret has 12 bytes: use"
        + " client_secret_basic or client_secret_post with a short secret", e.getMessage());
  }

  @Test
  void anRsaKeyShorterThan2048BitsIsRefusedWhenTheEndpointIsBuilt() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(1024);
    KeyPair weak = gen.generateKeyPair();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenEndpoint.builder(server.uri("/t"),
            ClientAuthentication.privateKeyJwt("c", weak.getPrivate(), null)).build());

    assertEquals("private_key_jwt with RS256 needs an RSA private key of at least 2048 bits"
        + " (RFC 7518, section 3.3)", e.getMessage());
  }

  @Test
  void aClientIdInTheRequestThatDiffersFromTheAuthenticationIsRefused() {
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/t"),
        ClientAuthentication.post("auth-client", "secret")).build();
    TokenRequest request = TokenRequest.builder(Grant.clientCredentials()).clientId("other").build();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> endpoint.requestAsync(request));

    assertEquals("the request sets client_id differently from the client authentication"
        + " (\"other\" in the request, \"auth-client\" in the client authentication): leave it"
        + " out of the request, the client authentication adds it", e.getMessage());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void aCustomGrantCannotSmuggleAClientSecretPastThePostAuthentication() {
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/t"),
        ClientAuthentication.post("c", "real-secret")).build();
    TokenRequest request = TokenRequest.of(Grant.custom("x", Map.of("client_secret", "forged")));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> endpoint.request(request));

    assertEquals("the request sets client_secret differently from the client authentication:"
        + " leave it out of the request, the client authentication adds it", e.getMessage());
  }

  private static SignedJWT assertAssertionForm(Recorded sent) throws Exception {
    assertNull(sent.header("Authorization"));
    Map<String, String> form = sent.form();
    assertEquals(List.of("grant_type", "username", "password", "client_id",
        "client_assertion_type", "client_assertion"), List.copyOf(form.keySet()));
    assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        form.get("client_assertion_type"));
    SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
    assertEquals(JOSEObjectType.JWT, jwt.getHeader().getType());
    return jwt;
  }

  private void assertRfc7523Claims(SignedJWT jwt, String clientId, URI audience) throws Exception {
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertEquals(clientId, claims.getIssuer());
    assertEquals(clientId, claims.getSubject());
    assertEquals(List.of(audience.toString()), claims.getAudience());
    assertTrue(claims.getJWTID() != null && !claims.getJWTID().isBlank());
    assertEquals(clock.instant(), claims.getIssueTime().toInstant());
    Duration lifetime = Duration.between(claims.getIssueTime().toInstant(),
        claims.getExpirationTime().toInstant());
    assertTrue(!lifetime.isNegative() && !lifetime.isZero()
        && lifetime.compareTo(Duration.ofMinutes(5)) <= 0, "exp at most 5 minutes ahead: " + lifetime);
  }
}
