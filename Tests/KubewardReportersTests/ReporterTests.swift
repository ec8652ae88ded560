import Foundation
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardModel
import KubewardYAML
import Testing

@testable import KubewardReporters

#if canImport(FoundationXML)
  import FoundationXML
#endif

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

  /// An object the cluster names from `generateName` has a null name and its `generateName`;
  /// other objects have no `generateName` key.
  @Test func objectsNamedByTheClusterCarryTheirPrefix() throws {
    var generated = finding("m")
    generated.object = ObjectReference(
      apiVersion: "batch/v1", kind: "Job", namespace: "ci", name: nil, generateName: "migrate-")
    let bytes = ReportFormat.json.render(
      LintResult(findings: [generated, finding("n")], summary: LintSummary()))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    let objects = try #require(json["findings"] as? [[String: Any]]).map {
      $0["object"] as? [String: Any] ?? [:]
    }
    #expect(objects[0]["name"] is NSNull)
    #expect(objects[0]["generateName"] as? String == "migrate-")
    #expect(objects[1]["generateName"] == nil && objects[1]["name"] as? String == "p")
  }

  /// The writer escapes eight bytes at a time; escapes must land right wherever they fall in
  /// those words, and every other byte (UTF-8 included) must pass through unchanged.
  @Test func escapingMatchesTheByteByByteRule() throws {
    let pieces = [
      "a", "Z", " ", "~", "é", "€", "😀", "\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}",
      "\u{7F}", "/", "abcdefgh", "\u{85}", "\u{9B}", "\u{9F}", "\u{A0}", "\u{2028}",
      "\u{2029}", "\u{2027}", "\u{202A}", "\u{202E}", "\u{202F}", "\u{200D}", "\u{200E}",
      "\u{200F}", "\u{2066}", "\u{2069}", "\u{206A}", "\u{061C}", "\u{061B}", "\u{0100}",
      "\u{200B}", "\u{FEFF}", "\u{00AD}", "\u{034F}", "\u{180E}", "\u{3164}", "\u{E0041}",
      "\u{E007F}", "\u{1D173}", "\u{E0100}", "日本", "\u{2060}", "\u{FFFB}", "\u{FFFC}",
    ]
    var seed: UInt64 = 42
    func next(_ bound: Int) -> Int {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((seed >> 33) % UInt64(bound))
    }
    for _ in 0..<3000 {
      let text = (0..<next(24)).map { _ in pieces[next(pieces.count)] }.joined()
      let sink = MemoryOutput()
      var writer = JSONWriter(lineDepth: 0, to: sink)
      writer.string(text)
      writer.finish()
      #expect(sink.bytes == [UInt8(ascii: "\"")] + expectedEscape(text) + Array("\"\n".utf8))
      let parsed = try JSONSerialization.jsonObject(
        with: Data(sink.bytes), options: .fragmentsAllowed)
      #expect(parsed as? String == text)
    }
  }

  private func expectedEscape(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    for scalar in text.unicodeScalars {
      // What the other reports write visibly beyond ASCII (C1 controls, the Unicode line and
      // paragraph separators, bidi controls, what a viewer draws as nothing) is escaped too,
      // beyond U+FFFF as a surrogate pair.
      if scalar.value >= 0x80, VisibleText.isWrittenVisibly(scalar) {
        for unit in String(scalar).utf16 {
          out += Array("\\u".utf8) + Array(String(format: "%04x", Int(unit)).utf8)
        }
        continue
      }
      for byte in String(scalar).utf8 {
        out += expectedEscape(byte: byte)
      }
    }
    return out
  }

  private func expectedEscape(byte: UInt8) -> [UInt8] {
    var out: [UInt8] = []
    switch byte {
    case UInt8(ascii: "\""): out += Array("\\\"".utf8)
    case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
    case 0x0A: out += Array("\\n".utf8)
    case 0x0D: out += Array("\\r".utf8)
    case 0x09: out += Array("\\t".utf8)
    case 0..<0x20, 0x7F:
      out += Array("\\u00".utf8)
      out += Array(String(format: "%02x", Int(byte)).utf8)
    default: out.append(byte)
    }
    return out
  }

  @Test func deepNestingKeepsItsCommas() throws {
    let sink = MemoryOutput()
    var writer = JSONWriter(lineDepth: 0, to: sink)
    for _ in 0..<100 {
      writer.beginArray()
      writer.int(1)
    }
    for _ in 0..<100 {
      writer.int(2)
      writer.endArray()
    }
    writer.finish()
    let text = String(decoding: sink.bytes, as: UTF8.self)
    #expect(
      text == String(repeating: "[1,", count: 100) + "2" + String(repeating: "],2", count: 99)
        + "]\n")
    #expect(try JSONSerialization.jsonObject(with: Data(sink.bytes)) is [Any])
  }

  @Test func integersAtTheirLimitsAndKeysAtEveryDepth() throws {
    let values = [0, 7, -7, 10, -10, 1_000_000, Int.max, Int.min]
    let sink = MemoryOutput()
    var writer = JSONWriter(lineDepth: 2, to: sink)
    writer.beginObject()
    writer.key("numbers")
    writer.beginArray()
    for value in values { writer.int(value) }
    writer.endArray()
    writer.key("nested")
    writer.beginObject()
    writer.member("a", 1)
    writer.key("deeper")
    writer.beginObject()
    writer.member("b", "x")
    writer.member("c", 2)
    writer.endObject()
    writer.endObject()
    writer.endObject()
    writer.finish()
    let text = String(decoding: sink.bytes, as: UTF8.self)
    #expect(
      text == """
        {
          "numbers": [
            0,
            7,
            -7,
            10,
            -10,
            1000000,
            \(Int.max),
            \(Int.min)
          ],
          "nested": {
            "a": 1,
            "deeper": {"b": "x", "c": 2}
          }
        }

        """)
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: Data(sink.bytes)) as? [String: Any])
    #expect((parsed["numbers"] as? [Int]) == values)
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

