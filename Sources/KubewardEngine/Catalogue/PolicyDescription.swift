import KubewardYAML
import Synchronization

/// Everything the catalogue says about one policy: `policies/<id>.yaml`, the single source of
/// the policy's documentation, `kubeward explain`, SARIF rule metadata and example tests.
public struct PolicyDescription: Sendable {
  public enum Scope: String, Sendable {
    /// Checks the input itself: syntax, encoding, templates.
    case input
    /// Checks one object at a time.
    case object
    /// Checks relations between the objects of the linted set.
    case set
  }

  public let id: String
  public let title: String
  public let severity: Severity
  public let scope: Scope
  /// The kinds (or parts of objects) the policy applies to, as the catalogue words them.
  public let appliesTo: [String]
  /// The incident that motivates the policy (`I-5`), when there is one.
  public let incident: String?
  public let rationale: String
  public let remediation: String
  public let options: [PolicyOptionDescription]
  /// What of the file is read on demand (see `CatalogueBody`); `nil` for a description that
  /// is not a catalogue file's.
  let body: CatalogueBody?
  /// The `examples:` mapping, read on demand.
  var examples: Node? { body?.root?["examples"] }
  /// The `admission:` mapping (see `AdmissionExport`), read on demand.
  var admission: Node? { body?.root?["admission"] }
  /// Why the policy has no runnable examples (e.g. an unreadable file cannot be written as
  /// text); `nil` for every policy that has them.
  public let examplesNote: String?
  let fileName: String
  /// Read from kubeward's catalogue (`policies/<id>.yaml`), so documented on a page of
  /// `docs/policies/`; a policy source's own description (an admission policy's) is the
  /// input's text.
  public var isCatalogueEntry: Bool { !fileName.isEmpty }
  /// The YAML text the description was read from.
  public let source: String

  /// Manifests the policy reports, each with the lines it must report.
  public var failingExamples: [PolicyExample] {
    (try? CatalogueParser.examples(of: self, failing: true)) ?? []
  }

  /// Manifests the policy must not report.
  public var passingExamples: [PolicyExample] {
    (try? CatalogueParser.examples(of: self, failing: false)) ?? []
  }

  /// Checks the examples strictly (a test does, for every policy).
  public func validateExamples() throws(CatalogueError) {
    _ = try CatalogueParser.examples(of: self, failing: true)
    _ = try CatalogueParser.examples(of: self, failing: false)
  }
}

/// An option a policy accepts in the configuration file, with its default.
public struct PolicyOptionDescription: Sendable {
  public let name: String
  public let description: String
  public let defaultValue: OptionValue
}

/// A manifest that shows what a policy does.
public struct PolicyExample: Sendable {
  public struct Expectation: Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    /// `nil` when the example does not pin the severity.
    public let severity: Severity?

    public var description: String { "line \(line)" + (severity.map { " (\($0))" } ?? "") }
  }

  public let description: String?
  /// The manifest's bytes.
  public let manifest: [UInt8]
  /// The findings the policy must report for it: for failing examples, one per line marked
  /// `# <- severity` (or listed under `findings:`); empty for passing examples.
  public let expectations: [Expectation]

  public var text: String { String(decoding: manifest, as: UTF8.self) }
}

extension PolicyDescription {
  /// A description made by a policy source rather than read from a catalogue file (an
  /// admission policy describes itself).
  public init(
    id: String, title: String, severity: Severity, scope: Scope, appliesTo: [String],
    rationale: String, remediation: String, source: String
  ) {
    self.init(
      id: id, title: title, severity: severity, scope: scope, appliesTo: appliesTo,
      incident: nil, rationale: rationale, remediation: remediation, options: [], body: nil,
      examplesNote: "described by its own source", fileName: "", source: source)
  }
}

/// A catalogue file, parsed whole when its examples or exported admission policy are first
/// asked for: linting reads only the rest (`CatalogueParser.parse`).
final class CatalogueBody: Sendable {
  private let bytes: [UInt8]
  private let parsed = Mutex<Node??>(nil)

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// The file's mapping; `nil` when it is none (`CatalogueParser.parse` read the rest of it).
  var root: Node? {
    parsed.withLock { parsed in
      if let known = parsed { return known }
      let root = YAMLReader().read(bytes).documents.first?.root
      parsed = .some(root)
      return root
    }
  }
}
