import KubewardEngine
import Testing

/// Findings about a container are shown at its name, where a reader looks for it, also when
/// the container lists other keys first (Jaeger's `- env: …` in the OpenTelemetry demo), by
/// the policies of one object and those of the set alike (`missing-readiness-probe`).
@Suite("Container positions")
struct ContainerPositionTests {
  @Test func aContainerIsShownAtItsNameWhereverItIsWritten() throws {
    let text = [
      "apiVersion: apps/v1", "kind: Deployment", "metadata: {name: d, namespace: shop}",
      "spec:", "  selector: {matchLabels: {app: d}}", "  template:",
      "    metadata: {labels: {app: d}}", "    spec:", "      containers:",
      "        - ports: [{containerPort: 80}]", "          image: example/app:1.0",
      "          name: later",
      "        - name: first", "          image: example/app:1.0",
      "---", "apiVersion: v1", "kind: Service", "metadata: {name: d, namespace: shop}",
      "spec: {selector: {app: d}, ports: [{port: 80}]}",
    ].joined(separator: "\n")
    let findings = try Linter().lint([
      LintInput(name: "d.yaml", source: .bytes(Array(text.utf8)), isExplicit: true)
    ]).findings
    // The Service's port reaches `later`, which is the one without a readiness probe then.
    for (policy, expected) in [
      ("memory-limit", ["first 13:11", "later 12:11"]),
      ("missing-readiness-probe", ["later 12:11"]),
    ] {
      let places = findings.filter { $0.policy == policy }
        .map { "\($0.container ?? "?") \($0.line):\($0.column)" }.sorted()
      #expect(places == expected, "\(policy): \(places)")
    }
  }
}
