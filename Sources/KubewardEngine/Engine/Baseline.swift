import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Findings accepted as they are, so that only new ones are reported and fail the run: the way
/// to adopt kubeward on a repository with hundreds of findings. Entries are matched by
/// fingerprint (policy, file, object, container, YAML path), which survives lines moving, and
/// each entry accepts as many findings as its `count`.
public struct Baseline: Sendable {
  /// Fingerprint → findings still to accept.
  private var remaining: [String: Int]

  public init() {
    remaining = [:]
  }

  /// The baseline file format's version.
  public static let formatVersion = 1

  /// The largest baseline read: `--write-baseline` writes about 200 bytes a finding, so this
  /// holds over a million (the manifests' own limit, 64 MiB, held 300 000, and a baseline
  /// kubeward wrote could not be read back). Bounded still: a pull request may commit one.
  public static let maximumSize = 256 << 20

  /// Reads a baseline written by `--write-baseline`.
  public init(contentsOf path: String) throws(ConfigurationError) {
    var reader = FileReader(maximumSize: Self.maximumSize)
    let count: Int
    switch reader.read(FilePath(path)) {
    case .success(let read): count = read
    case .failure(.tooLarge(let size, _, _)):
      throw ConfigurationError(
        "cannot read the baseline \(VisibleText.escaped(path)): it is \(size) bytes, over the "
          + "\(Self.maximumSize) bytes kubeward reads for a baseline")
    case .failure(let error):
      throw ConfigurationError(
        "cannot read the baseline \(VisibleText.escaped(path)): \(error.reason)")
    }
    try self.init(path: path, bytes: Array(reader.buffer[0..<count]))
  }

  /// Reads a baseline from `bytes`, naming it `path` in errors.
  public init(path: String, bytes: [UInt8]) throws(ConfigurationError) {
    let file = YAMLReader().read(bytes)
    // What the reader found wrong (a syntax error, aliases past the budget) is what to fix.
    if let problem = file.diagnostics.first {
      throw ConfigurationError(
        "the baseline cannot be read: \(problem.message)", file: path,
        position: problem.range.start)
    }
    guard let root = file.documents.first?.root, root.isMapping,
      root["version"]?.int == Self.formatVersion, let entries = root["findings"], entries.isSequence
    else {
      throw ConfigurationError(
        "\(path) is not a kubeward baseline (version \(Self.formatVersion)); write one with "
          + "--write-baseline")
    }
    remaining = [:]
    for entry in entries.items {
      guard let policy = entry["policy"]?.text, let file = entry["file"]?.text else {
        throw ConfigurationError(
          "a baseline entry needs a policy and a file", file: path, position: entry.position)
      }
      let object = entry["kind"]?.text.map {
        (kind: $0, namespace: entry["namespace"]?.text, name: entry["name"]?.text)
      }
      let fingerprint = Fingerprint.make(
        policy: policy, file: file, object: object, container: entry["container"]?.text,
        path: entry["path"]?.text, message: entry["message"]?.text ?? "")
      // Counts are untrusted: several entries of one fingerprint may add up past `Int.max`.
      var count = 1
      if let written = entry["count"] {
        guard let number = written.int, number >= 1 else {
          throw ConfigurationError(
            "a baseline entry's count is a whole number of findings, 1 or more",
            file: path, position: written.position)
        }
        count = number
      }
      remaining[fingerprint, default: 0] = Self.saturatingSum(remaining[fingerprint] ?? 0, count)
    }
  }

  /// Accepts `findings` too (a baseline built in memory; `--write-baseline` writes files).
  public mutating func record(_ findings: [Finding]) {
    for finding in findings {
      remaining[finding.fingerprint] = Self.saturatingSum(remaining[finding.fingerprint] ?? 0, 1)
    }
  }

  private static func saturatingSum(_ lhs: Int, _ rhs: Int) -> Int {
    let (sum, overflow) = lhs.addingReportingOverflow(rhs)
    return overflow ? Int.max : sum
  }

  /// Marks `finding` accepted if the baseline still holds one like it.
  public mutating func accept(_ finding: inout Finding) {
    guard finding.suppression == nil else { return }
    let fingerprint = finding.fingerprint
    guard let count = remaining[fingerprint], count > 0 else { return }
    remaining[fingerprint] = count - 1
    finding.suppression = Suppression(kind: .baseline, reason: "in the baseline")
  }
}
