package dev.sealdrop.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The client's layering: cli on top; net, keystore, trust and failure never reach back into cli. */
class ArchitectureTest {
  private static final JavaClasses CLIENT = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.sealdrop.client");

  @Test
  void onlyTheCliLayerKnowsTheCli() {
    noClasses().that().resideInAnyPackage("dev.sealdrop.client.net..", "dev.sealdrop.client.keystore..",
        "dev.sealdrop.client.trust..", "dev.sealdrop.client.failure..", "dev.sealdrop.client.cli.output..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.sealdrop.client.cli")
        .check(CLIENT);
  }

  @Test
  void theClientNeverUsesServerCodeOrEnvelopeInternals() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.sealdrop.server..",
        "dev.sealdrop.envelope.internal..", "dev.sealdrop.keys.internal..").check(CLIENT);
  }

  @Test
  void failuresAndTrustDoNotTalkToTheNetwork() {
    noClasses().that().resideInAnyPackage("dev.sealdrop.client.failure..", "dev.sealdrop.client.trust..",
        "dev.sealdrop.client.keystore..").should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.netty..")
        .check(CLIENT);
  }
}
