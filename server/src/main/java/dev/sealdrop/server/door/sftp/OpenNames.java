package dev.sealdrop.server.door.sftp;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.AttributeRepository.AttributeKey;

/**
 * The names an SSH session has open, shared by all its SFTP channels (each channel has a {@link VirtualTree} of its
 * own): a STAT on one channel of a name being written on another answers as the writer's does, and two EXCL opens of
 * one name on two channels start one upload (round AA: both passed, each channel checking only its own names).
 */
final class OpenNames {
  static final AttributeKey<OpenNames> KEY = new AttributeKey<>();

  /** An upload being written, and when it began. */
  record Writing(UploadChannel channel, Instant started) {}

  /**
   * The uploads being written, by the /outbox/ name the client opened them as: a STAT or FSTAT of that name answers
   * with what arrived so far until the handle closes (the committed file is then listed under its id, as every file in
   * /outbox/ is).
   */
  final Map<String, Writing> writing = new ConcurrentHashMap<>();

  /** The most committed /outbox/ names a session remembers ({@link #committed}); the oldest is forgotten first. */
  static final int MAX_COMMITTED = 64;

  /**
   * The /outbox/ names this session's uploads were committed under, with the id of the file each became: a STAT of such
   * a name answers the stored file for the rest of the session, so that a client that confirms an upload by stat'ing
   * its name (paramiko's put, whose default confirm=True compares the size) finds it, and one refused (not committed)
   * is not there (round DC: "no such file" after a committed upload, as after a refused one, so paramiko raised for
   * both). The file itself is listed under its id, as every file in /outbox/ is.
   */
  final Committed committed = new Committed();

  /** Committed names and their file ids, at most {@link #MAX_COMMITTED}, the oldest forgotten first. */
  static final class Committed {
    private final java.util.LinkedHashMap<String, String> byName = new java.util.LinkedHashMap<>();

    synchronized void put(String name, String fileId) {
      byName.remove(name);
      byName.put(name, fileId);
      if (byName.size() > MAX_COMMITTED) {
        byName.remove(byName.keySet().iterator().next());
      }
    }

    /** The file id {@code name} was committed as in this session, or null. */
    synchronized String get(String name) {
      return byName.get(name);
    }

    synchronized void remove(String name) {
      byName.remove(name);
    }
  }

  /** The /outbox/ names whose EXCL open is between its check and its upload's start. */
  final Set<String> opening = ConcurrentHashMap.newKeySet();

  /**
   * The downloads being read, by the /redeem/ name (the token) they were opened as: a STAT or FSTAT of that name
   * answers with the file's size until the handle closes (a client that sizes its read-ahead from FSTAT, or shows
   * progress, saw 0). Any other /redeem/ name still answers without asking the core.
   */
  final Map<String, DownloadChannel> reading = new ConcurrentHashMap<>();
}
