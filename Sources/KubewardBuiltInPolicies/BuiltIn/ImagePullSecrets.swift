import KubewardEngine
import KubewardModel
import Synchronization

/// `image-pull-secrets`: an image that may need credentials to pull and no pull secret to
/// fetch it (I-1).
///
/// kubeward cannot see whether a repository is private, nor whether the nodes pull with
/// credentials of their own (ACK's credential helper, EKS node roles, GKE node service
/// accounts, AKS attached registries). So the severity follows what is known: a warning for a
/// registry the team declared private (`privateRegistries`); information for Amazon ECR,
/// whose private repositories nodes read with AWS credentials of their own, and for any other
/// registry not known to be public; nothing for well-known public registries and namespaces,
/// and for local ones.
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
      // A build tool's placeholder is replaced by an image in a registry the tool knows.
      guard let image = container.image, let reference = container.imageReference,
        let host = reference.explicitRegistry, !report.builtImages.contains(image.string ?? "")
      else { continue }
      let verdict = registries.verdict(host: host, repository: reference.repository)
      let pulled = "pulls \(image.string ?? "") from \(host)"
      let nodes =
        "unless the nodes pull with credentials of their own (an EKS node role, a GKE node "
        + "service account, ACK's credential helper, an AKS attached registry)"
      var message: String
      var adjustment = SeverityAdjustment.standard
      switch verdict {
      case .public, .local:
        continue
      case .declaredPrivate:
        message =
          "\(pulled), which the configuration declares private, but the pod spec lists no "
          + "imagePullSecrets, so pods fail with ErrImagePull (\"pull access denied\") \(nodes)"
      case .privateOnly:
        // ECR is read with the nodes' AWS credentials, never a pull secret: its tokens
        // expire within 12 hours, and the add-ons' own images are on ECR (the VPC CNI's).
        report.report(
          image,
          "\(pulled), an Amazon ECR registry, whose repositories are private: nodes pull them "
            + "with AWS credentials of their own (an EKS node role allowed to read the "
            + "repository, or the kubelet's ECR credential provider elsewhere), not with an image "
            + "pull secret, whose ECR token would expire within 12 hours; make sure the nodes may "
            + "read this repository",
          container: container, adjustment: .info)
        continue
      case .unknown:
        message =
          "\(pulled) with no imagePullSecrets; kubeward cannot tell whether this repository is "
          + "private: if it is, pods fail with ErrImagePull \(nodes). Declare the registry in "
          + "privateRegistries or publicRegistries to settle it"
        adjustment = .info
      }
      if let serviceAccount {
        message += """
          ; service account \"\(serviceAccount)\" may carry the pull secret: make sure it lists \
          the registry's Secret under imagePullSecrets
          """
        adjustment = .info
      } else if verdict != .unknown {
        message +=
          "; create a docker-registry Secret and list it under imagePullSecrets (do not make "
          + "the repository public)"
      }
      report.report(image, message, container: container, adjustment: adjustment)
    }
  }
}

/// What is known of a registry's need for credentials.
enum RegistryVerdict: Equatable, Sendable {
  /// A well-known public registry or namespace (`publicRegistries`).
  case `public`
  /// A registry on the developer's machine or cluster (`localhost:5001`, `kind-registry`).
  case local
  /// The team declared it private (`privateRegistries`).
  case declaredPrivate
  /// A host that serves private repositories only (Amazon ECR's private registries), which
  /// nodes read with AWS credentials of their own.
  case privateOnly
  /// Not known to be either.
  case unknown
}

/// Decides what is known of an image's registry: the most specific matching pattern of the
/// private and public lists wins; otherwise local hosts and private-only hosts are recognised;
/// anything else is unknown.
///
/// A pattern without `/` matches the host (port ignored); with `/` it matches
/// `host/repository`. `*` matches any run of characters except `/`, `**` any run.
struct RegistryClassifier: Sendable {
  let privatePatterns: [GlobPattern]
  let publicPatterns: [GlobPattern]
  /// Patterns that are plain host names, looked up directly; the others need matching.
  let privateHosts: Set<String>
  let publicHosts: Set<String>

  /// Answers already given: a run's images come from a handful of registries. By host, or by
  /// `host/repository` for a host that a pattern with a path may match.
  private let answers = Answers()
  private let looksAtRepositories: Bool

  private final class Answers: Sendable {
    let byHost = Mutex<[String: HostAnswer]>([:])
    let byRepository = Mutex<[String: RegistryVerdict]>([:])
  }

  private enum HostAnswer: Equatable {
    case whole(RegistryVerdict)
    /// Some pattern with a path may match: see `byRepository`.
    case perRepository
  }

  /// The host parts of the patterns with a path.
  private let pathPatternHosts: [GlobPattern]

