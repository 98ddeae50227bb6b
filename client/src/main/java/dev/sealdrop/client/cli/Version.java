package dev.sealdrop.client.cli;

import picocli.CommandLine;

/** {@code sealdrop --version}. */
public final class Version implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Version.class.getPackage().getImplementationVersion();
    return new String[] {"sealdrop " + (v == null ? "0.1.0-SNAPSHOT" : v)};
  }
}
