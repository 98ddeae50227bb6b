package dev.sealdrop.server.core.identity;

import java.util.regex.Pattern;

/** The identity alphabet: what a certificate CN must look like to be an identity here. */
public final class IdentityNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

  private IdentityNames() {}

  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  public static String check(String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException("identity name '" + name
          + "' is not allowed: 1-64 characters of letters, digits, '.', '_', '@', '-', starting with a letter or digit");
    }
    return name;
  }
}
