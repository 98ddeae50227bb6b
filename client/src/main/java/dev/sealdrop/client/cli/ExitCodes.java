package dev.sealdrop.client.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one table of exit codes. Scripts rely on these numbers: never renumber, only add. Printed
 * in every {@code --help} footer and documented in {@code docs/cli.md}.
 */
public enum ExitCodes {
  OK(0, "ok", "success"),
  INTERNAL(1, "internal", "internal error (a bug: re-run with --verbose, report it)"),
  USAGE(2, "usage", "usage error: bad option or argument, missing file or profile"),
  AUTH(3, "auth", "authentication or TLS refused (certificate not accepted)"),
  NOT_REDEEMABLE(4, "not_redeemable", "grant not redeemable: expired, consumed, revoked, claimed, not found"),
  INTEGRITY(5, "integrity", "integrity: tampered, bad signature, changed key, not a recipient"),
  PERMISSION(6, "permission", "permission denied: wrong role, not yours, or a per-identity limit"),
  KEYSTORE(7, "keystore", "wrong passphrase or key store problem"),
  UNAVAILABLE(8, "unavailable", "server unavailable or busy, or network failure (re-run to resume)");

  private final int code;
  private final String kind;
  private final String description;

  ExitCodes(int code, String kind, String description) {
    this.code = code;
    this.kind = kind;
    this.description = description;
  }

  public int code() {
    return code;
  }

  /** Stable lowercase name used in JSON error documents. */
  public String kind() {
    return kind;
  }

  public String description() {
    return description;
  }

  /** The table as picocli's {@code exitCodeList} wants it: "  N" to description, in order. */
  public static Map<String, String> helpList() {
    Map<String, String> m = new LinkedHashMap<>();
    for (ExitCodes c : values()) {
      m.put(" " + c.code, c.description);
    }
    return m;
  }
}
