/**
 * The SFTP front door (Apache MINA SSHD): a thin adapter over the same core as the gRPC door.
 *
 * <p>What it is: {@link dev.sealdrop.server.door.sftp.SftpDoor} wires an {@code SshServer}
 * (public-key authentication only, the SFTP subsystem only, a modern algorithm list with no mode
 * that Terrapin breaks, limits); {@link dev.sealdrop.server.door.sftp.KeyAuthenticator} asks
 * {@code core.sshkey} who a key belongs to, and {@link dev.sealdrop.server.door.sftp.ProvenKeyRefusal}
 * tells the holder of a refused key why, once its signature verified;
 * {@link dev.sealdrop.server.door.sftp.AuthAttempts} counts failed authentication attempts as OpenSSH
 * does; {@link dev.sealdrop.server.door.sftp.ChannelGate} lets a connection open session channels only,
 * two at most, and notes what counts as its {@link dev.sealdrop.server.door.sftp.Activity} for the idle
 * timeout (keepalives do not); a per-session virtual file system
 * ({@link dev.sealdrop.server.door.sftp.VirtualTree}) maps {@code /outbox}, {@code /inbox} and
 * {@code /redeem} onto {@code core.upload} and {@code core.grant}.
 *
 * <p>What it is not: a policy. Who may upload, list, redeem or download, and what counts as a
 * valid envelope or a usable grant, is decided by the core exactly as for gRPC; this package only
 * routes SFTP operations to core calls and translates refusals into SFTP status codes.
 *
 * <p>Invariants: no real disk path is ever built from client input (the tree has no files, only
 * core objects, named by server-generated ids); symbolic links, {@code ..}, renames, deletes, and
 * writes outside {@code /outbox/} are refused; every operation re-authenticates the session's key
 * through the core, and a sweeper closes sessions whose key, certificate or identity stopped being
 * valid. Logged-in sessions are registered with the core's registry of live sessions, so an admin's
 * disable or revocation closes (and counts) them at once, as it does gRPC calls.
 */
package dev.sealdrop.server.door.sftp;
