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

  public static Path locate(Path homeOption, Map<String, String> environment, Path userHome) {
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
    return userHome.resolve(DEFAULT_FOLDER).toAbsolutePath().normalize();
  }
}
