/**
 * The server's log output: the last line of defence that keeps grant tokens and claim ids (secrets) out of log
 * lines, whichever library writes them (MINA logs SFTP paths, and {@code /redeem/TOKEN} is one).
 */
package dev.sealdrop.server.logging;