  /// Hosts of registries that only exist on a developer's machine or inside the cluster.
  static let localHosts: [GlobPattern] = [
    "localhost", "*.localhost", "127.0.0.1", "[::1]", "0.0.0.0", "*.local", "kind-registry",
    "host.docker.internal", "registry", "k3d-*", "registry.kube-system.svc.cluster.local",
    "*.svc.cluster.local", "*.svc",
  ].map(GlobPattern.init)

  /// Hosts that serve private repositories only: Amazon ECR's private registries (public
  /// images are on public.ecr.aws).
  static let privateOnlyHosts: [GlobPattern] = [
    "*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn",
  ].map(GlobPattern.init)

  /// Patterns with a star or a path beyond this many per list are not used. Each is matched
  /// against every distinct repository of a run: 20 000 of them against 20 000 images took a
  /// minute. Plain host names, looked up in a set, have no bound.
  static let maximumPatterns = 1000

  init(private privatePatterns: [String], public publicPatterns: [String]) {
    func isPlainHost(_ pattern: String) -> Bool { !pattern.contains("*") && !pattern.contains("/") }
    self.privatePatterns = privatePatterns.lazy.filter { !isPlainHost($0) }
      .prefix(Self.maximumPatterns).map(GlobPattern.init)
    self.publicPatterns = publicPatterns.lazy.filter { !isPlainHost($0) }
      .prefix(Self.maximumPatterns).map(GlobPattern.init)
    self.privateHosts = Set(privatePatterns.filter(isPlainHost))
    self.publicHosts = Set(publicPatterns.filter(isPlainHost))
    let pathPatterns = (self.privatePatterns + self.publicPatterns).filter(\.matchesPaths)
    looksAtRepositories = !pathPatterns.isEmpty
    pathPatternHosts = pathPatterns.map { GlobPattern(String($0.text.prefix { $0 != "/" })) }
  }

  func verdict(host: String, repository: String) -> RegistryVerdict {
    // Most hosts are judged whole: only a host that some pattern with a path could match
    // (`registry*.aliyuncs.com/acs/**`) is judged per repository.
    let known = answers.byHost.withLock { $0[host] }
    switch known {
    case .whole(let verdict)?:
      return verdict
    case nil where !dependsOnRepository(host):
      let answer = classify(host: host, repository: "")
      answers.byHost.withLock { $0[host] = .whole(answer) }
      return answer
    case .perRepository?, nil:
      if known == nil { answers.byHost.withLock { $0[host] = .perRepository } }
      let key = host + "/" + repository
      if let known = answers.byRepository.withLock({ $0[key] }) { return known }
      let answer = classify(host: host, repository: repository)
      answers.byRepository.withLock { $0[key] = answer }
      return answer
    }
  }

  /// Whether a pattern with a path could match an image of `host`: its part before the first
  /// `/` matches the host (with or without its port).
  private func dependsOnRepository(_ host: String) -> Bool {
    guard looksAtRepositories else { return false }
    let bare = host.split(separator: ":").first.map(String.init) ?? host
    return pathPatternHosts.contains { $0.matches(bare) || $0.matches(host) }
  }

  private func classify(host: String, repository: String) -> RegistryVerdict {
    let port = host.utf8.lastIndex(of: UInt8(ascii: ":"))
    // `[::1]:5000`: the port follows the bracket.
    let bareHost =
      port.map { host[..<$0].hasSuffix("]") || !host.hasPrefix("[") ? String(host[..<$0]) : host }
      ?? host
    // Made once, not once per pattern.
    let barePath = bareHost + "/" + repository
    let path = port != nil ? host + "/" + repository : barePath
    func bestMatch(_ patterns: [GlobPattern], hosts: Set<String>) -> Int? {
      // A plain host pattern is as specific as its length.
      var best: Int? =
        hosts.contains(host)
        ? host.utf8.count : hosts.contains(bareHost) ? bareHost.utf8.count : nil
      for pattern in patterns where pattern.specificity > best ?? -1 {
        let matched =
          pattern.matchesPaths
          ? pattern.matches(barePath) || (port != nil && pattern.matches(path))
          : pattern.matches(bareHost) || (port != nil && pattern.matches(host))
        if matched { best = pattern.specificity }
      }
      return best
    }
    let publicMatch = bestMatch(publicPatterns, hosts: publicHosts)
    let privateMatch = bestMatch(privatePatterns, hosts: privateHosts)
    if let privateMatch, privateMatch >= publicMatch ?? -1 { return .declaredPrivate }
    if publicMatch != nil { return .public }
    if Self.localHosts.contains(where: { $0.matches(bareHost) }) { return .local }
    if Self.privateOnlyHosts.contains(where: { $0.matches(bareHost) }) { return .privateOnly }
    return .unknown
  }
}
