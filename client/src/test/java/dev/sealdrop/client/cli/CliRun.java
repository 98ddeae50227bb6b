package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

/** The outcome of one in-process CLI run. */
record CliRun(int exit, String out, String err) {
  /** stdout parsed as exactly one JSON document. */
  Map<String, Object> json() {
    return Json.parseOne(out);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> jsonError() {
    Map<String, Object> doc = json();
    assertThat(doc).containsEntry("ok", false);
    return (Map<String, Object>) doc.get("error");
  }

  @SuppressWarnings("unchecked")
  List<Map<String, Object>> jsonList(String field) {
    return (List<Map<String, Object>>) json().get(field);
  }

  CliRun assertExit(int expected) {
    assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(expected);
    return this;
  }
}
