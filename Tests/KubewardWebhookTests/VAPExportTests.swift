import Foundation
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardReporters
import KubewardYAML
import Testing

@testable import KubewardAdmission
@testable import KubewardWebhook

/// `kubeward export vap`: the exported policies are current, valid, and give every object the
/// verdict the Swift policy gives it.
@Suite("The catalogue as ValidatingAdmissionPolicies")
struct VAPExportTests {
  static let export = VAPExport.export(PolicyCatalogue.builtIn)
  static let committed = EquivalenceTests.repositoryRoot + "/deploy/vap"

  @Test func deployVAPIsWhatTheCatalogueExports() throws {
    let names = Set(Self.export.files.map(\.name))
    for file in Self.export.files {
      let path = Self.committed + "/" + file.name
      let text = try? String(contentsOfFile: path, encoding: .utf8)
      #expect(
        text == file.text,
        "deploy/vap/\(file.name) is out of date: run `kubeward export vap --output deploy/vap`")
    }
    let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.committed))
    #expect(present.subtracting(names).isEmpty, "stale files: \(present.subtracting(names))")
  }

  @Test func everyPerObjectPolicyIsExportedOrSaysWhyNot() throws {
    for description in PolicyCatalogue.builtIn.descriptions where description.scope == .object {
      try description.validateAdmissionExport()
      #expect(description.admissionExport != nil, "\(description.id) has no admission: section")
    }
    #expect(
      Self.export.exported.count + Self.export.notExported.count
        == PolicyCatalogue.builtIn.descriptions.filter { $0.scope == .object }.count)
  }

  @Test func exportedPoliciesCompileAndLintClean() throws {
    var set = AdmissionPolicySet()
    for file in Self.export.files where file.name.hasSuffix(".yaml") {
      set.read(file: file.name, bytes: Array(file.text.utf8))
    }
    #expect(set.policyFileFindings().isEmpty, "\(set.policyFileFindings().map(\.message))")
    #expect(set.policies.count == Self.export.exported.flatMap(\.policies).count)
    let linter = try Linter(sources: [BuiltInPolicies.source])
    let inputs = Self.export.files.filter { $0.name.hasSuffix(".yaml") }.map {
      LintInput(name: $0.name, source: .bytes(Array($0.text.utf8)), isExplicit: true)
    }
    let findings = linter.lint(inputs).findings
    #expect(findings.isEmpty, "\(findings.map(\.message))")
  }

  // MARK: Equivalence

  /// The exported policies, evaluated by kubeward's CEL engine as the API server would.
  static func admissionLinter(costs: CostLedger? = nil) throws -> Linter {
    var set = AdmissionPolicySet()
    set.costLedger = costs
    for file in export.files where file.name.hasSuffix(".yaml") {
      set.read(file: file.name, bytes: Array(file.text.utf8))
    }
    return try Linter(sources: [AdmissionPolicySource(set)])
  }

  /// The policy id of an exported policy's name.
  static let idOfPolicy: [String: String] = Dictionary(
    uniqueKeysWithValues: export.exported.flatMap { id, policies in
      policies.map { ($0.name, id) }
    })

  struct Verdicts {
    var compared = 0
    var differences: [String] = []
    var maximumCost: [String: Int] = [:]
  }

  /// Compares, object by object, the Swift policies' most severe finding with the exported
  /// policies' for every policy in `ids`.
  static func compare(
    name: String, bytes: [UInt8], ids: Set<String>, builtIn: Linter, admission: Linter,
    into verdicts: inout Verdicts
  ) {
    let input = LintInput(name: name, source: .bytes(bytes), isExplicit: true)
    let swift = builtIn.lint([input]).findings
    let cel = admission.lint([input]).findings
    // What reaches no API server as it is (templates, fragments), and what the bindings and
    // match conditions leave out on purpose (system namespaces, controllers' pods).
    let notObjects = Set(
      swift.filter {
        $0.policy == "unrendered-template"
          || ($0.policy == "schema" && $0.message.contains("is not a whole object"))
      }.compactMap(\.object))
    let file = YAMLReader().read(bytes)
    for document in file.documents {
      guard case .objects(let objects, _) = document.content(defaultNamespace: "default") else {
        continue
      }
      for object in objects where object.resourceKind != nil {
        let reference = object.reference
        guard !notObjects.contains(reference),
          !["kube-system", "kube-node-lease"].contains(reference.namespace ?? ""),
          AdmissionReviewer.controllerOwner(object) == nil
        else { continue }
        verdicts.compared += 1
        for id in ids {
          let expected = swift.filter {
            $0.policy == id && $0.object == reference && $0.suppression == nil
          }.map(\.severity).max()
          let got = cel.filter {
            idOfPolicy[$0.policy] == id && $0.object == reference
          }.map(\.severity).max()
          if expected != got {
            verdicts.differences.append(
              "\(name): \(reference) \(id): kubeward \(expected.map(\.rawValue) ?? "nothing"), "
                + "VAP \(got.map(\.rawValue) ?? "nothing")"
                + (got == nil
                  ? ""
                  : " (\(cel.first { idOfPolicy[$0.policy] == id && $0.object == reference }?.message ?? ""))")
            )
          }
        }
      }
    }
  }

  @Test func onEveryExampleOfEveryExportedPolicy() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let admission = try Self.admissionLinter()
    var verdicts = Verdicts()
    for (id, _) in Self.export.exported {
      let description = try #require(PolicyCatalogue.builtIn[id])
      for (index, example) in (description.failingExamples + description.passingExamples)
        .enumerated()
      {
        Self.compare(
          name: "\(id) example \(index + 1)", bytes: example.manifest,
          ids: Set(Self.export.exported.map(\.id)), builtIn: builtIn, admission: admission,
          into: &verdicts)
      }
    }
    #expect(verdicts.compared > 30)
    #expect(verdicts.differences.isEmpty, "\(verdicts.differences.joined(separator: "\n"))")
  }

  /// Kubernetes stops an expression at a cost of 1 000 000 and a policy's expressions on one
  /// object at 10 000 000 (cel-go's cost model, which kubeward's follows). The estimate is the
  /// largest cost each policy spent on one object of the corpus, all its expressions together.
  static let costLimit = 1_000_000

  @Test(.enabled(if: EquivalenceTests.corpusIsPresent, "../shared/corpus/real is absent"))
  func onEveryObjectOfTheRealCorpus() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let costs = CostLedger()
    let admission = try Self.admissionLinter(costs: costs)
    var verdicts = Verdicts()
    let index = try String(
      contentsOfFile: EquivalenceTests.realCorpus + "/INDEX.tsv", encoding: .utf8)
    for line in index.split(separator: "\n").dropFirst() {
      let path = String(line.split(separator: "\t")[0])
      guard
        let data = FileManager.default.contents(atPath: EquivalenceTests.realCorpus + "/" + path)
      else { continue }
      Self.compare(
        name: path, bytes: Array(data), ids: Set(Self.export.exported.map(\.id)),
        builtIn: builtIn, admission: admission, into: &verdicts)
    }
    #expect(verdicts.compared > 1500)
    let estimates = costs.costs
    print("Largest cost on one object of the real corpus, per exported policy:")
    for (policy, cost) in estimates.sorted(by: { $0.key < $1.key }) {
      print("  \(policy): \(cost)")
      #expect(cost < Self.costLimit, "\(policy) costs \(cost) on one object")
    }
    #expect(estimates.count == Self.idOfPolicy.count)
    #expect(
      verdicts.differences.isEmpty,
      "\(verdicts.differences.count) differences:\n\(verdicts.differences.prefix(60).joined(separator: "\n"))"
    )
  }

  /// The Swift policies' findings on `manifest`, one object, having checked that the
  /// exported policies of `ids` give it the same verdicts.
  static func swiftFindingsAgreeingWithVAPs(
    _ manifest: String, name: String, ids: Set<String>, builtIn: Linter, admission: Linter
  ) -> [Finding] {
    var verdicts = Verdicts()
    compare(
      name: name, bytes: Array(manifest.utf8), ids: ids, builtIn: builtIn, admission: admission,
      into: &verdicts)
    #expect(verdicts.compared == 1, "\(name)")
    #expect(verdicts.differences.isEmpty, "\(verdicts.differences)")
    let input = LintInput(name: name, source: .bytes(Array(manifest.utf8)), isExplicit: true)
    return builtIn.lint([input]).findings
  }

  /// A DaemonSet `name` in namespace `storage` whose pod spec is `spec` (its `containers`
  /// and `volumes`, not indented).
  static func daemonSet(_ name: String, spec: String) -> String {
    """
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: \(name), namespace: storage}
    spec:
      selector: {matchLabels: {app: \(name)}}
      template:
        metadata: {labels: {app: \(name)}}
        spec:
    \(spec.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
    """
  }

  /// Host paths are compared byte by byte on both sides, as the kernel reads them: a
  /// combining mark after a `/` joined it into another character for Swift's `String`, so
  /// `/var/log/` followed by one was no log folder to the Swift policy (a warning) and a
  /// DaemonSet's own log folder to the exported one (information).
  @Test func hostPathsWithCombiningMarksAreJudgedAlike() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let admission = try Self.admissionLinter()
    let cases: [(path: String, expected: Severity)] = [
      ("/var/log/\u{301}agent", .info),
      ("/var//log/\u{301}", .info),
      ("/var/log/.\u{301}agent", .warning),
      ("/var/log/x/.\u{301}", .warning),
      ("/var/lo\u{301}g/agent", .warning),
    ]
    for (index, (path, expected)) in cases.enumerated() {
      let manifest = Self.daemonSet(
        "agent",
        spec: """
          containers:
            - name: agent
              image: registry.example.com/agent:1.0
              volumeMounts: [{name: logs, mountPath: /logs}]
          volumes:
            - name: logs
              hostPath: {path: "\(path)"}
          """)
      let found = Self.swiftFindingsAgreeingWithVAPs(
        manifest, name: "hostpath case \(index + 1)", ids: ["hostpath-volume"],
        builtIn: builtIn, admission: admission
      ).filter { $0.policy == "hostpath-volume" }
      #expect(found.map(\.severity) == [expected], "\(path): \(found.map(\.message))")
    }
  }

  /// A Windows node plugin names its socket with backslashes
  /// (`C:\var\lib\kubelet\plugins\ebs.csi.aws.com\csi.sock`, the EBS CSI driver's
  /// registrar): the folder it is mounted at holds a socket, on both sides, as its Linux twin's.
  @Test func windowsSocketFoldersAreSocketFolders() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let admission = try Self.admissionLinter()
    for (mountPath, socket, holdsSocket) in [
      (#"C:\var\lib\kubelet\plugins\ebs"#, #"C:\var\lib\kubelet\plugins\ebs\csi.sock"#, true),
      ("/var/lib/kubelet/plugins/ebs", "/var/lib/kubelet/plugins/ebs/csi.sock", true),
      (#"C:\var\lib\kubelet\plugins\ebs"#, #"C:\var\lib\kubelet\plugins\ebs\data.db"#, false),
    ] {
      let manifest = Self.daemonSet(
        "ebs-csi-node-windows",
        spec: """
          containers:
            - name: node-driver-registrar
              image: registry.example.com/csi-node-driver-registrar:v2.17.0
              args: ["--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)"]
              env: [{name: DRIVER_REG_SOCK_PATH, value: '\(socket)'}]
              resources: {requests: {cpu: 10m, memory: 150Mi}, limits: {memory: 150Mi}}
              volumeMounts: [{name: probe-dir, mountPath: '\(mountPath)'}]
          volumes:
            - {name: probe-dir, emptyDir: {}}
          """)
      let found = Self.swiftFindingsAgreeingWithVAPs(
        manifest, name: "socket under \(mountPath)", ids: ["emptydir-size-limit"],
        builtIn: builtIn, admission: admission
      ).filter { $0.policy == "emptydir-size-limit" }
      #expect(found.isEmpty == holdsSocket, "\(socket): \(found.map(\.message))")
    }
  }

  /// A host folder every writable mount of which sees what the node mounts below it
  /// (HostToContainer: the local volume provisioner's discovery folder) is information on both
  /// sides; written through a mount without it, it is the node's disk.
  @Test func foldersTheNodeMountsDisksInAreInformation() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let admission = try Self.admissionLinter()
    // The node's root, which an agent enters with chroot (multus), stays the node's disk; the
    // CNI's folders (CRI-O's plugins, Multus' configuration) are none.
    let cases: [(propagation: String, path: String, expected: Severity?)] = [
      ("HostToContainer", "/mnt/disks", .info), ("None", "/mnt/disks", .warning),
      ("HostToContainer", "/", .warning), ("HostToContainer", "/./", .warning),
      ("None", "/usr/libexec/cni", nil),
      ("None", "/etc/cni/multus/net.d", nil),
    ]
    for (propagation, path, expected) in cases {
      let manifest = Self.daemonSet(
        "local-volume-provisioner",
        spec: """
          containers:
            - name: provisioner
              image: registry.example.com/local-volume-provisioner:v2.7.0
              volumeMounts:
                - {name: disks, mountPath: /mnt/disks, mountPropagation: HostToContainer}
            - name: cleaner
              image: registry.example.com/cleaner:1.0
              volumeMounts:
                - {name: disks, mountPath: /mnt/disks, mountPropagation: \(propagation)}
          volumes:
            - {name: disks, hostPath: {path: "\(path)"}}
          """)
      let found = Self.swiftFindingsAgreeingWithVAPs(
        manifest, name: "propagation \(propagation) of \(path)", ids: ["hostpath-volume"],
        builtIn: builtIn, admission: admission
      ).filter { $0.policy == "hostpath-volume" }
      #expect(found.map(\.severity) == (expected.map { [$0] } ?? []), "\(found.map(\.message))")
      #expect(found.allSatisfy { $0.message.contains("filesystem (\(path)) writable") })
    }
  }

  /// A configuration folder the container's environment names (`ROOK_CONFIG_DIR`) holds
  /// small files, on both sides: the mount itself or one inside it, a trailing slash dropped;
  /// not another container's, a variable of another name, or one whose value is no string.
  @Test func configurationFoldersTheEnvironmentNamesHoldSmallFiles() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let admission = try Self.admissionLinter()
    let cases: [(variable: String, mount: String, small: Bool)] = [
      ("{name: ROOK_CONFIG_DIR, value: /var/lib/rook}", "/var/lib/rook", true),
      ("{name: NGINX_CONF_DIR, value: /srv/conf/}", "/srv/conf/extra", true),
      ("{name: ROOK_CONFIG_DIR, value: /var/lib/rook}", "/var/lib", false),
      ("{name: DATA_DIR, value: /var/lib/rook}", "/var/lib/rook", false),
      ("{name: ROOK_CONFIG_DIR, value: /}", "/var/lib/rook", false),
      ("{name: ROOK_CONFIG_DIR, valueFrom: {fieldRef: {fieldPath: metadata.name}}}", "/x", false),
    ]
    for (variable, mount, small) in cases {
      let manifest = Self.daemonSet(
        "agent",
        spec: """
          containers:
            - name: agent
              image: registry.example.com/agent:1.0
              args: [serve]
              env: [\(variable)]
              volumeMounts: [{name: state, mountPath: "\(mount)"}]
            - name: sidecar
              image: registry.example.com/sidecar:1.0
              env: [{name: SIDECAR_CONFIG_DIR, value: "\(mount)"}]
          volumes:
            - {name: state, emptyDir: {}}
          """)
      let found = Self.swiftFindingsAgreeingWithVAPs(
        manifest, name: "\(variable) at \(mount)",
        ids: ["emptydir-size-limit", "ephemeral-storage-limit"], builtIn: builtIn,
        admission: admission
      ).filter { $0.policy == "emptydir-size-limit" }
      #expect(
        found.map(\.severity) == [small ? .info : .warning], "\(variable): \(found.map(\.message))")
    }
  }

  /// Argo CD's plugin socket folder holds sockets as an emptyDir only: a host folder mounted
  /// there (the node's root) is the node's disk, on both sides.
  @Test func aKnownSocketFolderIsAnEmptyDirs() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let admission = try Self.admissionLinter()
    for (source, expected) in [
      ("hostPath: {path: /}", [Severity.warning]), ("emptyDir: {}", []),
    ] {
      let manifest = Self.daemonSet(
        "repo-server",
        spec: """
          containers:
            - name: repo-server
              image: quay.io/argoproj/argocd:v2.13.1
              resources: {limits: {memory: 1Gi, ephemeral-storage: 1Gi}}
              volumeMounts: [{name: plugins, mountPath: /home/argocd/cmp-server/plugins}]
          volumes:
            - {name: plugins, \(source)}
          """)
      let found = Self.swiftFindingsAgreeingWithVAPs(
        manifest, name: source, ids: ["hostpath-volume", "emptydir-size-limit"],
        builtIn: builtIn, admission: admission
      ).filter { ["hostpath-volume", "emptydir-size-limit"].contains($0.policy) }
      #expect(found.map(\.severity) == expected, "\(source): \(found.map(\.message))")
    }
  }

  /// A command that only sleeps or echoes asks no memory limit or requests; one that runs a
  /// program after it, joined by `;`, `&` or `|` inside a word, does, on both sides.
  @Test func shellOperatorsInsideWordsEndCommandsOnBothSides() throws {
    let builtIn = try Linter(sources: [BuiltInPolicies.source])
    let admission = try Self.admissionLinter()
    let ids: Set<String> = ["memory-limit", "resource-requests", "ephemeral-storage-limit"]
    let cases: [(script: String, trivial: Bool)] = [
      ("sleep 1;java -jar app.jar", false), ("sleep 1&&java -jar app.jar", false),
      ("sleep 1|java -jar app.jar", false), ("sleep 1 & java -jar app.jar", false),
      ("echo hi >/tmp/x;java -jar app.jar", false), ("sleep 1; echo done", true),
      ("echo hi 2>&1;sleep 5", true),
      // Inside quotes an operator is text; an argument without a space is no script.
      ("echo 'config & certs copied'; sleep infinity", true),
      ("echo \\\"up|down\\\"; sleep 1", true),
      // An assignment's command substitution runs its program (`cat`, `curl`), whose
      // arguments follow; an arithmetic one, or one of a single word, runs none.
      ("count=$(cat /tmp/count); sleep 10", true), ("x=$(curl -s http://db:8080); sleep 1", false),
      ("i=$((i+1)); sleep 1", true), ("x=$(date); sleep 1", true),
      ("x=$(LANG=C cat /etc/hostname); sleep 10", true),
      ("OPTS=$(cat /etc/jvm.opts) java -jar app.jar", false),
      ("echo up | tee /tmp/state; sleep 5", true),
    ]
    for (index, (script, trivial)) in cases.enumerated() {
      let manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          replicas: 3
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - name: api
                  image: registry.example.com/api:1.4.2
                  command: ["sh", "-c", "\(script)"]
        """
      let memory = Self.swiftFindingsAgreeingWithVAPs(
        manifest, name: "command case \(index + 1)", ids: ids, builtIn: builtIn,
        admission: admission
      ).filter { $0.policy == "memory-limit" }
      #expect(memory.isEmpty == trivial, "\(script): \(memory.map(\.message))")
    }
  }
}
