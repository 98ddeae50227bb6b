package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

/** The outcome of one in-process CLI run ({@link Cli}); every test package reads runs through it. */
public record CliRun(int exit, String out, String err) {
  /** stdout parsed as exactly one JSON document. */
  public Map<String, Object> json() {
    return Json.parseOne(out);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> jsonError() {
    Map<String, Object> doc = json();
    assertThat(doc).containsEntry("ok", false);
    return (Map<String, Object>) doc.get("error");
  }

  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> jsonList(String field) {
    return (List<Map<String, Object>>) json().get(field);
  }

  /** The JSON document's object {@code field}. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> object(String field) {
    return (Map<String, Object>) json().get(field);
  }

  /** The JSON document's list of objects {@code field}. */
  public List<Map<String, Object>> list(String field) {
    return jsonList(field);
  }

  public CliRun assertExit(int expected) {
    assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(expected);
    return this;
  }
}
