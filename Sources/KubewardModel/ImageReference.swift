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
    var reference = reference
    guard let parsed = reference.withUTF8(Self.parse) else { return nil }
    self = parsed
  }

  private init(
    explicitRegistry: String?, registry: String, repository: String, tag: String?,
    digest: String?
  ) {
    self.explicitRegistry = explicitRegistry
    self.registry = registry
    self.repository = repository
    self.tag = tag
    self.digest = digest
  }

  private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ImageReference? {
    guard !bytes.isEmpty, bytes.count <= 4096 else { return nil }
    func text(_ range: Range<Int>) -> String {
      String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
    var end = bytes.count

    var digest: String?
    if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
      guard isValidDigest(bytes[(at + 1)..<end]) else { return nil }
      digest = text((at + 1)..<end)
      end = at
    }

    var tag: String?
    let name = bytes[0..<end]
    let lastSlash = name.lastIndex(of: UInt8(ascii: "/"))
    if let colon = name.lastIndex(of: UInt8(ascii: ":")), colon > (lastSlash ?? -1) {
      guard isValidTag(bytes[(colon + 1)..<end]) else { return nil }
      tag = text((colon + 1)..<end)
      end = colon
    }

    var explicitRegistry: String?
    var pathStart = 0
    if let slash = bytes[0..<end].firstIndex(of: UInt8(ascii: "/")) {
      let first = bytes[0..<slash]
      let isDomain =
        first.contains(UInt8(ascii: ".")) || first.contains(UInt8(ascii: ":"))
        || first.elementsEqual("localhost".utf8) || first.contains(where: isUppercase)
      if isDomain {
        guard isValidDomain(first) else { return nil }
        explicitRegistry = text(0..<slash)
        pathStart = slash + 1
      }
    }
    let path = bytes[pathStart..<end]
    guard !path.isEmpty,
      allParts(of: path, separatedBy: UInt8(ascii: "/"), satisfy: isValidPathComponent)
    else { return nil }

    var registry = explicitRegistry ?? dockerHub
    if registry == "index.docker.io" || registry == "registry-1.docker.io" {
      registry = dockerHub
    }
    var repository = text(pathStart..<end)
    if registry == dockerHub && !path.contains(UInt8(ascii: "/")) {
      repository = "library/" + repository
    }
    return ImageReference(
      explicitRegistry: explicitRegistry, registry: registry, repository: repository, tag: tag,
      digest: digest)
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
  //
  // Checked on UTF-8 bytes: the grammar is ASCII, and Unicode character properties would cost
  // more than the whole parse.

  typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

  private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
    (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
  }

  private static func isUppercase(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }

  private static func isAlphanumeric(_ byte: UInt8) -> Bool {
    isLowerAlphanumeric(byte) || isUppercase(byte)
  }

  /// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`
  static func isValidPathComponent(_ bytes: Bytes) -> Bool {
    guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first),
      isLowerAlphanumeric(last)
    else { return false }
    var previous = first
    var underscores = 0
    for byte in bytes.dropFirst() {
      switch byte {
      case _ where isLowerAlphanumeric(byte):
        underscores = 0
      case UInt8(ascii: "_"):
        underscores += 1
        if underscores > 2 || (previous != UInt8(ascii: "_") && !isLowerAlphanumeric(previous)) {
          return false
        }
      case UInt8(ascii: "."):
        if !isLowerAlphanumeric(previous) { return false }
      case UInt8(ascii: "-"):
        if previous != UInt8(ascii: "-") && !isLowerAlphanumeric(previous) { return false }
      default:
        return false
      }
      previous = byte
    }
    return true
  }

  /// A host name or IPv4 address (or bracketed IPv6), with an optional port.
  static func isValidDomain(_ domain: Bytes) -> Bool {
    var host = domain
    if let colon = domain.lastIndex(of: UInt8(ascii: ":")), domain.last != UInt8(ascii: "]") {
      let port = domain[(colon + 1)...]
      guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
      else { return false }
      host = domain[..<colon]
    }
    if host.first == UInt8(ascii: "[") { return host.last == UInt8(ascii: "]") && host.count > 2 }
    return !host.isEmpty
      && allParts(of: host, separatedBy: UInt8(ascii: ".")) { label in
        guard let first = label.first, let last = label.last else { return false }
        return isAlphanumeric(first) && isAlphanumeric(last)
          && label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
      }
  }

  /// Whether every `separator`-separated part of `bytes`, empty ones included, satisfies
  /// `isValid`; the parts are looked at in place, not collected (every container's image is
  /// parsed).
  static func allParts(
    of bytes: Bytes, separatedBy separator: UInt8, satisfy isValid: (Bytes) -> Bool
  ) -> Bool {
    var start = bytes.startIndex
    for index in bytes.indices where bytes[index] == separator {
      if !isValid(bytes[start..<index]) { return false }
      start = index + 1
    }
    return isValid(bytes[start..<bytes.endIndex])
  }

  /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
  static func isValidTag(_ tag: Bytes) -> Bool {
    guard let first = tag.first, tag.count <= 128,
      isAlphanumeric(first) || first == UInt8(ascii: "_")
    else { return false }
    return tag.allSatisfy {
      isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        || $0 == UInt8(ascii: "-")
    }
  }

  /// `algorithm ":" encoded`, the encoded part at least 32 characters.
  static func isValidDigest(_ digest: Bytes) -> Bool {
    guard let colon = digest.firstIndex(of: UInt8(ascii: ":")) else { return false }
    let algorithm = digest[..<colon]
    let encoded = digest[(colon + 1)...]
    guard let first = algorithm.first, isAlphanumeric(first), first > 0x39, encoded.count >= 32
    else { return false }
    return
      algorithm.allSatisfy {
        isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
          || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ".")
      }
      && encoded.allSatisfy {
        isAlphanumeric($0) || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "_")
          || $0 == UInt8(ascii: "-")
      }
  }
}
