package dev.sealdrop.client.keystore;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the profile folder is: {@code --home DIR}, else {@code SEALDROP_HOME}, else
 * {@code $HOME/.sealdrop} (the {@code HOME} variable when it names an absolute path, as shells and
 * most tools read it; else the account's home folder that Java reports).
 */
public final class ProfileLocator {
  public static final String HOME_VARIABLE = "SEALDROP_HOME";
  public static final String DEFAULT_FOLDER = ".sealdrop";

  private ProfileLocator() {}

  public static Path locate(Path homeOption, Map<String, String> environment, Path userHome)
      throws dev.sealdrop.client.failure.UsageFailure {
    if (homeOption != null) {
      return homeOption.toAbsolutePath().normalize();
    }
    String fromEnv = environment.get(HOME_VARIABLE);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv).toAbsolutePath().normalize();
    }
    String home = environment.get("HOME");
    if (home != null && !home.isBlank() && Path.of(home).isAbsolute()) {
      return Path.of(home).resolve(DEFAULT_FOLDER).normalize();
    }
    if (!userHome.isAbsolute()) {
      // an account with no home (a uid with no passwd entry, as `docker run -u UID`): Java reports "?", and the
      // profile, its keys with it, landed in ./?/.sealdrop under whatever folder the command ran in (round AD)
      throw new dev.sealdrop.client.failure.UsageFailure("NO_HOME", "no folder for the profile: --home and "
          + HOME_VARIABLE + " are not given, HOME is not an absolute path, and this account has no home folder",
          "give the profile's folder with --home DIR or set " + HOME_VARIABLE + "=DIR (or HOME)");
    }
    return userHome.resolve(DEFAULT_FOLDER).normalize();
  }
}
