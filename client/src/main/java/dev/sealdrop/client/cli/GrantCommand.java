package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.FileInfo;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code sealdrop grant FILE_ID --to IDENTITY}: a one-time grant for a file already uploaded
 * (e.g. by SFTP into /outbox/). The recipient's key bundle is verified and pinned as {@code send}
 * does, and the file must be sealed for that key: a grant the recipient could not open is refused.
 */
@Command(name = GrantCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Create a one-time grant for IDENTITY on FILE_ID, a file you already uploaded (see `sealdrop files`);"
        + " prints the grant token.",
        "The recipient's key bundle is fetched, verified against your CA and pinned on first use; the file must be"
            + " sealed for that key (`sealdrop seal --to IDENTITY`)."},
    footer = {"  sealdrop grant f_3f2a9c1e5b7d40a8c6e2f19b0d4a7c35 \\",
        "      --to bob --expires 72h --downloads 1",
        "  TOKEN=$(sealdrop grant \"$ID\" --to bob --json | jq -r .token)"})
final class GrantCommand extends SealdropSubcommand {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "grant";

  @Parameters(index = "0", paramLabel = "FILE_ID", description = "The uploaded file (see `sealdrop files`).")
  String fileId;

  @Mixin
  GrantRecipient to;

  @Mixin
  GrantTerms terms;

  @Override
  void run(Session session) throws Exception {
    String pasted = fileId.strip().toLowerCase(java.util.Locale.ROOT);
    if (pasted.isEmpty()) {
      throw EmptyArgument.failure("FILE_ID", "give the id of a file you uploaded (f_...); `sealdrop files` lists them");
    }
    // anything but a file id's shape is refused here, before the server is asked (outside test: `grant null` listed
    // the files to say "no uploaded file null"); a secret never travels to the server nor back into a message, and a
    // grant id is named as one
    GrantIds.requireFile(fileId, "`sealdrop files`", "`sealdrop grants revoke` takes a grant id");
    to.requireNamed();
    Recipients.refuseSelf("grant", session.config().identity(), to.identity, "you can open your own uploads with the"
        + " file you sealed (`sealdrop open`)");
    // The server lists every file of ours (ids as it writes them, lower case, as it also reads them).
    String wanted = wanted();
    Optional<FileInfo> file;
    try {
      file = OwnListings.files(session).stream().filter(f -> f.getFileId().equals(wanted)).findFirst();
    } catch (dev.sealdrop.client.failure.PermissionFailure e) {
      if (!"ROLE_FORBIDDEN".equals(e.reason())) {
        throw e;
      }
      // the listing is this command's first step, not what its user asked for (outside test: "only a transferor may
      // list uploaded files" for a grant)
      throw e.retold("permission denied: only a transferor may grant files; " + session.config().identity()
          + " is not one", GrpcFailures.roleForbiddenHint("grant files", e.getMessage()));
    }
    if (file.isEmpty()) {
      // refused before the recipient's key is fetched: a mistyped id pins no key and asks the server nothing more
      throw fileNotFound();
    }
    KeyTrust.Trusted recipient = to.fetchTrusted(session);
    String key = recipient.bundle().recipientKey().fingerprint();
    boolean sealedForThem = file.get().getRecipientKeyFingerprintsList().contains(key);
    // The server decides, in its order: first whether the recipient may receive grants at all (an admin or a
    // transferor may not, and sealing the file again would not change that: outside test), then whether the file is
    // sealed for the key the recipient published. A file purged since it was listed, or a recipient the server does
    // not know: refused in the server's words.
    CreateGrantResponse grant;
    try {
      grant = ServerConnection.call(GrpcFailures.Op.CREATE_GRANT,
          () -> session.connect().transfer().createGrant(terms.request(wanted, to.identity)));
    } catch (SealdropFailure refused) {
      if (!sealedForThem && "NOT_SEALED_FOR_RECIPIENT".equals(refused.reason())) {
        // the same refusal, with both sides' key fingerprints as this client checked them
        throw new UsageFailure("NOT_SEALED_FOR_RECIPIENT", "file " + TerminalText.clean(wanted()) + " is not sealed"
            + " for " + TerminalText.clean(to.identity) + "'s encryption key " + key + " (it is sealed for: "
            + TerminalText.clean(String.join(", ", file.get().getRecipientKeyFingerprintsList())) + ")",
            to.identity + " could not open it; send the original file again: `sealdrop send FILE --to "
                + TerminalText.clean(to.identity) + "` seals it for their current keys, uploads it and grants it (or"
                + " `sealdrop seal FILE --to " + TerminalText.clean(to.identity) + " -o FILE.sealed`, upload that, and"
                + " grant the new file)", refused);
      }
      if ("NOT_FOUND".equals(refused.reason())) {
        throw fileNotFound(); // deleted since it was listed: as for a file not listed (round CX)
      }
      throw refused;
    }
    new IssuedGrantView("Granted " + grant.getGrant().getFileId() + " to " + recipient.bundle().identity(), grant,
        recipient.bundle(), java.util.Optional.empty(), terms).emit(session, "run the same grant again");
  }

  /** The file id as the server writes it (round X: messages repeated it as typed, spaces and case included). */
  private String wanted() {
    return fileId.strip().toLowerCase(java.util.Locale.ROOT);
  }

  /** A file id that is not among the files the server lists for us: the id, and the command that lists them. */
  private UsageFailure fileNotFound() {
    return new UsageFailure("FILE_ID_NOT_FOUND", "you have no uploaded file " + TerminalText.clean(wanted())
        + " on the server; nothing was granted", "`sealdrop files` lists the files you uploaded, with their ids"
            + " (f_...): check the id, or upload the file first (`sealdrop send FILE --to "
            + TerminalText.clean(to.identity) + "` seals, uploads and grants it in one go)");
  }
}
