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

  /** The /outbox/ names whose EXCL open is between its check and its upload's start. */
  final Set<String> opening = ConcurrentHashMap.newKeySet();

  /**
   * The downloads being read, by the /redeem/ name (the token) they were opened as: a STAT or FSTAT of that name
   * answers with the file's size until the handle closes (a client that sizes its read-ahead from FSTAT, or shows
   * progress, saw 0). Any other /redeem/ name still answers without asking the core.
   */
  final Map<String, DownloadChannel> reading = new ConcurrentHashMap<>();
}
