import KubewardEngine
import Testing

/// Findings about a container are shown at its name, where a reader looks for it, also when
/// the container lists other keys first (Jaeger's `- env: …` in the OpenTelemetry demo).
@Suite("Container positions")
struct ContainerPositionTests {
  @Test func aContainerIsShownAtItsNameWhereverItIsWritten() throws {
    let text = [
      "apiVersion: v1", "kind: Pod", "metadata: {name: p, namespace: shop}", "spec:",
      "  containers:",
      "    - env: [{name: A, value: b}]", "      image: example/app:1.0", "      name: later",
      "    - name: first", "      image: example/app:1.0",
    ].joined(separator: "\n")
    let findings = try Linter().lint([
      LintInput(name: "pod.yaml", source: .bytes(Array(text.utf8)), isExplicit: true)
    ]).findings.filter { $0.policy == "memory-limit" }
    let places = findings.map { "\($0.container ?? "?") \($0.line):\($0.column)" }.sorted()
    #expect(places == ["first 9:7", "later 8:7"], "\(places)")
  }
}
