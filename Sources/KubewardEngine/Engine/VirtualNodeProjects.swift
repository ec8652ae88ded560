import KubewardModel
import Synchronization

/// Projects whose pods run on virtual nodes (see `VirtualNode`) though their manifests do not
/// say so pod by pod: the configuration says so (`virtualNodes: true`), or the project's
/// README says the project targets a serverless cluster where every pod is a virtual node's
/// (Alibaba Cloud's Serverless Kubernetes, ACK Serverless). A pod that keeps off virtual nodes
/// (`VirtualNode.isExcluded`) is judged as on any node.
final class VirtualNodeProjects: Sendable {
  /// What the configuration says, for every project.
  let configured: Bool
  private let known = Mutex<[String: String?]>([:])

  init(configured: Bool) {
    self.configured = configured
  }

  /// Why the pods of the project at `scope` run on virtual nodes, or `nil`.
  func evidence(scope: String) -> String? {
    if configured { return "the configuration's virtualNodes: true" }
    if let answer = known.withLock({ $0[scope] }) { return answer }
    let answer = Self.readmeEvidence(folder: scope.isEmpty ? "." : scope)
    known.withLock { $0[scope] = answer }
    return answer
  }

  /// Phrases a README uses for a cluster whose every pod is a virtual node's, in lower case.
  private static let phrases: [StaticString] = [
    "serverless kubernetes", "ack serverless", "ask cluster", "serverless k8s",
  ]

  private static func readmeEvidence(folder: String) -> String? {
    for name in ["README.md", "readme.md", "README", "README.rst"] {
      guard let bytes = LintInput.contents(of: folder + "/" + name) else { continue }
      let text = String(decoding: opening(of: bytes), as: UTF8.self)
      // ASCII case and bytes (the phrases are ASCII): `lowercased()` and `String.contains`
      // took 80 M instructions, 20 ms, on a README of 64 kB, on every run with a pod in it.
      if let phrase = phrases.first(where: { ASCIIText.contains(text, anyOf: [$0]) }) {
        return "the project's \(name), which says it targets \"\(phrase)\""
      }
      return nil
    }
    return nil
  }

  /// The longest opening read, in bytes.
  static let openingLimit = 2_048

  /// A README's opening: its title and what follows it up to the next Markdown heading, at
  /// most `openingLimit` bytes, where a project says what it is. Further down, a phrase says
  /// nothing of where its manifests run: KubeVela's "install KubeVela on a Serverless K8S
  /// cluster in 3 minutes, try:" (a link, among other ways) made every pod of its kind test
  /// clusters a virtual node's. A heading is one to six `#` and a space (not a `#` line in a
  /// fenced code block, nor reStructuredText's `#######` over a title).
  static func opening(of bytes: [UInt8]) -> ArraySlice<UInt8> {
    var headings = 0
    var lineStart = 0
    var inFence = false
    let end = min(bytes.count, openingLimit)
    while lineStart < end {
      var index = lineStart
      while index < end && (bytes[index] == 0x20 || bytes[index] == 0x09) { index += 1 }
      let text = bytes[index..<end]
      if text.starts(with: "```".utf8) || text.starts(with: "~~~".utf8) {
        inFence.toggle()
      } else if !inFence {
        let marks = text.prefix { $0 == UInt8(ascii: "#") }.count
        let after = index + marks
        if (1...6).contains(marks)
          && (after == end || [0x20, 0x09, 0x0A, 0x0D].contains(bytes[after]))
        {
          headings += 1
          if headings == 2 { return bytes[..<lineStart] }
        }
      }
      while index < end && bytes[index] != 0x0A { index += 1 }
      lineStart = index + 1
    }
    return bytes[..<end]
  }
}
