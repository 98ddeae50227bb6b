package dev.sealdrop.server.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * Logback's {@code %ex} (stack traces, whose messages may name a path), with secrets redacted, and each exception's
 * message kept to its own line ({@link ControlCharacters}: the trace's own line breaks stay); see logback.xml.
 */
public final class RedactingThrowableConverter extends ThrowableProxyConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return SecretRedaction.redact(super.convert(event));
  }

  @Override
  protected String throwableProxyToString(IThrowableProxy tp) {
    return super.throwableProxyToString(new OneLineMessages(tp));
  }

  /** {@code tp} whose messages, its causes' and suppressed ones' too, have their line breaks escaped. */
  private record OneLineMessages(IThrowableProxy tp) implements IThrowableProxy {
    @Override
    public String getMessage() {
      return ControlCharacters.escaped(tp.getMessage());
    }

    @Override
    public String getClassName() {
      return tp.getClassName();
    }

    @Override
    public StackTraceElementProxy[] getStackTraceElementProxyArray() {
      return tp.getStackTraceElementProxyArray();
    }

    @Override
    public int getCommonFrames() {
      return tp.getCommonFrames();
    }

    @Override
    public IThrowableProxy getCause() {
      return tp.getCause() == null ? null : new OneLineMessages(tp.getCause());
    }

    @Override
    public IThrowableProxy[] getSuppressed() {
      IThrowableProxy[] s = tp.getSuppressed();
      if (s == null) {
        return null;
      }
      IThrowableProxy[] wrapped = new IThrowableProxy[s.length];
      for (int i = 0; i < s.length; i++) {
        wrapped[i] = new OneLineMessages(s[i]);
      }
      return wrapped;
    }

    @Override
    public boolean isCyclic() {
      return tp.isCyclic();
    }
  }
}
