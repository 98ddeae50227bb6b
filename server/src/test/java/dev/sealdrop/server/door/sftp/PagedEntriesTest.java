package dev.sealdrop.server.door.sftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnavailableException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.sshd.sftp.common.SftpConstants;
import org.junit.jupiter.api.Test;

/**
 * A folder read a page at a time ({@link PagedEntries}): every kept row once, across pages, and a later page's failure
 * told to the client as the failure it is, with its reason (review EC: a bare "failure").
 */
class PagedEntriesTest {
  private static final Path ROOT = Path.of("/");

  @Test
  void rowsOfEveryPageComeOnceAndTheKeptOnesOnly() throws Exception {
    List<String> asked = new ArrayList<>();
    DirectoryStream<Path> folder = PagedEntries.open(token -> {
      asked.add(token);
      return switch (token) {
        case "" -> new Page<>(List.of(1, 2, 3), "b");
        case "b" -> new Page<>(List.of(4, 5, 6), "c");
        default -> new Page<>(List.of(7), "");
      };
    }, n -> n % 2 == 1, n -> ROOT.resolve("n" + n), null);
    assertThat(asked).as("the first page at the open").containsExactly("");
    List<String> names = new ArrayList<>();
    folder.iterator().forEachRemaining(p -> names.add(p.getFileName().toString()));
    assertThat(names).containsExactly("n1", "n3", "n5", "n7");
    assertThat(asked).containsExactly("", "b", "c");
  }

  @Test
  void aLaterPagesRefusalReachesTheClientWithItsReason() throws Exception {
    DirectoryStream<Path> folder = PagedEntries.open(token -> {
      if (token.isEmpty()) {
        return new Page<>(List.of(1), "next");
      }
      throw SftpErrors.toIo(new UnavailableException(Reason.STORAGE_FULL, "the server's disk is full"));
    }, n -> true, n -> ROOT.resolve("n" + n), null);
    Iterator<Path> it = folder.iterator();
    assertThat(it.next().getFileName().toString()).isEqualTo("n1");
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(it::hasNext);
    assertThat(thrown).isInstanceOf(DirectoryIteratorException.class);
    SftpErrors errors = new SftpErrors();
    assertThat(errors.resolveErrorMessage(null, 1, thrown, SftpConstants.SSH_FX_FAILURE, SftpConstants.SSH_FXP_READDIR))
        .contains("the server's disk is full").contains("[STORAGE_FULL]");
    assertThatThrownBy(() -> folder.iterator()).as("a folder is read once").isInstanceOf(IllegalStateException.class);
  }
}