@Suite("JUnit")
struct JUnitReporterTests {
  /// Markup characters become entities, characters XML 1.0 cannot hold become U+FFFD, and
  /// everything else (tabs, newlines, multi-byte UTF-8) passes through, wherever it falls.
  @Test func xmlEscaping() throws {
    #expect(JUnitReporter.escaped("plain text, é €") == "plain text, é €")
    #expect(
      JUnitReporter.escaped("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;")
    #expect(JUnitReporter.escaped("\u{01}x\ty\nz\r\u{1F}") == "\u{FFFD}x\ty\nz&#13;\u{FFFD}")
    #expect(JUnitReporter.escaped("a\u{9B}31m\u{85}b\u{A0}") == "a&#x9B;31m&#x85;b\u{A0}")
    #expect(
      JUnitReporter.escaped("\u{FFFE}-\u{FFFF}-\u{FFFD}-\u{FFBF}")
        == "\u{FFFD}-\u{FFFD}-\u{FFFD}-\u{FFBF}")
    #expect(JUnitReporter.escaped("&") == "&amp;" && JUnitReporter.escaped("") == "")
    let mixed = "container \"web\" <x> 😀 & \u{7F} \r \u{9B}"
    let document = "<r a=\"\(JUnitReporter.escaped(mixed))\">\(JUnitReporter.escaped(mixed))</r>"
    let parsed = try XMLDocument(xmlString: document)
    #expect(parsed.rootElement()?.stringValue == mixed)
    #expect(parsed.rootElement()?.attribute(forName: "a")?.stringValue == mixed)
  }

  /// A failure's message attribute shows the controls of the input visibly, as its body does:
  /// raw, an XML reader turned its newlines into spaces, and bidi overrides and DEL reached
  /// the CI page that shows it.
  @Test func failureMessagesShowTheirControls() throws {
    let hostile = "Job ci/a\nb\u{1B}[2J\u{7F}\u{2028}\u{202E}-* is broken"
    var options = ReportOptions()
    options.failOn = .warning
    let bytes = ReportFormat.junit.render(
      LintResult(findings: [finding(hostile)], summary: LintSummary()), options: options)
    let parsed = try XMLDocument(data: Data(bytes))
    let failure = try #require(try parsed.nodes(forXPath: "//failure").first as? XMLElement)
    let message = try #require(failure.attribute(forName: "message")?.stringValue)
    #expect(message == #"Job ci/a\nb\x1B[2J\x7F\u{2028}\u{202E}-* is broken"#)
    #expect(failure.stringValue?.contains(#"\u{202E}"#) == true)
  }
}

