package dev.sealdrop.keys.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AtomicFiles#publishNew} never replaces an existing name, on file systems with hard links and without (review
 * DM: on FAT, exFAT or an SMB share the link is refused with "Operation not permitted", and every receive or open into
 * such a folder failed after the whole file was verified, saying the file's permissions were at fault).
 */
class AtomicFilesTest {
  @TempDir
  Path dir;

  /** A file system without hard links, as Linux reports one (EPERM from link(2)). */
  private static final AtomicFiles.Linker NO_LINKS = (link, existing) -> {
    throw new FileSystemException(link.toString(), existing.toString(), "Operation not permitted");
  };

  @Test
  void publishesANewNameWithAHardLink() throws Exception {
    Path temp = temp("content");
    Path target = dir.resolve("report.pdf");
    AtomicFiles.publishNew(temp, target);
    assertThat(target).hasContent("content");
    assertThat(temp).doesNotExist();
  }

  @Test
  void publishesANewNameWhereHardLinksAreRefused() throws Exception {
    Path temp = temp("content");
    Path target = dir.resolve("report.pdf");
    AtomicFiles.publishNew(temp, target, NO_LINKS);
    assertThat(target).hasContent("content");
    assertThat(temp).doesNotExist();
  }

  @Test
  void neverReplacesAnExistingNameWithOrWithoutHardLinks() throws Exception {
    Path target = Files.writeString(dir.resolve("report.pdf"), "kept", StandardCharsets.UTF_8);
    Path temp = temp("new");
    assertThatThrownBy(() -> AtomicFiles.publishNew(temp, target)).isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> AtomicFiles.publishNew(temp, target, NO_LINKS))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(target).hasContent("kept");
    assertThat(temp).hasContent("new");
  }

  private Path temp(String content) throws Exception {
    return Files.writeString(AtomicFiles.createTemp(dir, ".sealdrop-"), content, StandardCharsets.UTF_8);
  }
}
