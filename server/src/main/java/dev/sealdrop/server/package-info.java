/**
 * The sealdrop server: {@link dev.sealdrop.server.SealdropServer} wires storage, core and doors;
 * {@link dev.sealdrop.server.ServerMain} is the command line. The only package that sees all of
 * {@code store}, {@code core} and {@code door}.
 */
package dev.sealdrop.server;
