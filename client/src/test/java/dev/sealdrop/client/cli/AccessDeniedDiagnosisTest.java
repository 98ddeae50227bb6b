package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.AccessDeniedException;
import org.junit.jupiter.api.Test;

/**
 * An output folder the user may not write into: {@code open}, {@code seal} and {@code receive}
 * first write a hidden temporary file there, and the refusal must name the folder the user chose,
 * not that file. (Root writes anywhere, so the JDK's exception is built here rather than provoked.)
 */
class AccessDeniedDiagnosisTest {
  @Test
  void aRefusedTemporaryFileNamesItsFolderNotItself() {
    Diagnosis d = Diagnoser.diagnose(new AccessDeniedException("/srv/deals/.sealdrop-8412.part"));
    assertThat(d.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(d.reason()).isEqualTo("ACCESS_DENIED");
    assertThat(d.message()).isEqualTo("cannot write into /srv/deals: permission denied").doesNotContain(".part");
    assertThat(d.hint()).hasValueSatisfying(h -> assertThat(h).contains("folder"));
  }

  @Test
  void aFileTheUserNamedIsNamedAsItIs() {
    Diagnosis d = Diagnoser.diagnose(new AccessDeniedException("/srv/deals/customers.csv"));
    assertThat(d.reason()).isEqualTo("ACCESS_DENIED");
    assertThat(d.message()).isEqualTo("cannot access /srv/deals/customers.csv: permission denied");
  }
  @Test
  void anOperationNotPermittedIsAnAccessRefusalNotABug() {
    // EPERM, e.g. an immutable folder (chattr +i): the JDK's FileSystemException with the system's reason
    Diagnosis d = Diagnoser.diagnose(new java.nio.file.FileSystemException(
        "/srv/deals/.audit.jsonl.9358182598770569571.part", null, "Operation not permitted"));
    assertThat(d.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(d.reason()).isEqualTo("ACCESS_DENIED");
    assertThat(d.message()).isEqualTo("cannot write into /srv/deals: operation not permitted");
    assertThat(d.hint()).hasValueSatisfying(h -> assertThat(h).contains("lsattr").doesNotContain("bug"));
  }
}
