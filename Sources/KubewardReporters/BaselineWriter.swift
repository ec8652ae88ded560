import KubewardBuiltInPolicies
import KubewardEngine

/// Records a run's findings as a baseline (`--write-baseline`): JSON with one readable entry per
/// fingerprint and how many findings share it, sorted so the file diffs well. Findings that a
/// comment or annotation accepts are not recorded; they are accepted already.
public final class BaselineWriter: FindingSink {
  private struct Entry: Hashable {
    var policy: String
    var file: String
    var kind: String?
    var namespace: String?
    var name: String?
    var container: String?
    var path: String?
    var message: String?
  }

  private let output: ReportOutput
  private var counts: [Entry: Int] = [:]

  public init(output: ReportOutput) {
    self.output = output
  }

  public func file(_ name: String, findings: [Finding]) { record(findings) }

  public func crossObject(_ findings: [Finding]) { record(findings) }

  private func record(_ findings: [Finding]) {
    for finding in findings
    where finding.suppression == nil || finding.suppression?.kind == .baseline {
      let entry = Entry(
        policy: finding.policy, file: finding.file, kind: finding.object?.kind,
        namespace: finding.object?.namespace, name: finding.object?.name,
        container: finding.container, path: finding.object == nil ? nil : finding.path,
        message: finding.object == nil ? finding.message : nil)
      counts[entry, default: 0] += 1
    }
  }

  public func finish(_ summary: LintSummary) {
    var json = JSONWriter(to: output)
    json.beginObject()
    json.member("version", Baseline.formatVersion)
    json.member("tool", "\(ToolInfo.name) \(ToolInfo.version)")
    json.key("findings")
    json.beginArray()
    let entries = counts.sorted { lhs, rhs in
      let left = [
        lhs.key.file, lhs.key.policy, lhs.key.kind ?? "", lhs.key.namespace ?? "",
        lhs.key.name ?? "", lhs.key.container ?? "", lhs.key.path ?? "", lhs.key.message ?? "",
      ]
      let right = [
        rhs.key.file, rhs.key.policy, rhs.key.kind ?? "", rhs.key.namespace ?? "",
        rhs.key.name ?? "", rhs.key.container ?? "", rhs.key.path ?? "", rhs.key.message ?? "",
      ]
      return left.lexicographicallyPrecedes(right)
    }
    for (entry, count) in entries {
      json.beginObject()
      json.member("policy", entry.policy)
      json.member("file", entry.file)
      if let kind = entry.kind {
        json.member("kind", kind)
        json.member("namespace", entry.namespace)
        json.member("name", entry.name)
        if let container = entry.container { json.member("container", container) }
        if let path = entry.path { json.member("path", path) }
      }
      if let message = entry.message { json.member("message", message) }
      json.member("count", count)
      json.endObject()
      json.flushIfFull()
    }
    json.endArray()
    json.endObject()
    json.finish()
  }
}
