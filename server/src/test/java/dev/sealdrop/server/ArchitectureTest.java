package dev.sealdrop.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** door → core ← store: the core imports no protocol library, JDBC or generated protobuf, and nothing depends on a door. */
class ArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.sealdrop.server");

  @Test
  void coreDependsOnNoDoorStoreProtocolLibraryOrJdbc() {
    noClasses().that().resideInAPackage("dev.sealdrop.server.core..")
        .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.netty..", "com.google.protobuf..",
            "dev.sealdrop.protocol..", "java.sql..", "javax.sql..", "org.flywaydb..", "com.zaxxer..", "org.sqlite..",
            "org.apache.sshd..", "dev.sealdrop.server.door..", "dev.sealdrop.server.store..",
            "dev.sealdrop.server.config..")
        .check(CLASSES);
  }

  @Test
  void storesDoNotDependOnDoors() {
    noClasses().that().resideInAPackage("dev.sealdrop.server.store..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.sealdrop.server.door..", "io.grpc..",
            "com.google.protobuf..", "dev.sealdrop.protocol..")
        .check(CLASSES);
  }

  @Test
  void doorsDoNotReachIntoStores() {
    noClasses().that().resideInAPackage("dev.sealdrop.server.door..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.sealdrop.server.store..", "java.sql..", "javax.sql..")
        .check(CLASSES);
  }

  @Test
  void onlyTheInterceptorReadsTheTlsSession() {
    noClasses().that().doNotHaveFullyQualifiedName("dev.sealdrop.server.door.grpc.PeerIdentityInterceptor")
        .should().accessField(io.grpc.Grpc.class, "TRANSPORT_ATTR_SSL_SESSION")
        .check(CLASSES);
  }
}
