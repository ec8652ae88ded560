import KubewardYAML
import Testing

@testable import KubewardBuiltInPolicies
@testable import KubewardEngine

#if canImport(Glibc)
  import Glibc
#endif

/// The repository's top-level folder, found from this file's path.
let repositoryRoot: String = {
  var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
  components.removeLast(3)  // Tests/KubewardPoliciesTests/CatalogueTests.swift
  return components.joined(separator: "/")
}()

func directoryEntries(_ path: String) -> [String] {
  guard let handle = opendir(path) else { return [] }
  defer { closedir(handle) }
  var names: [String] = []
  while let entry = readdir(handle) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
      String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
    }
    if !name.hasPrefix(".") { names.append(name) }
  }
  return names.sorted()
}

@Suite("Catalogue")
struct CatalogueTests {
  @Test func everyPolicyFileIsEmbeddedAndNothingElse() {
    let files = directoryEntries(repositoryRoot + "/policies").filter { $0.hasSuffix(".yaml") }
    #expect(!files.isEmpty)
    #expect(EmbeddedCatalogue.files.map(\.name).sorted() == files)
  }

  /// An id given twice (callers keep ids unique) is looked up as its first, rather than a
  /// trap: an admission policy named as a built-in policy crashed every run.
  @Test func aRepeatedIdIsLookedUpNotATrap() throws {
    let first = try #require(PolicyCatalogue.builtIn.descriptions.first)
    let catalogue = PolicyCatalogue(descriptions: [first, first])
    #expect(catalogue.descriptions.count == 2)
    #expect(catalogue[first.id]?.title == first.title)
  }

  @Test func everyCatalogueEntryIsImplementedAndEveryPolicyDocumented() {
    let implemented = Set(BuiltInPolicies.all.map { $0.id })
    let input = Set(
      [
        SuppressionDirectives.unusedSuppression, SuppressionDirectives.suppressionWithoutReason,
      ] + InputPolicies.reportedByEngine
        + ReaderDiagnostic.Kind.allCases.map(InputPolicies.id(for:)))
    let catalogue = Set(PolicyCatalogue.builtIn.ids)
    #expect(implemented.union(input) == catalogue)
    #expect(implemented.isDisjoint(with: input))
    for description in PolicyCatalogue.builtIn.descriptions {
      #expect(
        (description.scope == .input) == input.contains(description.id),
        "\(description.id) has scope \(description.scope)")
    }
  }

  /// The catalogue's scope and the way the engine runs each policy agree.
  @Test func objectPoliciesRunPerObjectAndSetPoliciesOverTheSet() throws {
    for type in BuiltInPolicies.all {
      let description = try #require(PolicyCatalogue.builtIn[type.id])
      let defaults = try Configuration().options(for: description)
      switch try type.init(options: defaults).runnable {
      case .object: #expect(description.scope == .object, "\(type.id)")
      case .set: #expect(description.scope == .set, "\(type.id)")
      }
    }
  }

  @Test func policiesOfTheMissionCiteTheirIncidents() {
    let incidents = [
      "image-pull-secrets": "I-1", "loadbalancer-lifecycle": "I-2",
      "headless-service-no-lb": "I-4", "exec-probe": "I-5", "ephemeral-storage-limit": "I-6",
      "alpine-image": "I-7",
    ]
    for (id, incident) in incidents {
      let description = PolicyCatalogue.builtIn[id]
      #expect(description?.incident == incident, "\(id)")
      #expect(description?.rationale.contains(incident) == true, "\(id) rationale")
    }
  }

  /// A description is read without its examples and exported admission policy, which are
  /// read whole when asked for: every other field is where the whole file has it, and those
  /// two are the whole file's.
  @Test func aDescriptionIsReadWithoutWhatIsReadOnDemand() throws {
    for (name, bytes) in EmbeddedCatalogue.files {
      let whole = try #require(YAMLReader().read(bytes).documents.first?.root, "\(name)")
      let head = try #require(
        YAMLReader().read(CatalogueParser.withoutFields(CatalogueParser.onDemandFields, of: bytes))
          .documents.first?.root, "\(name)")
      let kept = whole.pairs.compactMap(\.key.string).filter {
        !CatalogueParser.onDemandFields.contains($0)
      }
      #expect(head.pairs.compactMap(\.key.string) == kept, "\(name)")
      for key in kept {
        #expect(head[key]?.position == whole[key]?.position, "\(name): \(key)")
        #expect(head[key]?.string == whole[key]?.string, "\(name): \(key)")
      }
      let description = try CatalogueParser.parse(bytes, fileName: name)
      #expect(description.examples?.position == whole["examples"]?.position, "\(name)")
      #expect(description.admission?.position == whole["admission"]?.position, "\(name)")
    }
    // A key's block ends at the next line that starts a key, not at a comment or a line of
    // its block scalar.
    let text =
      "a: 1\nexamples:\n  x: |\n    examples: no\n# note\n  y: 2\nb: 3\nadmission: {}\nc: 4\n"
    #expect(
      String(
        decoding: CatalogueParser.withoutFields(["examples", "admission"], of: Array(text.utf8)),
        as: UTF8.self)
        == "a: 1\n\n\n\n\n\nb: 3\n\nc: 4\n")
  }

  @Test func strictParsingRejectsTypos() {
    let broken = Array(
      """
      id: broken
      title: t
      severity: warning
      scope: object
      appliesTo: [Pod]
      rationale: r
      remediation: r
      remedation: typo
      examplesNote: none
      """.utf8)
    #expect(throws: CatalogueError.self) {
      try CatalogueParser.parse(broken, fileName: "broken.yaml")
    }
  }

  @Test func markersGiveLinesAndSeverities() {
    let marked = CatalogueParser.markedLines(
      in: Array("a: 1\nb: 2  # <- error\nc: 3 # <- \n".utf8))
    #expect(marked.map(\.line) == [2, 3])
    #expect(marked.map(\.severity) == [.error, nil])
  }
}

/// `ephemeral-storage-limit` resolves a redirection's target that starts with a shell
/// variable from what assigns it, and guesses nothing when nothing does.
@Suite("Redirection targets named by variables")
struct RedirectionTargetTests {
  @Test func aVariableIsEachValueAssignedToIt() {
    let assigned: (Substring) -> [Substring] = { name in
      ["KEYRING": ["/etc/ceph/keyring"], "D": ["/a", "/b"], "_x1": ["/x"]][String(name)] ?? []
    }
    func values(_ target: Substring) -> [String] {
      EphemeralStorageLimit.values(ofTarget: target, assigned: assigned)
    }
    #expect(values("/tmp/log") == ["/tmp/log"])
    #expect(values("\"/tmp/my log\"") == ["/tmp/my log"])
    #expect(values("${KEYRING}") == ["/etc/ceph/keyring"])
    #expect(values("\"$KEYRING\"") == ["/etc/ceph/keyring"])
    #expect(values("$D/out") == ["/a/out", "/b/out"])
    #expect(values("'$D'.old") == ["/a.old", "/b.old"])
    #expect(values("${_x1}/y") == ["/x/y"])
    // A combining mark ends the name, as the shell and the exported policy (by code point)
    // read it: `$D` then U+0301.
    #expect(values("$D\u{301}x") == ["/a\u{301}x", "/b\u{301}x"])
    // Nothing assigns it, or it is no plain name: no guess.
    for unknown: Substring in ["$HOME/x", "$1", "${OUT:-/tmp}", "$", "${", "${}", "$-x"] {
      #expect(values(unknown).isEmpty, "\(unknown)")
    }
  }
}
