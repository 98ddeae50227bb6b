package dev.sealdrop.server.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnauthenticatedException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which registrations a certificate's revocation closes when some follow their credential (an SFTP key, which {@code
 * keys renew} binds to a renewed certificate): decided by authenticating them again, whatever serial they were
 * registered under, while they stay findable by any other act.
 */
class LiveSessionsFollowTest {
  @TempDir
  static Path dir;
  static X509Certificate oldCert;
  static X509Certificate renewedCert;
  static String oldSerial;
  static String renewedSerial;

  @BeforeAll
  static void pki() throws Exception {
    DevPki pki = DevPki.create(dir, true);
    // two certificates standing for two of bob's: what matters here is their serials
    oldCert = pki.certificate("bob");
    renewedCert = pki.certificate("dave");
    oldSerial = CertificatePolicy.serialOf(oldCert);
    renewedSerial = CertificatePolicy.serialOf(renewedCert);
  }

  private static Principal bob(X509Certificate cert) {
    return new Principal("bob", Role.ACQUIRER, cert, Origin.sftp("127.0.0.1:1"));
  }

  private static final LiveSessions.Download DOWNLOAD = new LiveSessions.Download("g_1", "f_1", "alice", "h");

  /** The door's re-authentication: its key bound to {@code now}'s certificate, or refused when {@code now} is null. */
  private static Supplier<Principal> standing(AtomicReference<X509Certificate> now) {
    return () -> {
      X509Certificate c = now.get();
      if (c == null) {
        throw new UnauthenticatedException(Reason.CERTIFICATE_REVOKED, "revoked");
      }
      return bob(c);
    };
  }

  @Test
  void aFollowerRegisteredUnderTheOldCertificateIsClosedWhenTheRenewedOneIsRevokedFirst() {
    LiveSessions sessions = new LiveSessions();
    AtomicReference<X509Certificate> key = new AtomicReference<>(renewedCert); // bound to the renewed one by now
    List<Reason> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
    sessions.registerDownload(bob(oldCert), DOWNLOAD, standing(key), (reason, why) -> closed.add(reason));

    key.set(null); // the renewed certificate is revoked: the key it vouches for is refused
    assertThat(sessions.closeCertificate("bob", renewedSerial, Reason.CERTIFICATE_REVOKED, "revoked")).isOne();
    assertThat(closed).containsExactly(Reason.CERTIFICATE_REVOKED);
    assertThat(sessions.transfers(Origin.SFTP)).isZero();
  }

  @Test
  void aFollowerGoesOnThroughAnotherCertificatesRevocationAndIsClosedWithTheOneItActsWith() {
    LiveSessions sessions = new LiveSessions();
    AtomicReference<X509Certificate> key = new AtomicReference<>(renewedCert);
    List<Reason> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
    sessions.registerFollowing(bob(oldCert), false, standing(key), (reason, why) -> closed.add(reason));
    // a non-follower (a gRPC call) under the old certificate is that certificate's
    List<Reason> grpc = new java.util.concurrent.CopyOnWriteArrayList<>();
    sessions.register(new Principal("bob", Role.ACQUIRER, oldCert, Origin.grpc("127.0.0.1:2")), false,
        (reason, why) -> grpc.add(reason));

    assertThat(sessions.closeCertificate("bob", oldSerial, Reason.CERTIFICATE_REVOKED, "revoked")).isOne();
    assertThat(grpc).containsExactly(Reason.CERTIFICATE_REVOKED);
    assertThat(closed).as("it acts with the renewed certificate").isEmpty();
    assertThat(sessions.count(Origin.SFTP)).isOne();

    assertThat(sessions.closeCertificate("bob", renewedSerial, Reason.CERTIFICATE_REVOKED, "revoked")).isOne();
    assertThat(closed).containsExactly(Reason.CERTIFICATE_REVOKED);
  }

  /**
   * Review RS: a registration on another certificate whose check fails for a cause of its own (its certificate expired,
   * its key removed) was closed as this revocation's and counted; a gRPC download so closed left the registry while its
   * call went on, and its grant's revoke no longer found it. It is left to its own checks.
   */
  @Test
  void anotherCertificatesRegistrationRefusedForACauseOfItsOwnIsLeftToItsOwnChecks() {
    LiveSessions sessions = new LiveSessions();
    List<Reason> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
    Supplier<Principal> expired = () -> {
      throw new UnauthenticatedException(Reason.CERTIFICATE_EXPIRED, "expired");
    };
    sessions.registerDownload(bob(oldCert), DOWNLOAD, expired, (reason, why) -> closed.add(reason));
    assertThat(sessions.closeCertificate("bob", renewedSerial, Reason.CERTIFICATE_REVOKED, "revoked")).isZero();
    assertThat(closed).isEmpty();
    assertThat(sessions.closeDownloads(d -> d.grantId().equals("g_1"), Reason.GRANT_REVOKED, "grant revoked"))
        .as("still found by its grant's revoke").isOne();
    assertThat(closed).containsExactly(Reason.GRANT_REVOKED);
  }

  /**
   * Review RR: the registration left the registry while it was authenticated again (a database query), and an act on
   * its grant in that moment found nothing to cut; it came back uncut under the new serial.
   */
  @Test
  void anActOnTheGrantWhileARevocationAuthenticatesTheDownloadAgainCutsIt() throws Exception {
    LiveSessions sessions = new LiveSessions();
    CountDownLatch inCheck = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    Supplier<Principal> slow = () -> {
      inCheck.countDown();
      try {
        goOn.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return bob(renewedCert);
    };
    List<Reason> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
    sessions.registerDownload(bob(oldCert), DOWNLOAD, slow, (reason, why) -> closed.add(reason));
    CompletableFuture<Integer> revoke = CompletableFuture.supplyAsync(() -> sessions.closeCertificate("bob", oldSerial,
        Reason.CERTIFICATE_REVOKED, "revoked"));
    assertThat(inCheck.await(10, TimeUnit.SECONDS)).isTrue();
    int cut = sessions.closeDownloads(d -> d.grantId().equals("g_1"), Reason.GRANT_REVOKED, "grant revoked");
    goOn.countDown();
    assertThat(revoke.get(10, TimeUnit.SECONDS)).as("the revocation closes nothing: it follows").isZero();
    assertThat(cut).as("the grant's revoke found it").isOne();
    assertThat(closed).containsExactly(Reason.GRANT_REVOKED);
    assertThat(sessions.transfers(Origin.SFTP)).as("not back in the registry").isZero();
  }
}
