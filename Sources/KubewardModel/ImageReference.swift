/// A container image reference, parsed by the grammar of the Docker distribution project
/// (`distribution/reference`), which is what kubelets and registries use:
///
///     reference  := name [ ":" tag ] [ "@" digest ]
///     name       := [ domain "/" ] path-component { "/" path-component }
///     domain     := host [ ":" port ]
///
/// The first component is a registry host only when it contains `.` or `:`, is `localhost`,
/// or has an uppercase letter; otherwise the image is on Docker Hub (`docker.io`), and a
/// single-component name lives under `library/` (`nginx` is `docker.io/library/nginx`).
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
  /// The registry host as written (`registry.example.com:5000`), or `nil` for Docker Hub's
  /// implicit default.
  public let explicitRegistry: String?
  /// The registry host, with Docker Hub's aliases normalised to `docker.io`.
  public let registry: String
  /// The repository path as the registry knows it (`library/nginx`, `team/app`).
  public let repository: String
  public let tag: String?
  /// `algorithm:hex`, e.g. `sha256:…`.
  public let digest: String?

  public static let dockerHub = "docker.io"

  /// `nil` when `reference` is not a valid image reference (an unexpanded `$(VAR)`, a
  /// template, uppercase in the path, …).
  public init?(_ reference: String) {
    let utf8 = Array(reference.utf8)
    guard !utf8.isEmpty, utf8.count <= 4096 else { return nil }
    var remainder = Substring(reference)

    var digest: String?
    if let at = remainder.firstIndex(of: "@") {
      let value = remainder[remainder.index(after: at)...]
      guard Self.isValidDigest(value) else { return nil }
      digest = String(value)
      remainder = remainder[..<at]
    }

    var tag: String?
    let lastSlash = remainder.lastIndex(of: "/")
    if let colon = remainder.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
      let value = remainder[remainder.index(after: colon)...]
      guard Self.isValidTag(value) else { return nil }
      tag = String(value)
      remainder = remainder[..<colon]
    }

    var explicitRegistry: String?
    var path = remainder
    if let slash = remainder.firstIndex(of: "/") {
      let first = remainder[..<slash]
      if first.contains(".") || first.contains(":") || first == "localhost"
        || first.contains(where: \.isUppercase)
      {
        guard Self.isValidDomain(first) else { return nil }
        explicitRegistry = String(first)
        path = remainder[remainder.index(after: slash)...]
      }
    }
    guard !path.isEmpty,
      path.split(separator: "/", omittingEmptySubsequences: false)
        .allSatisfy(Self.isValidPathComponent)
    else { return nil }

    var registry = explicitRegistry ?? Self.dockerHub
    if registry == "index.docker.io" || registry == "registry-1.docker.io" {
      registry = Self.dockerHub
    }
    var repository = String(path)
    if registry == Self.dockerHub && !repository.contains("/") {
      repository = "library/" + repository
    }
    self.explicitRegistry = explicitRegistry
    self.registry = registry
    self.repository = repository
    self.tag = tag
    self.digest = digest
  }

  /// The components of the repository path (`["library", "nginx"]`).
  public var pathComponents: [Substring] {
    repository.split(separator: "/")
  }

  public var description: String {
    var text = (explicitRegistry.map { $0 + "/" } ?? "") + repository
    if let tag { text += ":" + tag }
    if let digest { text += "@" + digest }
    return text
  }

  // MARK: Grammar

  private static func isLowerAlphanumeric(_ character: Character) -> Bool {
    character.isASCII && (character.isNumber || (character.isLetter && character.isLowercase))
  }

  /// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`
  static func isValidPathComponent(_ component: Substring) -> Bool {
    guard let first = component.first, let last = component.last,
      isLowerAlphanumeric(first), isLowerAlphanumeric(last)
    else { return false }
    var previous: Character = first
    var underscores = 0
    for character in component.dropFirst() {
      if isLowerAlphanumeric(character) {
        underscores = 0
      } else if character == "_" {
        underscores += 1
        if underscores > 2 || (previous != "_" && !isLowerAlphanumeric(previous)) { return false }
      } else if character == "." {
        if !isLowerAlphanumeric(previous) { return false }
      } else if character == "-" {
        if previous != "-" && !isLowerAlphanumeric(previous) { return false }
      } else {
        return false
      }
      previous = character
    }
    return true
  }

  /// A host name or IPv4 address (or bracketed IPv6), with an optional port.
  static func isValidDomain(_ domain: Substring) -> Bool {
    var host = domain
    if let colon = domain.lastIndex(of: ":"), !domain.hasSuffix("]") {
      let port = domain[domain.index(after: colon)...]
      guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber })
      else { return false }
      host = domain[..<colon]
    }
    if host.hasPrefix("[") { return host.hasSuffix("]") && host.count > 2 }
    return !host.isEmpty
      && host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
        guard let first = label.first, let last = label.last else { return false }
        return first.isASCII && (first.isLetter || first.isNumber) && last.isASCII
          && (last.isLetter || last.isNumber)
          && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
      }
  }

  /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
  static func isValidTag(_ tag: Substring) -> Bool {
    guard let first = tag.first, tag.count <= 128,
      first.isASCII && (first.isLetter || first.isNumber || first == "_")
    else { return false }
    return tag.allSatisfy {
      $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-")
    }
  }

  /// `algorithm ":" encoded`, the encoded part at least 32 hex-like characters.
  static func isValidDigest(_ digest: Substring) -> Bool {
    guard let colon = digest.firstIndex(of: ":") else { return false }
    let algorithm = digest[..<colon]
    let encoded = digest[digest.index(after: colon)...]
    guard let first = algorithm.first, first.isASCII, first.isLetter, encoded.count >= 32 else {
      return false
    }
    return
      algorithm.allSatisfy {
        $0.isASCII && ($0.isLetter || $0.isNumber || "-_+.".contains($0))
      }
      && encoded.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "=_-".contains($0)) }
  }
}
