/**
 * The data folder on the local filesystem: owner-only permissions for everything the server keeps
 * there (folders 0700, files 0600 on POSIX file systems), tightened at start if they were looser.
 */
package dev.sealdrop.server.store.fs;
