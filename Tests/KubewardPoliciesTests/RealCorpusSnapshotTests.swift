import KubewardBuiltInPolicies
import KubewardEngine
import Testing

/// The findings kubeward gives on the real manifests of `../shared/corpus/real`, per policy and
/// severity, each repository folder linted on its own as its owners would. Every count was
/// reviewed (see docs/precision.md); a change here must be deliberate: re-run, read the
/// findings that changed in their files, and update both this table and docs/precision.md.
@Suite("Real manifests: reviewed snapshot", .enabled(if: realCorpusIsPresent))
struct RealCorpusSnapshotTests {
  static let expected: [String: Int] = [
    "aggressive-liveness-probe/info": 3,
    "alpine-image/info": 40,
    "deprecated-api-version/error": 46,
    "deprecated-api-version/warning": 2,
    "dns-policy-default/info": 3,
    "duplicate-key/error": 8,
    "emptydir-size-limit/info": 84,
    "emptydir-size-limit/warning": 152,
    "ephemeral-storage-limit/info": 682,
    "ephemeral-storage-limit/warning": 26,
    "exec-probe/info": 58,
    "exec-probe/warning": 28,
    "external-traffic-local/info": 9,
    "fsgroup-recursive-chown/info": 1,
    "fsgroup-recursive-chown/warning": 1,
    "headless-service-no-lb/info": 2,
    "helm-chart/info": 2,
    "hostpath-volume/info": 16,
    "hostpath-volume/warning": 19,
    "image-pull-secrets/info": 25,
    "image-tag/info": 76,
    "image-tag/warning": 302,
    "ingress-missing-backend/warning": 15,
    "loadbalancer-lifecycle/info": 6,
    "loadbalancer-lifecycle/warning": 80,
    "memory-limit/info": 40,
    "memory-limit/warning": 611,
    "missing-liveness-probe/info": 482,
    "missing-pdb/info": 88,
    "missing-readiness-probe/info": 16,
    "missing-readiness-probe/warning": 347,
    "pdb-blocks-eviction/warning": 1,
    "replication-controller/warning": 40,
    "resource-requests/info": 30,
    "resource-requests/warning": 574,
    "schema/error": 4,
    "schema/info": 7,
    "service-selects-nothing/info": 9,
    "service-target-port/info": 3,
    "single-replica/info": 415,
    "statefulset-service-name/info": 19,
    "statefulset-service-name/warning": 1,
    "unrendered-template/error": 9,
    "unrendered-template/info": 39,
    "yaml-syntax/error": 8,
  ]

  @Test func findingsPerPolicyMatchTheReviewedSnapshot() throws {
    let linter = try Linter()
    var counts: [String: Int] = [:]
    for folder in directoryEntries(realCorpus) where folder != "_licenses" {
      let path = realCorpus + "/" + folder
      guard !directoryEntries(path).isEmpty else { continue }
      for finding in linter.lint(try InputDiscovery.inputs(for: [path]), jobs: 2).findings {
        counts["\(finding.policy)/\(finding.severity)", default: 0] += 1
      }
    }
    let keys = Set(counts.keys).union(Self.expected.keys).sorted()
    let changed = keys.filter { counts[$0] != Self.expected[$0] }.map {
      "\($0): expected \(Self.expected[$0] ?? 0), found \(counts[$0] ?? 0)"
    }
    #expect(changed.isEmpty, "\n\(changed.joined(separator: "\n"))")
  }
}
