package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.internal.InitParams;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code Filter.init} with every kind of wrong init-param: each fails with a ServletException
 * that names the param and the expected form, and never shows a secret.
 */
class TokenFilterInitTest {
  static final String CLIENT_SECRET = "s3cr3t-client-value";
  static final String PASSWORD = "pw-value-123";
  static final String ASSERTION = "eyJhbGciOiJub25lIn0.assertion-value-xyz.";
  static final Map<String, String> ENV = Map.of(
      "TK_SECRET", CLIENT_SECRET, "TK_PASSWORD", PASSWORD, "TK_ASSERTION", ASSERTION,
      "TK_EMPTY", " ");

  @TempDir static Path dir;
  static String keyMaterial;

  static Map<String, String> base() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("token-endpoint", "https://idp.example.com/oauth/token");
    p.put("client-id", "client-1");
    p.put("client-secret-env", "TK_SECRET");
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    return p;
  }

  static Arguments bad(String name, Consumer<Map<String, String>> change, String... fragments) {
    return Arguments.of(name, change, fragments);
  }

  static Stream<Arguments> misconfigurations() throws Exception {
    KeyPair rsa = TestKeys.rsa();
    String pkcs8 = TestKeys.pkcs8Pem(rsa);
    keyMaterial = pkcs8.split("\n")[1];
    Path pkcs1 = TestKeys.write(dir, "pkcs1.pem",
        TestKeys.pem("RSA PRIVATE KEY", rsa.getPrivate().getEncoded()));
    Path encrypted = TestKeys.write(dir, "enc.pem",
        TestKeys.pem("ENCRYPTED PRIVATE KEY", rsa.getPrivate().getEncoded()));
    Path garbage = TestKeys.write(dir, "garbage.pem", "not a key at all");
    Path badBase64 = TestKeys.write(dir, "b64.pem",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
    Path notAKey = TestKeys.write(dir, "notakey.pem", TestKeys.pem("PRIVATE KEY", new byte[] {1, 2, 3}));
    Path p384 = TestKeys.write(dir, "p384.pem", TestKeys.pkcs8Pem(TestKeys.ec("secp384r1")));
    Path empty = TestKeys.write(dir, "empty.txt", "\n");
    Path big = TestKeys.write(dir, "big.txt", "x".repeat(70_000));
    Path notUtf8 = dir.resolve("latin1.txt");
    Files.write(notUtf8, new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});
    Path missing = dir.resolve("no-such-file");
    String secretFile = TestKeys.write(dir, "secret.txt", CLIENT_SECRET + "\n").toString();

    return Stream.of(
        bad("unknown init-param", p -> p.put("client-secet-env", "X"),
            "init-param client-secet-env", "unknown", "token-endpoint, revocation-endpoint, allow-insecure-http"),
        bad("token-endpoint missing", p -> p.remove("token-endpoint"),
            "init-param token-endpoint is missing", "expected an absolute https URL"),
        bad("token-endpoint blank", p -> p.put("token-endpoint", "  "),
            "init-param token-endpoint is missing"),
        bad("token-endpoint unparseable", p -> p.put("token-endpoint", "https://idp example/x"),
            "init-param token-endpoint is not a valid URL", "expected an absolute https URL"),
        bad("token-endpoint relative", p -> p.put("token-endpoint", "/oauth/token"),
            "init-param token-endpoint is \"/oauth/token\", not an absolute http(s) URL"),
        bad("token-endpoint ftp", p -> p.put("token-endpoint", "ftp://idp.example.com/t"),
            "init-param token-endpoint is \"ftp://idp.example.com/t\""),
        bad("token-endpoint http to a remote host",
            p -> p.put("token-endpoint", "http://idp.example.com/oauth/token"),
            "init-param token-endpoint uses http to idp.example.com", "clear text",
            "allow-insecure-http=true"),
        bad("allow-insecure-http not a boolean", p -> p.put("allow-insecure-http", "maybe"),
            "init-param allow-insecure-http is \"maybe\"; expected true or false"),
        bad("token-endpoint http to a name that only looks local",
            p -> p.put("token-endpoint", "http://127.0.0.1.example.com/t"),
            "init-param token-endpoint uses http"),
        bad("token-endpoint with user info",
            p -> p.put("token-endpoint", "https://client-1:" + CLIENT_SECRET + "@idp.example.com/t"),
            "init-param token-endpoint carries user info"),
        bad("token-endpoint with a fragment",
            p -> p.put("token-endpoint", "https://idp.example.com/t#x"),
            "init-param token-endpoint has a fragment"),
        bad("revocation-endpoint malformed",
            p -> p.put("revocation-endpoint", "revoke"),
            "init-param revocation-endpoint is \"revoke\", not an absolute http(s) URL"),
        bad("client-id missing", p -> p.remove("client-id"),
            "init-param client-id is missing", "the client_id"),
        bad("client-authentication unknown", p -> p.put("client-authentication", "basic"),
            "init-param client-authentication is \"basic\"",
            "expected one of client_secret_basic, client_secret_post, client_secret_jwt,"
                + " private_key_jwt, none"),
        bad("client secret missing", p -> p.remove("client-secret-env"),
            "init-param client-secret-env is missing",
            "exactly one of client-secret-env", "client-secret-file", "client-secret (plain"),
        bad("client secret given twice", p -> p.put("client-secret-file", secretFile),
            "init-param client-secret-env and its alternatives are set 2 times"),
        bad("client secret given three times", p -> {
              p.put("client-secret-file", secretFile);
              p.put("client-secret", CLIENT_SECRET);
            }, "set 3 times"),
        bad("client-secret-env names an unset variable",
            p -> p.put("client-secret-env", "TK_NOPE"),
            "init-param client-secret-env names the environment variable TK_NOPE, which is not"
                + " set or is empty"),
        bad("client-secret-env names an empty variable",
            p -> p.put("client-secret-env", "TK_EMPTY"), "TK_EMPTY, which is not set or is empty"),
        bad("client-secret-file does not exist", p -> {
              p.remove("client-secret-env");
              p.put("client-secret-file", missing.toString());
            }, "init-param client-secret-file names the file " + missing + ", which does not exist",
            "expected the path of a readable UTF-8 file"),
        bad("client-secret-file empty", p -> {
              p.remove("client-secret-env");
              p.put("client-secret-file", empty.toString());
            }, "init-param client-secret-file names the file " + empty + ", which is empty"),
        bad("client-secret-file too big", p -> {
              p.remove("client-secret-env");
              p.put("client-secret-file", big.toString());
            }, "init-param client-secret-file", "larger than 64 KiB"),
        bad("client-secret-file not UTF-8", p -> {
              p.remove("client-secret-env");
              p.put("client-secret-file", notUtf8.toString());
            }, "init-param client-secret-file", "not UTF-8 text"),
        bad("client-secret-file is a directory", p -> {
              p.remove("client-secret-env");
              p.put("client-secret-file", dir.toString());
            }, "init-param client-secret-file names the file " + dir + ", which cannot be read"),
        bad("client-secret-file is not a path", p -> {
              p.remove("client-secret-env");
              p.put("client-secret-file", "nul\0here");
            }, "init-param client-secret-file is not a valid path"),
        bad("private_key_jwt without a key", p -> {
              p.remove("client-secret-env");
              p.put("client-authentication", "private_key_jwt");
            }, "init-param private-key-file is missing", "PKCS#8 PEM"),
        bad("private_key_jwt with a leftover secret",
            p -> p.put("client-authentication", "private_key_jwt"),
            "init-param client-secret-env is set, but client-authentication is private_key_jwt,"
                + " which does not use it"),
        bad("private_key_jwt with a PKCS#1 key", p -> keyFile(p, pkcs1),
            "init-param private-key-file names the file " + pkcs1 + ", which holds a PKCS#1 or"
                + " SEC 1 key", "openssl pkcs8 -topk8 -nocrypt"),
        bad("private_key_jwt with an encrypted key", p -> keyFile(p, encrypted),
            "init-param private-key-file", "encrypted key"),
        bad("private_key_jwt with no PEM block", p -> keyFile(p, garbage),
            "init-param private-key-file", "has no -----BEGIN PRIVATE KEY-----"),
        bad("private_key_jwt with broken Base64", p -> keyFile(p, badBase64),
            "init-param private-key-file", "not valid Base64"),
        bad("private_key_jwt with something else", p -> keyFile(p, notAKey),
            "init-param private-key-file", "neither an RSA nor an EC private key"),
        bad("private_key_jwt with a P-384 key", p -> keyFile(p, p384),
            "init-param private-key-file", "384-bit curve", "P-256"),
        bad("private_key_jwt key file missing", p -> keyFile(p, missing),
            "init-param private-key-file names the file " + missing + ", which does not exist"),
        bad("key-id without private_key_jwt", p -> p.put("key-id", "k1"),
            "init-param key-id is set, but client-authentication is client_secret_basic"),
        bad("private-key-file without private_key_jwt",
            p -> p.put("private-key-file", garbage.toString()),
            "init-param private-key-file is set, but client-authentication is client_secret_basic"),
        bad("none with a secret", p -> p.put("client-authentication", "none"),
            "init-param client-secret-env is set, but client-authentication is none"),
        bad("grant unknown", p -> p.put("grant", "implicit"),
            "init-param grant is \"implicit\"",
            "expected one of client_credentials, password, jwt-bearer, none"),
        bad("password without username", p -> {
              p.put("grant", "password");
              p.put("password-env", "TK_PASSWORD");
            }, "init-param username is missing", "grant=password"),
        bad("password without password", p -> {
              p.put("grant", "password");
              p.put("username", "alice");
            }, "init-param password-env is missing", "exactly one of password-env (an environment variable's name), password-file"),
        bad("password-env unset", p -> {
              p.put("grant", "password");
              p.put("username", "alice");
              p.put("password-env", "TK_NOPE");
            }, "init-param password-env names the environment variable TK_NOPE"),
        bad("password-file missing", p -> {
              p.put("grant", "password");
              p.put("username", "alice");
              p.put("password-file", missing.toString());
            }, "init-param password-file names the file " + missing),
        bad("username with client_credentials", p -> p.put("username", "alice"),
            "init-param username is set, but grant is client_credentials"),
        bad("assertion with password grant", p -> {
              p.put("grant", "password");
              p.put("username", "alice");
              p.put("password-env", "TK_PASSWORD");
              p.put("assertion-env", "TK_ASSERTION");
            }, "init-param assertion-env is set, but grant is password"),
        bad("jwt-bearer without assertion", p -> p.put("grant", "jwt-bearer"),
            "init-param assertion-env is missing", "exactly one of assertion-env (an environment variable's name), assertion-file"),
        bad("jwt-bearer with a missing assertion file", p -> {
              p.put("grant", "jwt-bearer");
              p.put("assertion-file", missing.toString());
            }, "init-param assertion-file names the file " + missing + ", which does not exist"),
        bad("jwt-bearer with two assertion sources", p -> {
              p.put("grant", "jwt-bearer");
              p.put("assertion-file", missing.toString());
              p.put("assertion-env", "TK_ASSERTION");
            }, "init-param assertion-env and its alternatives are set 2 times"),
        bad("jwt-bearer with a password", p -> {
              p.put("grant", "jwt-bearer");
              p.put("assertion-env", "TK_ASSERTION");
              p.put("password-env", "TK_PASSWORD");
            }, "init-param password-env is set, but grant is jwt-bearer"),
        bad("none with a username", p -> {
              p.put("grant", "none");
              p.put("username", "alice");
            }, "init-param username is set, but grant is none"),
        bad("none with an assertion", p -> {
              p.put("grant", "none");
              p.put("assertion-env", "TK_ASSERTION");
            }, "init-param assertion-env is set, but grant is none"),
        bad("endpoint-id missing", p -> p.remove("endpoint-id"),
            "init-param endpoint-id is missing",
            "expected fixed:VALUE, session:ATTRIBUTE, principal, class:FQCN (an EndpointIdResolver)"
                + " or trusted-header:NAME (only behind a gateway that sets the header and strips"
                + " it from client requests)"),
        bad("endpoint-id header: lets any client choose the key",
            p -> p.put("endpoint-id", "header:X-Endpoint-Id"),
            "init-param endpoint-id is header:X-Endpoint-Id, which would let any client choose"
                + " whose token the server uses",
            "Bind keys to the user instead with session:ATTRIBUTE (set by your login), principal"
                + " or class:FQCN",
            "say so with trusted-header:X-Endpoint-Id"),
        bad("endpoint-id unknown kind", p -> p.put("endpoint-id", "cookie:id"),
            "init-param endpoint-id is \"cookie:id\"; expected fixed:VALUE"),
        bad("endpoint-id without argument", p -> p.put("endpoint-id", "trusted-header:"),
            "init-param endpoint-id is \"trusted-header:\""),
        bad("endpoint-id bare word", p -> p.put("endpoint-id", "session"),
            "init-param endpoint-id is \"session\""),
        bad("endpoint-id fixed too long", p -> p.put("endpoint-id", "fixed:" + "a".repeat(513)),
            "init-param endpoint-id is fixed: with a value that breaks the key rule (513"
                + " characters)", "1 to 512 characters without control characters"),
        bad("endpoint-id fixed with a control character",
            p -> p.put("endpoint-id", "fixed:a\u0001b"), "breaks the key rule"),
        bad("dialect unknown", p -> p.put("dialect", "ringcentral, okta"),
            "init-param dialect holds \"okta\"", "standard", "ringcentral-legacy",
            "scope-required"),
        bad("connect-timeout zero", p -> p.put("connect-timeout", "0"),
            "init-param connect-timeout is zero", "a positive duration"),
        bad("request-timeout not a duration", p -> p.put("request-timeout", "30 s"),
            "init-param request-timeout is \"30 s\"", "ISO-8601 duration"),
        bad("request-timeout negative", p -> p.put("request-timeout", "-5"),
            "init-param request-timeout is negative"),
        bad("max-response-bytes zero", p -> p.put("max-response-bytes", "0"),
            "init-param max-response-bytes is \"0\"", "256KiB"),
        bad("max-response-bytes with an unknown unit", p -> p.put("max-response-bytes", "1GB"),
            "init-param max-response-bytes is \"1GB\""),
        bad("max-response-bytes too large", p -> p.put("max-response-bytes", "4096MiB"),
            "init-param max-response-bytes", "at most 2GiB - 1"),
        bad("retry-max-attempts zero", p -> p.put("retry-max-attempts", "0"),
            "init-param retry-max-attempts is \"0\"", "at least 1 (1 disables retries)"),
        bad("retry-max-attempts not a number", p -> p.put("retry-max-attempts", "three"),
            "init-param retry-max-attempts is \"three\""),
        bad("retry-max-delay below the initial delay", p -> {
              p.put("retry-initial-delay", "PT2S");
              p.put("retry-max-delay", "1");
            }, "init-param retry-max-delay makes retry-max-delay (PT1S) shorter than"
                + " retry-initial-delay (PT2S)"),
        bad("retry-initial-delay above the default maximum", p -> p.put("retry-initial-delay", "60"),
            "init-param retry-initial-delay makes retry-max-delay (PT10S) shorter"),
        bad("retry-max-elapsed not a duration", p -> p.put("retry-max-elapsed", "soon"),
            "init-param retry-max-elapsed is \"soon\""),
        bad("endpoint-id class missing", p -> p.put("endpoint-id", "class:com.example.Nope"),
            "init-param endpoint-id names the class com.example.Nope, which cannot be loaded",
            "implementing dev.tokenkeeper.servlet.EndpointIdResolver"),
        bad("endpoint-id class of the wrong type", p -> p.put("endpoint-id", "class:java.lang.String"),
            "init-param endpoint-id names the class java.lang.String, which does not implement"
                + " dev.tokenkeeper.servlet.EndpointIdResolver"),
        bad("endpoint-id class without no-arg constructor",
            p -> p.put("endpoint-id", "class:" + NeedsArgument.class.getName()),
            "which has no public no-arg constructor"),
        bad("endpoint-id class whose constructor throws",
            p -> p.put("endpoint-id", "class:" + Exploding.class.getName()),
            "init-param endpoint-id: the constructor of", "boom"),
        bad("endpoint-id abstract class",
            p -> p.put("endpoint-id", "class:" + Abstract.class.getName()),
            "which cannot be instantiated"),
        bad("refresh-window word", p -> p.put("refresh-window", "soon"),
            "init-param refresh-window is \"soon\"",
            "whole seconds (120) or an ISO-8601 duration (PT2M)"),
        bad("refresh-window negative", p -> p.put("refresh-window", "-5"),
            "init-param refresh-window is negative"),
        bad("refresh-window negative duration", p -> p.put("refresh-window", "-PT1M"),
            "init-param refresh-window is negative"),
        bad("session-ending-warning word", p -> p.put("session-ending-warning", "early"),
            "init-param session-ending-warning is \"early\"",
            "whole seconds (120) or an ISO-8601 duration (PT2M)"),
        bad("session-ending-warning negative", p -> p.put("session-ending-warning", "-1"),
            "init-param session-ending-warning is negative"),
        bad("maximum-size zero", p -> p.put("maximum-size", "0"),
            "init-param maximum-size is \"0\"; expected a positive whole number"),
        bad("maximum-size word", p -> p.put("maximum-size", "lots"),
            "init-param maximum-size is \"lots\""),
        bad("allowed-origins with a path",
            p -> p.put("allowed-origins", "https://api.example.com/v1"),
            "init-param allowed-origins is wrong", "scheme://host[:port] only"),
        bad("allowed-origins ftp", p -> p.put("allowed-origins", "https://a.example.com, ftp://x"),
            "init-param allowed-origins is wrong", "absolute http or https URI"),
        bad("allowed-origins no host", p -> p.put("allowed-origins", "https:///x"),
            "init-param allowed-origins"),
        bad("allowed-origins unparseable", p -> p.put("allowed-origins", "https://a^b"),
            "init-param allowed-origins holds an invalid URI"),
        bad("allowed-origins with user info",
            p -> p.put("allowed-origins", "https://u:" + CLIENT_SECRET + "@api.example.com"),
            "init-param allowed-origins is wrong", "must not carry user info"),
        bad("expose-headers yes", p -> p.put("expose-headers", "yes"),
            "init-param expose-headers is \"yes\"; expected true or false"),
        bad("align-session-timeout 1", p -> p.put("align-session-timeout", "1"),
            "init-param align-session-timeout is \"1\"; expected true or false"),
        bad("session-ended 403", p -> p.put("session-ended", "403"),
            "init-param session-ended is \"403\"",
            "expected 401, redirect:URL (an absolute URL or a path starting with /) or pass-through"),
        bad("session-ended redirect without URL", p -> p.put("session-ended", "redirect:"),
            "init-param session-ended is wrong"),
        bad("session-ended redirect relative", p -> p.put("session-ended", "redirect:login"),
            "init-param session-ended is wrong", "a path starting with '/'"),
        bad("session-ended redirect javascript",
            p -> p.put("session-ended", "redirect:javascript:alert(1)"),
            "init-param session-ended is wrong", "http(s) URL"),
        bad("session-ended redirect unparseable",
            p -> p.put("session-ended", "redirect:/log in"),
            "init-param session-ended is wrong", "not a valid URI"),
        bad("listener missing", p -> p.put("listener", "com.example.NoListener"),
            "init-param listener names the class com.example.NoListener, which cannot be loaded",
            "implementing dev.tokenkeeper.TokenListener"),
        bad("store-plaintext without store", p -> p.put("store-plaintext", "true"),
            "init-param store-plaintext is set without init-param store",
            "store=redis://host:6379"),
        bad("store without a key or the plaintext opt-in",
            p -> p.put("store", "redis://127.0.0.1:1"),
            "init-param store-encryption-keys-env is missing", "openssl rand -base64 32",
            "store-plaintext=true"),
        bad("store with a key and plaintext", p -> {
          p.put("store", "redis://127.0.0.1:1");
          p.put("store-encryption-keys-env", "TK_SECRET");
          p.put("store-plaintext", "true");
        }, "init-param store-encryption-keys-env and its alternatives are set 2 times"),
        bad("store key env unset", p -> {
          p.put("store", "redis://127.0.0.1:1");
          p.put("store-encryption-keys-env", "TK_NOT_SET");
        }, "init-param store-encryption-keys-env names the environment variable TK_NOT_SET,"
            + " which is not set or is empty"),
        bad("store key of the wrong length", p -> {
          p.put("store", "redis://127.0.0.1:1");
          p.put("store-encryption-keys-env", "TK_SECRET");
        }, "init-param store is not usable: encryption key #1", "openssl rand -base64 32"),
        bad("store with an unknown scheme and a password",
            p -> {
              p.put("store", "memcached://user:hunter2@cache:11211");
              p.put("store-plaintext", "true");
            }, "init-param store is not usable: unsupported Redis URI scheme",
            "memcached://user:██@cache:11211", "redis-cluster://"),
        bad("listener of the wrong type", p -> p.put("listener",
                RecordingListenerForTest.class.getName() + ", java.util.ArrayList"),
            "init-param listener names the class java.util.ArrayList, which does not implement"
                + " dev.tokenkeeper.TokenListener"));
  }

  private static void keyFile(Map<String, String> p, Path file) {
    p.remove("client-secret-env");
    p.put("client-authentication", "private_key_jwt");
    p.put("private-key-file", file.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("misconfigurations")
  void initFailsWithTheParamNameTheExpectedFormAndNoSecret(
      String name, Consumer<Map<String, String>> change, String[] fragments) {
    Map<String, String> params = base();
    change.accept(params);
    TokenFilter filter = new TokenFilter(null, ENV::get);
    ServletException e = assertThrows(ServletException.class,
        () -> filter.init(new FakeFilterConfig(params)));
    String message = e.getMessage();
    assertTrue(message.startsWith("TokenFilter 'tk': "), message);
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "expected <" + fragment + "> in: " + message);
    }
    for (String secret : new String[] {CLIENT_SECRET, PASSWORD, ASSERTION, keyMaterial}) {
      assertFalse(message.contains(secret), "a secret leaked into: " + message);
    }
    assertThrows(IllegalStateException.class, filter::tokenManager);
  }

  @Test
  void everyDocumentedInitParamIsKnownAndEveryKnownOneIsDocumented() throws Exception {
    String doc = Files.readString(Path.of("CONFIGURATION.md"));
    for (String name : InitParams.NAMES) {
      assertTrue(doc.contains("`" + name + "`") || doc.contains("`" + name + " ")
          || doc.contains("<param-name>" + name + "</param-name>"), name + " is undocumented");
    }
    assertTrue(doc.contains("<filter-class>dev.tokenkeeper.servlet.TokenFilter</filter-class>"));
  }

  @Test
  void plainClientSecretIsAcceptedWithAWarningThatNeverShowsIt() throws Exception {
    Map<String, String> params = base();
    params.remove("client-secret-env");
    params.put("client-secret", CLIENT_SECRET);
    List<String> logged = captureLogs(() -> {
      TokenFilter filter = new TokenFilter(null, ENV::get);
      filter.init(new FakeFilterConfig(params));
      assertNotNull(filter.tokenManager());
      filter.destroy();
    });
    assertTrue(logged.stream().anyMatch(line -> line.contains(
        "init-param client-secret holds the client secret in plain text in web.xml; use"
            + " client-secret-env or client-secret-file instead")), logged.toString());
    assertTrue(logged.stream().noneMatch(line -> line.contains(CLIENT_SECRET)), logged.toString());
  }

  @Test
  void trustedHeaderKeysAreAcceptedWithAWarningAtInitThatSaysWhenTheyAreSafe() throws Exception {
    List<String> logged = captureLogs(() -> {
      TokenFilter filter = new TokenFilter(null, ENV::get);
      filter.init(new FakeFilterConfig(base()));
      filter.destroy();
    });
    assertTrue(logged.stream().anyMatch(line -> line.contains("WARNING")
        && line.contains("endpoint-id is"
        + " trusted-header:X-Endpoint-Id") && line.contains("safe only behind a gateway that sets"
        + " that header itself and strips it from every client request")), logged.toString());

    // The same resolver given in code gets the same warning; a session-bound one gets none.
    TokenFilter source = new TokenFilter(null, ENV::get);
    Map<String, String> sessionBound = base();
    sessionBound.put("endpoint-id", "session:uid");
    List<String> quiet = captureLogs(() -> source.init(new FakeFilterConfig(sessionBound)));
    assertTrue(quiet.stream().noneMatch(line -> line.contains("trusted-header")), quiet.toString());
    List<String> inCode = captureLogs(() -> new TokenFilter(TokenFilterConfig.builder(
        source.tokenManager(), EndpointIdResolver.trustedHeader("X-User")).build())
        .init(new FakeFilterConfig(Map.of())));
    assertTrue(inCode.stream().anyMatch(line -> line.contains("endpoint-id is trusted-header:X-User")),
        inCode.toString());
    source.destroy();
  }

  @Test
  void plainPasswordAndAssertionAreAcceptedWithAWarningThatNeverShowsThem() throws Exception {
    Map<String, String> password = base();
    password.put("grant", "password");
    password.put("username", "alice");
    password.put("password", PASSWORD);
    Map<String, String> assertion = base();
    assertion.put("grant", "jwt-bearer");
    assertion.put("assertion", ASSERTION);
    List<String> logged = captureLogs(() -> {
      for (Map<String, String> params : List.of(password, assertion)) {
        TokenFilter filter = new TokenFilter(null, ENV::get);
        filter.init(new FakeFilterConfig(params));
        filter.destroy();
      }
    });
    assertTrue(logged.stream().anyMatch(line -> line.contains("init-param password holds")));
    assertTrue(logged.stream().anyMatch(line -> line.contains("init-param assertion holds")));
    assertTrue(logged.stream().noneMatch(line -> line.contains(PASSWORD)
        || line.contains(ASSERTION)), logged.toString());
  }

  @Test
  void allowInsecureHttpLetsAnHttpEndpointOnANonLoopbackHostThrough() throws Exception {
    Map<String, String> params = base();
    params.put("token-endpoint", "http://idp.internal.example/oauth/token");
    params.put("revocation-endpoint", "http://idp.internal.example/oauth/revoke");
    params.put("allow-insecure-http", "true");
    TokenFilter filter = new TokenFilter(null, ENV::get);
    filter.init(new FakeFilterConfig(params));
    filter.destroy();
  }

  @Test
  void initPublishesTheManagerAndDestroyWithdrawsIt() throws Exception {
    FakeFilterConfig config = new FakeFilterConfig(base());
    TokenFilter filter = new TokenFilter(null, ENV::get);
    filter.init(config);
    TokenManager manager = filter.tokenManager();
    assertSame(manager, config.contextAttributes.get("dev.tokenkeeper.TokenManager"));
    filter.destroy();
    assertFalse(config.contextAttributes.containsKey("dev.tokenkeeper.TokenManager"));
    assertThrows(IllegalStateException.class, filter::tokenManager);
  }

  @Test
  void aSecondFilterOnTheSameManagerAttributeFailsWithTheParamName() throws Exception {
    FakeFilterConfig config = new FakeFilterConfig(base());
    TokenFilter first = new TokenFilter(null, ENV::get);
    first.init(config);
    ServletException e = assertThrows(ServletException.class,
        () -> new TokenFilter(null, ENV::get).init(config));
    assertTrue(e.getMessage().contains("init-param manager-attribute names the ServletContext"
        + " attribute dev.tokenkeeper.TokenManager, which already holds"), e.getMessage());
    Map<String, String> other = base();
    other.put("manager-attribute", "tk.second");
    FakeFilterConfig second = new FakeFilterConfig(other);
    second.contextAttributes.putAll(config.contextAttributes);
    TokenFilter filter = new TokenFilter(null, ENV::get);
    filter.init(second);
    assertSame(filter.tokenManager(), second.contextAttributes.get("tk.second"));
    filter.destroy();
    first.destroy();
  }

  @Test
  void aFilterBuiltInCodeIgnoresInitParamsAndLeavesTheManagerOpen() throws Exception {
    FakeFilterConfig config = new FakeFilterConfig(base());
    TokenFilter source = new TokenFilter(null, ENV::get);
    source.init(config);
    TokenManager manager = source.tokenManager();
    TokenFilter filter = new TokenFilter(TokenFilterConfig.builder(manager,
        EndpointIdResolver.fixed("svc")).build());
    filter.init(new FakeFilterConfig(Map.of("nonsense", "ignored")));
    assertSame(manager, filter.tokenManager());
    filter.destroy();
    assertSame(manager, config.contextAttributes.get("dev.tokenkeeper.TokenManager"));
    source.destroy();
  }

  static List<String> captureLogs(ThrowingRunnable action) throws Exception {
    try (LogCapture logs = LogCapture.start()) {
      action.run();
      return logs.lines();
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  public static final class NeedsArgument implements EndpointIdResolver {
    public NeedsArgument(String argument) {}

    @Override public String resolve(HttpServletRequest request) {
      return null;
    }
  }

  public static final class Exploding implements EndpointIdResolver {
    public Exploding() {
      throw new IllegalStateException("boom");
    }

    @Override public String resolve(HttpServletRequest request) {
      return null;
    }
  }

  public abstract static class Abstract implements EndpointIdResolver {
    public Abstract() {}
  }

  public static final class RecordingListenerForTest implements TokenListener {}
}
