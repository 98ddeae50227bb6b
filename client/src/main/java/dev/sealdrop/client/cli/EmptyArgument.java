package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * An empty argument ({@code "$VAR"} of an unset shell variable) where a path or value belongs is the
 * usage error {@code EMPTY_ARGUMENT} naming the option, never the current folder that
 * {@code Path.of("")} would be ({@code send ''} read as a folder, {@code -o ''} writing into it).
 */
public final class EmptyArgument {
  private EmptyArgument() {}

  /** What a converter throws for an empty value; {@link #of} names the option picocli was filling. */
  static final class Refused extends CommandLine.TypeConversionException {
    private static final long serialVersionUID = 1L;

    Refused() {
      super("an empty value");
    }
  }

  /** picocli's converter for every {@link Path} option and parameter of the CLI. */
  static Path path(String value) throws UsageFailure {
    if (value.isBlank()) {
      throw new Refused();
    }
    return encodable(value);
  }

  /**
   * {@code value} as a path, or {@code PATH_NOT_ENCODABLE} when this locale cannot write its characters as a file name
   * (round AR: under {@code LC_ALL=C}, any non-ASCII path was picocli's "cannot convert ... to Path" with a Java
   * exception's name in it).
   */
  static Path encodable(String value) throws UsageFailure {
    try {
      return Path.of(value);
    } catch (java.nio.file.InvalidPathException e) {
      throw new UsageFailure("PATH_NOT_ENCODABLE", "cannot use the path '" + value + "': this locale cannot write its"
          + " characters in a file name (file names are " + System.getProperty("sun.jnu.encoding", "?") + " here);"
          + " nothing was done", "run sealdrop in a UTF-8 locale, e.g. `LC_ALL=C.UTF-8 sealdrop ...`");
    }
  }

  /**
   * The converter of a text parameter that cannot be empty (a token, a grant id: round U, {@code receive "$TOKEN"}
   * with TOKEN unset was "not a grant token"): refused empty as {@link #path} refuses it.
   */
  public static class Text implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (value.isBlank()) {
        throw new Refused();
      }
      return value;
    }
  }

  /**
   * The converter of a path option kept as the text given ({@code -o dir/}: a trailing separator names a folder,
   * which {@link Path} drops): refused empty as {@link #path} refuses it.
   */
  public static final class PathText extends Text {
    @Override
    public String convert(String value) {
      String text = super.convert(value);
      try {
        encodable(text);
      } catch (UsageFailure notEncodable) {
        throw new Unencodable(notEncodable);
      }
      return text;
    }
  }

  /** {@link PathText}'s refusal of a path the locale cannot encode: picocli passes only unchecked ones through. */
  static final class Unencodable extends CommandLine.TypeConversionException {
    private static final long serialVersionUID = 1L;
    final transient UsageFailure failure;

    Unencodable(UsageFailure failure) {
      super(failure.getMessage());
      this.failure = failure;
    }
  }

  /** The usage error for the empty argument picocli was converting when {@code ex} was thrown. */
  static UsageFailure of(CommandLine.ParameterException ex) {
    CommandLine.Model.ArgSpec arg = ex.getArgSpec();
    String help = "see `" + ex.getCommandLine().getCommandSpec().qualifiedName(" ") + " --help`";
    if (arg instanceof CommandLine.Model.OptionSpec o) {
      // its value by its label ("give --from its IDENTITY"), not "a IDENTITY" (round CK)
      return failure(o.longestName(), "give " + o.longestName() + " its " + o.paramLabel() + (o.required() ? ""
          : ", or leave it out") + "; " + help);
    }
    String label = arg != null ? arg.paramLabel() : "an argument";
    return failure(label, "give the " + label + "; " + help);
  }

  /** The usage error for {@code name} given empty, with {@code hint}. */
  public static UsageFailure failure(String name, String hint) {
    return new UsageFailure("EMPTY_ARGUMENT", name + " is empty (an unset shell variable?)", hint);
  }
}
