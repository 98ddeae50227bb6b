package dev.sealdrop.server.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's {@code %msg}, with secrets redacted ({@link SecretRedaction}) and kept to one line ({@link
 * ControlCharacters}); registered by logback.xml.
 */
public final class RedactingMessageConverter extends MessageConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return ControlCharacters.escaped(SecretRedaction.redact(super.convert(event)));
  }
}
