package dev.sealdrop.client.keystore;

import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.HostPort;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * The profile's settings ({@code profile.properties}), validated when read.
 *
 * @param identity who we are: the subject CN of our client certificate
 * @param server the transfer server
 * @param adminServer the management listener, if configured
 */
public record ProfileConfig(String identity, HostPort server, Optional<HostPort> adminServer) {
  static final int FORMAT = 1;

  /**
   * What to do about a damaged settings file. Not {@code init --force}: that makes new keys, and files sealed for
   * the old ones could no longer be opened (outside test: the old hint said "run init again").
   */
  private static final String REPAIR = "restore the file from a backup, or fix it: it holds the lines format=1,"
      + " identity=NAME (your certificate's subject CN), server=HOST:PORT and, for admins, admin_server=HOST:PORT;"
      + " your keys are not in it and are unchanged (do not run `init --force`: it would make new keys)";

  public ProfileConfig {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(adminServer, "adminServer");
    if (identity.isBlank()) {
      throw new IllegalArgumentException("identity must not be blank");
    }
  }

  byte[] encode() {
    Properties p = new Properties();
    p.setProperty("format", Integer.toString(FORMAT));
    p.setProperty("identity", identity);
    p.setProperty("server", server.toString());
    adminServer.ifPresent(a -> p.setProperty("admin_server", a.toString()));
    StringWriter w = new StringWriter();
    try {
      p.store(w, "sealdrop profile; edit with care");
    } catch (IOException e) {
      throw new IllegalStateException("cli: internal error: cannot encode profile", e);
    }
    return w.toString().getBytes(StandardCharsets.UTF_8);
  }

  static ProfileConfig decode(byte[] bytes, String where) throws KeyStoreFailure {
    Properties p = new Properties();
    try {
      String text = new String(bytes, StandardCharsets.UTF_8);
      // an editor's byte-order mark would become part of the first key, "format" (outside test: "lacks format")
      p.load(new StringReader(text.startsWith("\uFEFF") ? text.substring(1) : text));
      if (!Integer.toString(FORMAT).equals(require(p, "format", where))) {
        throw new KeyStoreFailure("PROFILE_DAMAGED", where + " has an unknown format (format="
            + p.getProperty("format").trim() + "; this version reads format=" + FORMAT + ")", REPAIR);
      }
      String admin = p.getProperty("admin_server");
      return new ProfileConfig(require(p, "identity", where), HostPort.parse(require(p, "server", where)),
          admin == null ? Optional.empty() : Optional.of(HostPort.parse(admin)));
    } catch (IOException | IllegalArgumentException | UsageFailure e) {
      throw new KeyStoreFailure("PROFILE_DAMAGED", where + " is damaged: " + e.getMessage(), REPAIR, e);
    }
  }

  private static String require(Properties p, String key, String where) throws KeyStoreFailure {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new KeyStoreFailure("PROFILE_DAMAGED", where + " lacks \"" + key + "\"", REPAIR);
    }
    return v.trim();
  }
}
