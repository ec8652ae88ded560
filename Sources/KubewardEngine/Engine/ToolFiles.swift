/// YAML and JSON files that configure tools rather than hold Kubernetes objects: a chart's
/// `Chart.yaml` and `values.yaml`, a kustomization, CI workflows, the pre-commit framework's
/// files. A pre-commit hook or a shell glob names them along with the manifests; named or
/// found, they are not reported as "not Kubernetes" (a kustomization is still read for the
/// patches and images it names).
enum ToolFiles {
  private static let names: Set<String> = [
    "chart.yaml", "chart.lock", "kustomization.yaml", "kustomization.yml", "kustomization",
    "skaffold.yaml", "skaffold.yml", ".ko.yaml", ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml", ".kubeward.yaml", ".kubeward.yml", ".gitlab-ci.yml",
    ".goreleaser.yaml", ".goreleaser.yml", "action.yml", "action.yaml", "mkdocs.yml",
    "codecov.yml", ".codecov.yml", "renovate.json", "package.json", "package-lock.json",
    "compose.yaml", "compose.yml", ".yamllint", ".yamllint.yaml", ".yamllint.yml",
    "helmfile.yaml", "devfile.yaml", "tilt.json", "cloudbuild.yaml", "buildspec.yml",
  ]

  static func isToolFile(_ path: String) -> Bool {
    let components = path.split(separator: "/")
    // Anything under .github/ (workflows, issue templates, dependabot) or .gitlab/.
    if components.dropLast().contains(where: { $0 == ".github" || $0 == ".gitlab" }) {
      return true
    }
    let name = (components.last.map(String.init) ?? path).lowercased()
    if names.contains(name) { return true }
    // A chart's values (`values.yaml`, `values-prod.yaml`), Compose files, TypeScript configs.
    return (name.hasPrefix("values") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml")))
      || name.hasPrefix("docker-compose") || name.hasPrefix("tsconfig")
  }
}
