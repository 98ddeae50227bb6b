package dev.sealdrop.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.status.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A grant token or claim id that a library writes into a log line (MINA logs SFTP paths, and /redeem/TOKEN is one)
 * is redacted by the server's configured log format, in the message and in a stack trace's messages.
 */
class SecretRedactionTest {
  private static final String TOKEN = "sdg_Q2hhbmdlIG1lIGlmIHlvdSBjYW4gcmVhZCB0aGlzIHRva2Vu";
  private static final String CLAIM = "sdc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  @Test
  void theConfiguredLogFormatRedactsTokensAndClaimIdsInMessagesAndStackTraces() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger mina = context.getLogger("org.apache.sshd.sftp.server.SftpSubsystem");
    @SuppressWarnings("unchecked")
    OutputStreamAppender<ILoggingEvent> stderr =
        (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    assertThat(stderr).as("the STDERR appender of logback.xml").isNotNull();
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), mina, Level.WARN,
        "onExit({}) failed to close handle for /redeem/{} (claim {})",
        new IOException("cannot close /redeem/" + TOKEN + ": broken pipe"), new Object[] {"session 7", TOKEN, CLAIM});
    String line = new String(stderr.getEncoder().encode(event), StandardCharsets.UTF_8);

    assertThat(line).doesNotContain(TOKEN).doesNotContain(CLAIM).doesNotContain(TOKEN.substring(4, 20))
        .contains("failed to close handle for /redeem/sdg_[redacted] (claim sdc_[redacted])")
        .contains("java.io.IOException: cannot close /redeem/sdg_[redacted]: broken pipe")
        .contains("at dev.sealdrop.server.logging.SecretRedactionTest");
  }

  /**
   * Round AI: a client's text that a library logs (MINA's key-exchange failure quotes the algorithm names offered
   * before any login; an exec command; a subsystem name) wrote lines of its own choosing, under any logger, with escape
   * sequences too. The configured format keeps a message, and each message of a stack trace, to one line.
   */
  @Test
  void aMessageOrAnExceptionsMessageCannotStartALineOfItsOwn() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger mina = context.getLogger("org.apache.sshd.common.session.helpers.AbstractSession");
    @SuppressWarnings("unchecked")
    OutputStreamAppender<ILoggingEvent> stderr =
        (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    String forged = "x\n09:99:99.000 ERROR sealdrop.security - FORGED\r\u001b[2K\u2028\u0085 / server: aes";
    IOException cause = new IOException("cause " + forged);
    IllegalStateException thrown = new IllegalStateException("Unable to negotiate (client: " + forged + ")", cause);
    thrown.addSuppressed(new IOException("suppressed " + forged));
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), mina, Level.WARN,
        "exceptionCaught: Unable to negotiate (client: {})", thrown, new Object[] {forged});
    String text = new String(stderr.getEncoder().encode(event), StandardCharsets.UTF_8);

    assertThat(text.lines()).as(text).noneMatch(l -> l.startsWith("09:99:99.000"))
        .noneMatch(l -> l.contains("\u001b")).noneMatch(l -> l.contains("\u2028")).noneMatch(l -> l.contains("\r"));
    assertThat(text.lines().findFirst().orElseThrow())
        .endsWith("(client: x\\n09:99:99.000 ERROR sealdrop.security - FORGED\\r\\u001b[2K\\u2028\\u0085 / server: aes)");
    assertThat(text).contains("java.lang.IllegalStateException: Unable to negotiate (client: x\\n09:99")
        .contains("Caused by: java.io.IOException: cause x\\n09:99").contains("Suppressed: java.io.IOException:"
            + " suppressed x\\n09:99").contains("\tat dev.sealdrop.server.logging.SecretRedactionTest");
    assertThat(ControlCharacters.escaped("plain\ttext é ✓")).isEqualTo("plain\ttext é ✓");
    assertThat(ControlCharacters.escaped("a\u202eb\u2066c\u200fd")).isEqualTo("a\\u202eb\\u2066c\\u200fd");
    // a backslash a client wrote is doubled: a line's escapes are the log's own (round AN)
    assertThat(ControlCharacters.escaped("a\\nb\nc")).isEqualTo("a\\\\nb\\nc");
  }

  /**
   * Logback prints its whole configuration status (dozens of lines) on stdout when configuring logged a warning, and
   * stdout is where the server promises only its "listening on" lines: so the configuration must load without one.
   */
  @Test
  void theLogConfigurationLoadsWithoutWarningsThatLogbackWouldPrintOnStdout() throws Exception {
    LoggerContext fresh = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(fresh);
    configurator.doConfigure(SecretRedactionTest.class.getResource("/logback.xml"));

    assertThat(fresh.getStatusManager().getCopyOfStatusList())
        .as("logback's status messages at WARN or above while loading logback.xml")
        .filteredOn(status -> status.getEffectiveLevel() >= Status.WARN)
        .extracting(Status::getMessage).isEmpty();
    fresh.stop();
  }

  @Test
  void onlySecretsAreRedacted() {
    assertThat(SecretRedaction.redact("grant g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67 of file f_3f2a9c1e consumed"))
        .isEqualTo("grant g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67 of file f_3f2a9c1e consumed");
    assertThat(SecretRedaction.redact("GET /redeem/" + TOKEN.substring(0, 12) + " cut")).isEqualTo(
        "GET /redeem/sdg_[redacted] cut");
    assertThat(SecretRedaction.redact(null)).isNull();
    assertThat(SecretRedaction.redact("prefix sdg_ alone")).isEqualTo("prefix sdg_ alone");
    // glued to what precedes it (a token pasted into an identity name, a path): redacted all the same
    assertThat(SecretRedaction.redact("x" + TOKEN + " and 7" + CLAIM + "/")).isEqualTo(
        "xsdg_[redacted] and 7sdc_[redacted]/");
    // in another case, the secret part is the token's all the same
    assertThat(SecretRedaction.redact("leaked SDG_" + TOKEN.substring(4) + " and Sdc_" + CLAIM.substring(4)))
        .isEqualTo("leaked SDG_[redacted] and Sdc_[redacted]");
  }

  /** Round AY: a token's secret part without its prefix, where a person typed it (an SSH user name, a reason). */
  @Test
  void aBareSecretIsRedactedOnlyWhereItStandsAlone() {
    String secret = "Q2hhbmdlIG1lIGlmIHlvdSBjYW4gcmVhZCB0aGlzI-_"; // 32 bytes in base64url, as Secrets makes them
    assertThat(secret).hasSize(43);
    assertThat(SecretRedaction.redactBare("user " + secret + ".")).isEqualTo("user [redacted:token-secret].");
    assertThat(SecretRedaction.redactBare("sdg_" + secret)).isEqualTo("sdg_[redacted]");
    // longer runs, and one with padding after it (a standard base64 value), are not a secret's shape
    for (String kept : new String[] {secret + "A", "A" + secret, secret + "=", "a/" + secret + "==",
        secret.substring(1)}) {
      assertThat(SecretRedaction.redactBare(kept)).as(kept).isEqualTo(kept);
    }
    // review BJ: a URL's path or query, or a '+' before it, is no base64 around it: a pasted link is redacted
    assertThat(SecretRedaction.redactBare("t=" + secret + ".")).isEqualTo("t=[redacted:token-secret].");
    assertThat(SecretRedaction.redactBare("see https://x/redeem/" + secret)).isEqualTo("see https://x/redeem/"
        + "[redacted:token-secret]");
    assertThat(SecretRedaction.redactBare("?t=" + secret + "&a=1")).isEqualTo("?t=[redacted:token-secret]&a=1");
    assertThat(SecretRedaction.redactBare("+" + secret)).isEqualTo("+[redacted:token-secret]");
    // review BK: nor a '/' or '+' after it, as in a link pasted with its trailing slash
    assertThat(SecretRedaction.redactBare("https://h/redeem/" + secret + "/ seen")).isEqualTo("https://h/redeem/"
        + "[redacted:token-secret]/ seen");
    assertThat(SecretRedaction.redactBare("=" + secret + "+")).isEqualTo("=[redacted:token-secret]+");
    // review RS: an SSH key's fingerprint in a reason stays readable
    String fingerprint = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
    assertThat(SecretRedaction.redactBare("stolen key " + fingerprint + " removed")).isEqualTo("stolen key "
        + fingerprint + " removed");
    assertThat(SecretRedaction.redactBare(null)).isNull();
    assertThat(dev.sealdrop.server.core.sshkey.SshKeyService.loggable(secret)).isEqualTo("[redacted:token-secret]");
    assertThat(dev.sealdrop.server.core.sshkey.SshKeyService.loggable("alice")).isEqualTo("alice");
    // with something around it or a character mistyped, most of the secret is there all the same (round BJ)
    for (String around : new String[] {"sdg-" + secret, " " + secret, secret + " ", "bob" + secret,
        secret.substring(0, 20) + "!" + secret.substring(21), "SDG-" + secret.substring(0, 40)}) {
      assertThat(dev.sealdrop.server.core.sshkey.SshKeyService.loggable(around)).as(around)
          .isEqualTo("[redacted:token-secret]");
    }
    assertThat(dev.sealdrop.server.core.sshkey.SshKeyService.loggable("customer-success-team.eu@example.com"))
        .as("an ordinary long name").isEqualTo("customer-success-team.eu@example.com");
  }
}
