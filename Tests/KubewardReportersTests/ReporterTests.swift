import Foundation
import KubewardModel
import KubewardPolicies
import KubewardReporters
import KubewardYAML
import Testing

private func finding(_ message: String, container: String? = nil) -> Finding {
  Finding(
    policy: "exec-probe", severity: .warning, file: "a \"b\".yaml",
    range: SourceRange(
      start: SourcePosition(line: 3, column: 5), end: SourcePosition(line: 3, column: 9)),
    message: message,
    object: ObjectReference(apiVersion: "v1", kind: "Pod", namespace: nil, name: "p"),
    container: container)
}

@Suite("JSON")
struct JSONReporterTests {
  @Test func escapingSurvivesARealParser() throws {
    let tricky = "quote \" backslash \\ newline \n tab \t control \u{01} del \u{7F} é 日本 🚀"
    var summary = LintSummary()
    summary.files = 1
    summary.findings[.warning] = 1
    let bytes = ReportFormat.json.render(
      LintResult(findings: [finding(tricky, container: "c")], summary: summary))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    let findings = try #require(json["findings"] as? [[String: Any]])
    #expect(findings[0]["message"] as? String == tricky)
    #expect(findings[0]["file"] as? String == "a \"b\".yaml")
    #expect(findings[0]["container"] as? String == "c")
    #expect((findings[0]["object"] as? [String: Any])?["namespace"] is NSNull)
    #expect(findings[0]["endColumn"] as? Int == 9)
    #expect((json["summary"] as? [String: Any])?["files"] as? Int == 1)
  }

  @Test func outputIsStableAndCompactWhenAsked() {
    let sink = MemoryOutput()
    var writer = JSONWriter(lineDepth: 0, to: sink)
    writer.beginObject()
    writer.member("a", 1)
    writer.key("b")
    writer.beginArray()
    writer.string("x")
    writer.null()
    writer.bool(true)
    writer.beginObject()
    writer.endObject()
    writer.endArray()
    writer.member("c", String?.none)
    writer.endObject()
    writer.finish()
    #expect(
      String(decoding: sink.bytes, as: UTF8.self)
        == "{\"a\":1,\"b\":[\"x\",null,true,{}],\"c\":null}\n")
  }
}

@Suite("Text")
struct TextReporterTests {
  @Test func lineAndSummary() {
    #expect(
      TextReporter.line(for: finding("Pod p runs exec"))
        == "a \"b\".yaml:3:5: warning: Pod p runs exec [exec-probe]")
    var summary = LintSummary()
    summary.files = 1
    summary.documents = 2
    summary.objects = 1
    summary.skippedDocuments = 1
    summary.findings = [.error: 1, .info: 2]
    #expect(
      TextReporter.summary(summary)
        == "1 file, 2 documents, 1 object (1 document skipped: not objects, or patches): "
        + "1 error, 0 warnings, 2 info")
  }
}
