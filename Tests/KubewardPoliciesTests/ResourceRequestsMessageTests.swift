import KubewardEngine
import Testing

/// What `resource-requests` says a missing request costs: a pod without a memory request is
/// among the first the kubelet evicts; one whose memory is requested (a memory limit requests
/// it) is not, and without a cpu request it loses its share of a busy node's cpu.
@Suite("resource-requests messages")
struct ResourceRequestsMessageTests {
  func message(resources: String) throws -> String? {
    let manifest =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
      + "  containers: [{name: app, image: example/app:1.0, resources: \(resources)}]\n"
    let input = LintInput(
      name: "pod.yaml", source: .bytes(Array(manifest.utf8)), isExplicit: true)
    return try Linter().lint([input]).findings.first { $0.policy == "resource-requests" }?
      .message
  }

  @Test func aMissingCPURequestIsNoEvictionRisk() throws {
    let cpuOnly = try #require(try message(resources: "{limits: {memory: 300Mi}}"))
    #expect(cpuOnly.contains("has no cpu request"), "\(cpuOnly)")
    #expect(cpuOnly.contains("smallest share of a busy node's cpu"), "\(cpuOnly)")
    #expect(!cpuOnly.contains("evicted"), "\(cpuOnly)")
    for resources in ["{}", "{requests: {cpu: 100m}}"] {
      let memory = try #require(try message(resources: resources))
      #expect(memory.contains("among the first evicted under pressure"), "\(memory)")
    }
  }
}
