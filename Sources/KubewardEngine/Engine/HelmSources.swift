import KubewardYAML

/// `helm template` writes `# Source: <chart>/templates/<file>` before each document it
/// renders. Findings in such a document are reported against the template file, at the line
/// of the rendered document (counted from the line after the comment), so that a user sees
/// which template to fix.
enum HelmSources {
  static let marker = Array("# Source: ".utf8)

  static func attribute(_ findings: inout [Finding], in bytes: UnsafeBufferPointer<UInt8>) {
    guard !findings.isEmpty else { return }
    let sources = sourceLines(in: bytes)
    guard !sources.isEmpty else { return }
    for index in findings.indices {
      let line = findings[index].line
      // The last `# Source:` line before the finding. One on a `# Source:` line itself (a
      // byte YAML refuses in the comment) is the stream's: that line is no template's, and
      // the previous document's template does not have it.
      guard let source = sources.last(where: { $0.line <= line }), source.line < line else {
        continue
      }
      let offset = source.line
      findings[index].file = source.template
      findings[index].range.start.line -= offset
      findings[index].range.end.line -= offset
    }
  }

  private static func sourceLines(in bytes: UnsafeBufferPointer<UInt8>)
    -> [(line: Int, template: String)]
  {
    var sources: [(Int, String)] = []
    var lineNumber = 1
    var lineStart = 0
    for index in 0...bytes.count {
      guard index == bytes.count || bytes[index] == UInt8(ascii: "\n") else { continue }
      var end = index
      if end > lineStart && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
      let line = bytes[lineStart..<end]
      if line.starts(with: marker) {
        let template = String(decoding: line.dropFirst(marker.count), as: UTF8.self)
        if !template.isEmpty { sources.append((lineNumber, template)) }
      }
      lineNumber += 1
      lineStart = index + 1
    }
    return sources
  }
}
