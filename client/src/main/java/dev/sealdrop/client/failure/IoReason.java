package dev.sealdrop.client.failure;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Why a local file operation failed, in words: the JDK's text of a missing or forbidden file is just its path. */
public final class IoReason {
  private IoReason() {
  }

  /** {@code no such file}, {@code permission denied}, the system's reason ({@code Read-only file system}), else the message. */
  public static String of(Exception e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
