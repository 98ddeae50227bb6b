package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Round AQ: refused acts the audit log recorded (a non-admin on the admin listener, an identity added twice) left no
 * line in the server log, nor did the creation of an admin; an operator watching the log missed role probing and
 * identity creation.
 */
class RefusalLogTest extends OneServerPerMethod {
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final CapturedLog seen = new CapturedLog();
  private final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void capture() {
    seen.setContext(context);
    seen.start();
    root.addAppender(seen);
  }

  @AfterEach
  void release() {
    root.detachAppender(seen);
    seen.stop();
  }

  private List<String> lines() {
    return seen.events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void refusedActsAndAnIdentityAddedAreEachALineInTheServerLog() {
    refused(() -> admins.admin("bob").listIdentities(ListIdentitiesRequest.getDefaultInstance()),
        Status.Code.PERMISSION_DENIED, "ROLE_FORBIDDEN");
    assertThat(lines()).anySatisfy(l -> assertThat(l).startsWith("refused: admin.refuse by 'bob'")
        .contains("(role-forbidden) from 127.0.0.1:"));
    admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("zed").setRole(Role.ROLE_ADMIN)
        .build());
    assertThat(lines()).contains("identity 'zed' added as admin by admin 'carol'");
    refused(() -> admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("zed")
        .setRole(Role.ROLE_ADMIN).build()), Status.Code.ALREADY_EXISTS, null);
    assertThat(lines()).anySatisfy(l -> assertThat(l).startsWith("refused: admin.identity.add by 'carol' on"
        + " identity:zed (identity-exists)"));
  }
}