@Suite("Markdown")
struct MarkdownReporterTests {
  /// A `|` ends a table's cell even inside a code span, leaving the rest of a policy's name
  /// outside it (where `![t](https://…)` was an image): in a cell it is written `\|`, which
  /// GFM reads as the character; elsewhere code spans keep it as it is.
  @Test func pipesStayInsideTableCells() {
    let name = "![t](https://x.example/p.png)|[fix](https://x.example)`"
    #expect(
      MarkdownReporter.code(name, inTable: true)
        == #"![t](https://x.example/p.png)\|[fix](https://x.example)'"#)
    #expect(
      MarkdownReporter.code(name) == "![t](https://x.example/p.png)|[fix](https://x.example)'")
  }

  /// A named entity would render as the bidi control it names, and `@octocat` would notify
  /// someone when the report is posted as a pull-request comment.
  @Test func entitiesAndMentionsStayText() {
    #expect(
      MarkdownReporter.escaped("shop&rlm;prod @octocat/web")
        == #"shop\&rlm;prod `@`octocat/web"#)
  }
}

@Suite("SARIF messages")
struct SARIFMessageTests {
  /// `[text](target)` in a SARIF message is an embedded link: a value a message quotes (an
  /// image, from a manifest) must not become one.
  @Test func bracketsAreLiteral() {
    #expect(
      SARIFReporter.literalBrackets("pulls [docs](https://x.example/p) from a[0]")
        == #"pulls \[docs\](https://x.example/p) from a\[0\]"#)
    #expect(SARIFReporter.literalBrackets("no brackets") == "no brackets")
  }
}

@Suite("Exported YAML")
struct ExportedYAMLTests {
  /// Strings the exporter writes into YAML are JSON strings (JSON's syntax is YAML's): every
  /// control character is escaped, as in the JSON report.
  @Test func quotedStringsEscapeEveryControl() {
    #expect(VAPExport.quoted("plain") == "\"plain\"")
    #expect(
      VAPExport.quoted("a\"b\\c\nd\re\tf\u{1B}[31m\u{9B}\u{2028}é")
        == #""a\"b\\c\nd\re\tf\u001b[31m\u009b\u2028é""#)
  }
}

@Suite("Text")
struct TextReporterTests {
  /// A code frame's caret stands under the reported text in a terminal's columns: wide
  /// characters before it take two columns each, a combining accent none, a tab stays a tab,
  /// an escaped control takes its escape's; the marker spans the reported text's columns.
  @Test func codeFrameCaretsCountTerminalColumns() {
    for (line, start, end, padding, marker) in [
      ("name: 中文 x", 10, 11, String(repeating: " ", count: 11), "^"),
      ("a: 😀😀 bad", 7, 10, String(repeating: " ", count: 8), "^~~"),
      ("e\u{301}\u{301}: x", 6, 7, "   ", "^"),
      ("\t\u{1B}: 名前", 5, 7, "\t" + String(repeating: " ", count: 6), "^~~~"),
      ("plain: text", 8, 12, String(repeating: " ", count: 7), "^~~~"),
    ] {
      let frame = CodeFrame(
        line: Array(line.unicodeScalars), startColumn: start, endColumn: end)
      #expect(frame.padding == padding, "\(line): '\(frame.padding)'")
      #expect(frame.marker == marker, "\(line): \(frame.marker)")
    }
    #expect(VisibleText.columns("中文😀e\u{301}a") == 8)
    // A flag is two regional indicators, drawn two columns wide; U+FE0F draws a text
    // character as an emoji, two columns wide.
    #expect(VisibleText.columns("🇺🇸") == 2)
    #expect(VisibleText.columns("❤") == 1 && VisibleText.columns("❤️") == 2)
    #expect(VisibleText.columns("1️⃣") == 2 && VisibleText.columns("a\u{FE0F}") == 1)
    let hearts = CodeFrame(line: Array("a: ❤️❤️ x".unicodeScalars), startColumn: 9, endColumn: 10)
    #expect(hearts.padding == String(repeating: " ", count: 8) && hearts.marker == "^")
  }

