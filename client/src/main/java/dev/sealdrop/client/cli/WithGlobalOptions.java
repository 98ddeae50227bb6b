package dev.sealdrop.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every command below {@code sealdrop}: it takes the {@link GlobalOptions} (before or after
 * its name) and knows its place in the command tree ({@link #spec}, e.g. for the root command).
 */
public abstract class WithGlobalOptions implements Callable<Integer> {
  @Mixin
  protected GlobalOptions globals;

  @Spec
  protected CommandSpec spec;
}
