package dev.sealdrop.server.core.sshkey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.server.core.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** Round BL: a request with two .pub lines was refused as a comment too long; it is told to pass one line. */
class SshPublicKeyLinesTest {
  private static final String LINE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me";

  @Test
  void severalLinesAreToldToPassOneAndOneLineParses() {
    assertThat(SshPublicKey.parse(LINE + "\n").comment()).isEqualTo("me");
    for (String two : new String[] {LINE + "\n" + LINE, LINE + "\r\n" + LINE + "\r\n"}) {
      InvalidRequestException e = catchThrowableOfType(() -> SshPublicKey.parse(two), InvalidRequestException.class);
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).isEqualTo("SSH public key refused: the request holds several lines; pass one .pub"
          + " line (one key per call)");
    }
  }
}
