package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.JsonPath;
import dev.sealdrop.client.cli.output.Progress;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.SealingOutputStream;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sealdrop seal}: offline sealing, for files that travel another way. */
@Command(name = SealCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Seal FILE for one or more recipients, offline, into OUT (ciphertext only).",
        "Each --to is an identity whose key you pinned (`sealdrop keys show NAME`) or a bundle file"
            + " (`sealdrop keys export`), verified against your CA."},
    footer = {"  sealdrop seal clients.csv --to bob --to dave -o clients.csv.sealed",
        "  sealdrop seal clients.csv --to bob.skb -o clients.csv.sealed"})
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "the local user chooses input and output files")
final class SealCommand extends SealdropSubcommand {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "seal";

  @Parameters(index = "0", paramLabel = "FILE", description = "The file to seal.")
  Path file;

  @Option(names = "--to", required = true, paramLabel = "IDENTITY|BUNDLE_FILE", description = "A recipient.")
  List<String> to;

  @Option(names = {"-o", "--output"}, required = true, converter = EmptyArgument.PathText.class, paramLabel = "OUT", description = "Where to write the sealed file.")
  String outputArgument; // as given: a trailing / names a folder (Path would drop it)

  @Option(names = "--force", description = "Overwrite OUT if it exists.")
  boolean force;

  @Option(names = "--accept-new-key", description = "Accept a bundle file whose key differs from the pinned one.")
  boolean acceptNewKey;

  @Mixin
  PassphraseOption passphrase;

  @Override
  void run(Session session) throws Exception {
    InputFile.requireRegularFile(file);
    OutputFile.requireNotStandardOutput(outputArgument);
    // before the --force check: without --force, "refusing to overwrite" hid that OUT is FILE itself (round BR)
    if (!OpenCommand.namesFolder(outputArgument)) {
      OutputFile.requireNotTheInput(Path.of(outputArgument), file);
    }
    Path output = OutputFile.requireWritable(outputArgument, force);
    OutputFile.requireNotTheInput(output, file);
    CryptoWarmup.startFor(Files.size(file), CryptoWarmup.Direction.SEAL);
    List<KeyBundle> recipients = Recipients.resolve(session, to, acceptNewKey);
    if (recipients.size() > Envelope.MAX_RECIPIENTS) {
      throw new UsageFailure("TOO_MANY_RECIPIENTS", "a sealed file can have at most " + Envelope.MAX_RECIPIENTS
          + " recipients, not " + recipients.size(), "seal it in several files, each for at most "
          + Envelope.MAX_RECIPIENTS + " recipients");
    }
    List<RecipientKey> keys = recipients.stream().map(KeyBundle::recipientKey).toList();
    long size = Files.size(file);
    FileMetadata meta = Metadata.of(file, size);
    Path target = output.toAbsolutePath();
    // this seal's own temporary name (the file and where it goes), as open's: what a killed run of it left is deleted
    // before it starts again (round BH: 114 MB of ciphertext stayed after kill -9); two runs of it at once would
    // delete each other's, so the second is refused
    Path key = lockKey(session.profile().uploadsDir(), file, target);
    SecureFiles.ensureDirectory(key.getParent().getParent());
    dev.sealdrop.client.net.TransferLock lock = dev.sealdrop.client.net.TransferLock.tryAcquire(key).orElseThrow(() -> new UsageFailure("SEAL_IN_PROGRESS",
        "another `sealdrop seal` of " + file + " to " + target + " is running with this profile", "let it finish"));
    try (lock) {
      seal(session, recipients, keys, meta, size, target, partialPrefix(key));
    }
  }

  /** The lock of the seal of {@code file} to {@code target} with this profile (whose uploads folder is given). */
  static Path lockKey(Path uploadsDir, Path file, Path target) {
    return dev.sealdrop.client.net.StateFile.nameFor(uploadsDir.resolveSibling("seals"), "",
        uploadsDir.toAbsolutePath().normalize().toString(), file.toAbsolutePath().normalize().toString(),
        target.toAbsolutePath().normalize().toString());
  }

  /** The temporary-file prefix of the seal {@code key} names: the same on every run of it. */
  static String partialPrefix(Path key) {
    return PartialFileGuard.PREFIX + "s" + key.getFileName().toString().substring(0, 16) + "-";
  }

  private void seal(Session session, List<KeyBundle> recipients, List<RecipientKey> keys, FileMetadata meta, long size,
      Path target, String partial) throws Exception {
    String me = session.config().identity();
    PartialFileGuard.removeStale(target.getParent(), partial);
    // before the passphrase: a folder that takes no file is named as such, not by this temporary file
    Path tmp = OutputFile.createTempIn(target.getParent(), partial, "nothing was sealed");
    PrivateKeys mine = null;
    String fingerprint;
    try (PartialFileGuard.OneFile guard = PartialFileGuard.watchFile(tmp)) {
      mine = session.keyStore(passphrase.file).unlock();
      try (OutputStream out = Files.newOutputStream(tmp); InputStream in = InputFile.openUnchanged(file, size);
          Progress p = session.progress().start("sealing", size)) {
        SealingOutputStream sealing = Envelope.seal(out, me, mine, keys, meta);
        Streams.copy(in, sealing, p);
        sealing.close();
        fingerprint = sealing.fingerprint();
      }
      SecureFiles.fsync(tmp);
      OutputFile.moveIntoPlace(tmp, target, force);
    } catch (IOException e) {
      // the partial file gone first, as open and receive do: the disk asked below has its room back (review RM: a
      // failure in words not known was "the disk is full" on a disk with room for the file, not for it twice)
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException stillThere) {
        e.addSuppressed(stillThere); // the finally below tries again
      }
      // written into that folder (a hidden temporary file, then renamed): named if it is full or read-only (round X)
      Optional<UsageFailure> disk = dev.sealdrop.client.failure.LocalDisk.refusal(e, target.getParent(),
          dev.sealdrop.client.failure.LocalDisk.OTHER_OUTPUT, "then run the same command again", size);
      if (disk.isPresent()) {
        throw disk.get();
      }
      throw e;
    } finally {
      if (mine != null) {
        mine.destroy();
      }
      Files.deleteIfExists(tmp);
    }
    session.output().emit(new Sealed(target, Files.size(target), fingerprint, recipients));
  }

  private record Sealed(Path output, long size, String fingerprint, List<KeyBundle> recipients) implements Result {
    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField("output", JsonPath.of(output));
      g.writeNumberField("size", size);
      g.writeStringField("fingerprint", fingerprint);
      g.writeArrayFieldStart("recipients");
      for (KeyBundle b : recipients) {
        g.writeStartObject();
        g.writeStringField("identity", b.identity());
        g.writeStringField("fingerprint", b.fingerprint());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }

    @Override
    public void writeHuman(PrintWriter out) {
      out.println("Sealed " + output + " (" + size + " bytes) for:");
      for (KeyBundle b : recipients) {
        out.println("  " + TerminalText.clean(b.identity()) + "  " + b.fingerprint());
      }
      out.println("fingerprint: " + fingerprint);
    }
  }
}
