package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.ShellWords;
import dev.sealdrop.client.keystore.Profile;
import dev.sealdrop.client.keystore.ProfileExposure;

/** Warns, once per command that reads a profile, when other users of the machine could read or change it. */
public final class OpenProfileWarning {
  private OpenProfileWarning() {}

  public static void warnIfOpen(Profile profile, Output out) {
    ProfileExposure.of(profile).ifPresent(open -> out.warn(open + ". Make it yours alone: chmod -R go-rwx "
        + ShellWords.of(profile.dir().toString())));
  }
}