  /// The compact report's advice is each policy's first sentence: an abbreviation in
  /// parentheses (`emptydir-size-limit`'s `(e.g. …)`) does not end it.
  @Test func firstSentencesRunPastAbbreviations() {
    #expect(
      TextReporter.firstSentence(
        "Set `emptyDir.sizeLimit` to what the pod needs (e.g. `sizeLimit: 1Gi`), and an\nephemeral-storage limit. Then more."
      )
        == "Set `emptyDir.sizeLimit` to what the pod needs (e.g. `sizeLimit: 1Gi`), and an ephemeral-storage limit."
    )
    #expect(TextReporter.firstSentence("Pin it. Or not.") == "Pin it.")
    #expect(TextReporter.firstSentence("Either:\n- a\n- b") == "Either.")
  }

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

@Suite("Repository paths and fingerprints")
struct RepositoryPathTests {
  /// Answers are remembered for the last file asked about; asking about files in turn must
  /// still give each its own.
  @Test func eachFileGetsItsOwnAnswer() {
    let paths = RepositoryPaths(root: "/repo", workingDirectory: "/repo/deploy")
    for _ in 0..<2 {
      #expect(paths.relativePath(for: "a.yaml") == "deploy/a.yaml")
      #expect(paths.artifactURI(for: "a.yaml").uri == "deploy/a.yaml")
      #expect(paths.relativePath(for: "../b c.yaml") == "b c.yaml")
      #expect(paths.artifactURI(for: "../b c.yaml").uri == "b%20c.yaml")
      #expect(paths.relativePath(for: "/elsewhere/x.yaml") == nil)
      #expect(paths.artifactURI(for: "/elsewhere/x.yaml") == ("file:///elsewhere/x.yaml", false))
      // Above the root of the file system is the root (a chart's `# Source:` may climb out).
      #expect(
        paths.artifactURI(for: "../../../../etc/passwd") == ("file:///etc/passwd", false))
      #expect(paths.artifactURI(for: "/../x.yaml") == ("file:///x.yaml", false))
    }
    #expect(RepositoryPaths.normalized("../a/../../b") == "../../b")
  }

  /// Baselines and SARIF match findings by this hash across versions: it is FNV-1a over the
  /// fingerprint's text, and the value below must not change.
  @Test func fingerprintHashIsFNVOfTheFingerprint() {
    for finding in [finding("m", container: "c"), finding("m"), aboutTheFile()] {
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      for byte in finding.fingerprint.utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
      }
      let hex = String(hash, radix: 16)
      #expect(finding.fingerprintHash == String(repeating: "0", count: 16 - hex.count) + hex)
    }
    // exec-probe␟a "b".yaml␟Pod␟␟p␟c␟ (no namespace, no path), computed independently.
    #expect(finding("m", container: "c").fingerprintHash == "a0304a4560994477")
  }

  private func aboutTheFile() -> Finding {
    Finding(
      policy: "yaml-syntax", severity: .error, file: "x.yaml",
      range: SourceRange(at: SourcePosition(line: 1, column: 1)), message: "broken")
  }
}

/// `docs/policies/` is generated from the catalogue: a page per policy and an index, which
/// `kubeward explain` and SARIF rules link to. Set KUBEWARD_UPDATE_DOCS=1 to rewrite them.
@Test func policyPages() throws {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
  let folder = root + "/docs/policies"
  let catalogue = PolicyCatalogue.builtIn
  var pages = catalogue.descriptions.map { ($0.id + ".md", PolicyDocumentation.markdown($0)) }
  pages.append(("README.md", PolicyDocumentation.markdownIndex(catalogue)))
  if ProcessInfo.processInfo.environment["KUBEWARD_UPDATE_DOCS"] == "1" {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (name, text) in pages {
      try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }
  }
  for (name, text) in pages {
    let committed = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)
    #expect(committed == text, "docs/policies/\(name) is out of date: see policyPages()")
  }
  let files = try FileManager.default.contentsOfDirectory(atPath: folder)
  #expect(Set(files) == Set(pages.map(\.0)), "docs/policies/ holds pages of no policy")
}
