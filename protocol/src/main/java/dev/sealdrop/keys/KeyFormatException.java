package dev.sealdrop.keys;

/** Encoded key bytes are not a valid sealdrop key of the expected kind. */
public final class KeyFormatException extends Exception {
  public KeyFormatException(String message) {
    super(message);
  }
}
