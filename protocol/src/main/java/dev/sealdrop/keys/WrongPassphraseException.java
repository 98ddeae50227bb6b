package dev.sealdrop.keys;

/** The passphrase does not open the private key file (or the file was modified). */
public final class WrongPassphraseException extends Exception {
  public WrongPassphraseException() {
    super("wrong passphrase for the private key file (or the file was modified); try again");
  }
}
