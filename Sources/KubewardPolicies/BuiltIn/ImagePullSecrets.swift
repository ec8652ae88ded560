import KubewardModel
import Synchronization

/// `image-pull-secrets`: a private registry's image with no pull secret to fetch it (I-1).
struct ImagePullSecrets: ObjectPolicy {
  static let id = "image-pull-secrets"

  let registries: RegistryClassifier

  init(options: PolicyOptions) {
    registries = RegistryClassifier(
      private: options.strings("privateRegistries"), public: options.strings("publicRegistries"))
  }

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    var hasNamedSecret = false
    for entry in spec.imagePullSecrets?.value.items ?? .none {
      if let name = entry.scalar(.name)?.string, !name.isEmpty {
        hasNamedSecret = true
      } else {
        report.report(
          entry,
          "has an imagePullSecrets entry without a name, which the API rejects; name the "
            + "docker-registry Secret to use or remove the entry",
          adjustment: .raised)
      }
    }
    guard !hasNamedSecret else { return }
    let serviceAccount = spec.serviceAccountName?.string.flatMap { $0 == "default" ? nil : $0 }
    for container in spec.containers {
      guard let image = container.image, let reference = container.imageReference,
        let host = reference.explicitRegistry,
        registries.isPrivate(host: host, repository: reference.repository)
      else { continue }
      let problem =
        """
        pulls \(image.string ?? "") from private registry \(host) but the pod spec lists no \
        imagePullSecrets
        """
      if let serviceAccount {
        report.report(
          image,
          problem + """
            ; it may get them from service account \"\(serviceAccount)\": make sure \
            that account lists the registry's Secret under imagePullSecrets
            """,
          container: container, adjustment: .lowered)
      } else {
        report.report(
          image,
          problem + ", so pods fail with ErrImagePull (\"pull access denied\"); create a "
            + "docker-registry Secret and list it under imagePullSecrets (do not make the "
            + "repository public)",
          container: container)
      }
    }
  }
}

/// Decides whether an image's registry needs credentials: the most specific matching pattern
/// wins, and an explicit host that matches no pattern counts as private.
///
/// A pattern without `/` matches the host (port ignored); with `/` it matches
/// `host/repository`. `*` matches any run of characters except `/`, `**` any run.
struct RegistryClassifier: Sendable {
  let privatePatterns: [GlobPattern]
  let publicPatterns: [GlobPattern]
  /// Patterns that are plain host names, looked up directly; the others need matching.
  let privateHosts: Set<String>
  let publicHosts: Set<String>

  /// Answers already given: a run's images come from a handful of registries. Keyed by host,
  /// or by `host/repository` when a pattern looks at repositories.
  private let answers = Answers()
  private let looksAtRepositories: Bool

  private final class Answers: Sendable {
    let byKey = Mutex<[String: Bool]>([:])
  }

  init(private privatePatterns: [String], public publicPatterns: [String]) {
    func isPlainHost(_ pattern: String) -> Bool { !pattern.contains("*") && !pattern.contains("/") }
    self.privatePatterns = privatePatterns.filter { !isPlainHost($0) }.map(GlobPattern.init)
    self.publicPatterns = publicPatterns.filter { !isPlainHost($0) }.map(GlobPattern.init)
    self.privateHosts = Set(privatePatterns.filter(isPlainHost))
    self.publicHosts = Set(publicPatterns.filter(isPlainHost))
    looksAtRepositories = (self.privatePatterns + self.publicPatterns).contains(
      where: \.matchesPaths)
  }

  func isPrivate(host: String, repository: String) -> Bool {
    let key = looksAtRepositories ? host + "/" + repository : host
    if let known = answers.byKey.withLock({ $0[key] }) { return known }
    let answer = classify(host: host, repository: repository)
    answers.byKey.withLock { $0[key] = answer }
    return answer
  }

  private func classify(host: String, repository: String) -> Bool {
    let port = host.utf8.lastIndex(of: UInt8(ascii: ":"))
    let bareHost = port.map { String(host[..<$0]) } ?? host
    func bestMatch(_ patterns: [GlobPattern], hosts: Set<String>) -> Int? {
      // A plain host pattern is as specific as its length.
      var best: Int? =
        hosts.contains(host)
        ? host.utf8.count : hosts.contains(bareHost) ? bareHost.utf8.count : nil
      for pattern in patterns where pattern.specificity > best ?? -1 {
        let matched =
          pattern.matchesPaths
          ? pattern.matches(bareHost + "/" + repository)
            || (port != nil && pattern.matches(host + "/" + repository))
          : pattern.matches(bareHost) || (port != nil && pattern.matches(host))
        if matched { best = pattern.specificity }
      }
      return best
    }
    let publicMatch = bestMatch(publicPatterns, hosts: publicHosts)
    guard let privateMatch = bestMatch(privatePatterns, hosts: privateHosts) else {
      // An explicit host that no pattern mentions is private unless listed as public.
      return publicMatch == nil
    }
    return privateMatch >= publicMatch ?? -1
  }
}
