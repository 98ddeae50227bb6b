package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class NettyDefaultsTest {
  @Test
  void theCliTurnsOffNettysLeakDetectorAndJfrEventsUnlessTheUserSetThem() {
    Properties fresh = new Properties();
    NettyDefaults.apply(fresh);
    assertThat(fresh).containsEntry("io.netty.leakDetection.level", "disabled")
        .containsEntry("io.netty.jfr.enabled", "false");

    Properties user = new Properties();
    user.setProperty("io.netty.leakDetection.level", "paranoid");
    NettyDefaults.apply(user);
    assertThat(user).as("-D in SEALDROP_JAVA_OPTS wins").containsEntry("io.netty.leakDetection.level", "paranoid")
        .containsEntry("io.netty.jfr.enabled", "false");
  }
}
