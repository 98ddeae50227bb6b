package dev.sealdrop.certsdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The build runs every test JVM with {@code -Djdk.serialFilter=!*} (root pom, surefire argLine):
 * if that flag stops reaching the forked JVM, this test fails. Deliberately uses Java
 * serialization, in test code only, to prove the JVM-wide filter rejects it.
 */
class SerialFilterTest {

  @Test
  void theForkedTestJvmRejectsEveryDeserialization() throws Exception {
    assertThat(System.getProperty("jdk.serialFilter")).isEqualTo("!*");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(Integer.valueOf(42));
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThatThrownBy(in::readObject)
          .isInstanceOf(InvalidClassException.class)
          .hasMessageContaining("REJECTED");
    }
  }
}
