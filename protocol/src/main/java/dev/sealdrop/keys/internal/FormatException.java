package dev.sealdrop.keys.internal;

/** A structural parse failure inside the sealdrop codecs; callers translate it to their public error type. */
public final class FormatException extends Exception {
  public FormatException(String message) {
    super(message);
  }
}
