package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.failure.KeyStoreFailure;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.io.File;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's TLS context from the profile's PEM files: bad files fail as TLS_SETUP with a hint,
 * EC, Ed25519 and RSA PKCS#8 keys work, and building it never initialises Bouncy Castle's JCA
 * provider (Netty's file-based key loading did, costing every command about half a second).
 */
class ChannelFactoryTlsSetupTest {
  @TempDir
  static Path root;
  static DevPki pki;

  @BeforeAll
  static void pki() {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
  }

  private static ChannelFactory factory(Path cert, Path key) {
    return new ChannelFactory(cert, key, pki.caCertFile());
  }

  private static void assertTlsSetup(ChannelFactory f, Path named) {
    assertThatThrownBy(f::sslContext).isInstanceOfSatisfying(KeyStoreFailure.class, e -> {
      assertThat(e.reason()).isEqualTo("TLS_SETUP");
      assertThat(e.getMessage()).contains("cannot load the profile's TLS files").contains(named.toString());
      assertThat(e.hint()).hasValueSatisfying(h -> assertThat(h).contains("sealdrop init").contains("PKCS#8"));
    });
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsNamedAsSuchBeforeAnyHandshake() {
    // bob's key beside alice's certificate (one copied over from another profile), and an RSA one beside an EC one
    for (Path key : java.util.List.of(pki.keyFile("bob"), pki.keyFile("server"))) {
      assertThatThrownBy(factory(pki.certFile("alice"), key)::sslContext).isInstanceOfSatisfying(KeyStoreFailure.class,
          e -> {
            assertThat(e.reason()).isEqualTo("TLS_KEY_MISMATCH");
            assertThat(e.getMessage()).contains("is not the key of its certificate").contains(key.toString());
          });
    }
  }

  @Test
  void aCertificateWithAnEd448KeyIsUnsupportedNotAMismatch() {
    // a profile whose tls/client.crt was replaced by hand: init refuses such a certificate in the first place
    pki.issue(dev.sealdrop.certsdev.CertSpec.client("erin").withKeyAlgorithm("Ed448"));
    assertThatThrownBy(factory(pki.certFile("erin"), pki.keyFile("erin"))::sslContext)
        .isInstanceOfSatisfying(KeyStoreFailure.class, e -> {
          assertThat(e.reason()).isEqualTo("CERT_KEY_UNSUPPORTED");
          assertThat(e.getMessage()).contains("unsupported certificate key algorithm Ed448").contains("Ed25519")
              .doesNotContain("is not the key of");
        });
  }

  @Test
  void garbageKeyIsTlsSetup() throws Exception {
    Path key = Files.writeString(root.resolve("garbage.key"),
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    assertTlsSetup(factory(pki.certFile("alice"), key), key);
  }

  @Test
  void nonPkcs8KeyIsTlsSetup() throws Exception {
    Path key = Files.writeString(root.resolve("sec1.key"),
        "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n");
    assertTlsSetup(factory(pki.certFile("alice"), key), key);
  }

  @Test
  void missingOrGarbageCertificateIsTlsSetup() throws Exception {
    Path missing = root.resolve("missing.crt");
    assertTlsSetup(factory(missing, pki.keyFile("alice")), missing);
    Path garbage = Files.writeString(root.resolve("garbage.crt"), "not a certificate");
    assertTlsSetup(factory(garbage, pki.keyFile("alice")), garbage);
    Path empty = Files.writeString(root.resolve("empty.crt"), "");
    assertTlsSetup(new ChannelFactory(pki.certFile("alice"), pki.keyFile("alice"), empty), empty);
  }

  @Test
  void certsDevEcKeyBuildsAClientContext() throws Exception {
    SslContext ctx = factory(pki.certFile("alice"), pki.keyFile("alice")).sslContext();
    assertThat(ctx.isClient()).isTrue();
    SSLEngine engine = ctx.newEngine(ByteBufAllocator.DEFAULT, "localhost", 443);
    assertThat(engine.getEnabledProtocols()).contains("TLSv1.3").doesNotContain("TLSv1.2", "TLSv1.1", "TLSv1");
  }

  @Test
  void ed25519AndRsaPkcs8KeysBuildAClientContext() throws Exception {
    for (String alg : new String[] {"Ed25519", "RSA"}) {
      KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
      KeyPair keys = g.generateKeyPair();
      X500Principal subject = new X500Principal("CN=alice");
      Instant now = Instant.now();
      // a client certificate by the server's rule (EKU clientAuth, digitalSignature), which the CLI checks first
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
          Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject, keys.getPublic());
      builder.addExtension(org.bouncycastle.asn1.x509.Extension.keyUsage, true,
          new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature));
      builder.addExtension(org.bouncycastle.asn1.x509.Extension.extendedKeyUsage, false,
          new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(
          new JcaContentSignerBuilder(alg.equals("RSA") ? "SHA256withRSA" : alg).build(keys.getPrivate())));
      Path certFile = Files.writeString(root.resolve(alg + ".crt"), pem("CERTIFICATE", cert.getEncoded()));
      Path keyFile = Files.writeString(root.resolve(alg + ".key"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
      SslContext ctx = factory(certFile, keyFile).sslContext();
      assertThat(ctx.isClient()).as(alg).isTrue();
      assertThat(ctx.newEngine(ByteBufAllocator.DEFAULT, "localhost", 443).getEnabledProtocols()).as(alg)
          .contains("TLSv1.3").doesNotContain("TLSv1.2", "TLSv1.1", "TLSv1");
    }
  }

  @Test
  void buildingTheContextDoesNotInitialiseBouncyCastlesJcaProvider() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    try (RecordingLoader fresh = new RecordingLoader(urls.toArray(URL[]::new))) {
      Thread.currentThread().setContextClassLoader(fresh);
      Class<?> type = fresh.loadClass(ChannelFactory.class.getName());
      Object factory = type.getConstructor(Path.class, Path.class, Path.class)
          .newInstance(pki.certFile("alice"), pki.keyFile("alice"), pki.caCertFile());
      Method build = type.getDeclaredMethod("sslContext");
      build.setAccessible(true);
      assertThat(build.invoke(factory)).isNotNull();
      // the probe works: Netty's SslContext was loaded by this loader, not by the test's
      assertThat(fresh.defined).contains("io.netty.handler.ssl.SslContext");
      assertThat(fresh.defined).noneMatch(n -> n.startsWith("org.bouncycastle.jce.provider.")
          || n.startsWith("org.bouncycastle.jcajce.provider.") || n.startsWith("org.bouncycastle.pqc.jcajce.provider."));
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** A class loader that loads the test class path afresh and records every class it defines. */
  private static final class RecordingLoader extends URLClassLoader {
    final Set<String> defined = ConcurrentHashMap.newKeySet();

    RecordingLoader(URL[] urls) {
      super("fresh", urls, ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      Class<?> c = super.findClass(name);
      defined.add(name);
      return c;
    }
  }
}
