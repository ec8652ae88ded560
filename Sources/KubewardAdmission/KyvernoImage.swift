import KubewardCEL

/// An image reference as Kyverno's image library reads it (`parseImageReference`, its older
/// name `image`, and `isImage`, in `libs/image`): go-containerregistry's
/// `name.ParseReference` with its default options (weak validation, Docker Hub as
/// `index.docker.io`, the tag `latest`), so that `registry()`, `repository()`, `tag()`,
/// `digest()`, `identifier()` and `containsDigest()` give what Kyverno gives. A tagged
/// reference is tried first, then one by digest, as Go does.
struct KyvernoImage: OpaqueValue, Equatable {
  /// The registry's host (`index.docker.io` for Docker Hub, written or not).
  let registry: String
  /// The repository as written, without Docker Hub's implicit `library/`.
  let writtenRepository: String
  /// The tag of a tagged reference (`latest` when none is written), else `nil`.
  let tag: String?
  /// The digest (`sha256:…`) of a reference by digest, else `nil`.
  let digest: String?
  /// The text it was read from: references are equal when it is.
  let original: String

  static let defaultRegistry = "index.docker.io"

  var typeName: String { "kyverno.image" }

  func isEqual(to other: any OpaqueValue) -> Bool {
    other.exactly(KyvernoImage.self) == self
  }

  /// `RepositoryStr`: a Docker Hub repository of one part is in `library/`.
  var repository: String {
    registry == Self.defaultRegistry && !writtenRepository.contains("/")
      ? "library/" + writtenRepository : writtenRepository
  }

  var identifier: String { tag ?? digest ?? "" }

  /// `ParseReference`: a tag, else a digest; the error is Go's.
  static func parse(_ text: String) -> Result<KyvernoImage, CELError> {
    if let tagged = tagged(text) ?? digested(text) { return .success(tagged) }
    return .failure(CELError("could not parse reference: \(text)"))
  }

  /// `NewTag`: the part after the last colon is the tag unless a slash follows it (then the
  /// colon is a registry's port).
  private static func tagged(_ name: String) -> KyvernoImage? {
    var base = Substring(name)
    var tag = "latest"
    if let colon = name.lastIndex(of: ":"), !name[name.index(after: colon)...].contains("/") {
      let written = name[name.index(after: colon)...]
      guard !written.isEmpty, valid(written, allowed: isTagByte, length: 1...128) else {
        return nil
      }
      base = name[..<colon]
      tag = String(written)
    }
    guard let (registry, repository) = repository(base) else { return nil }
    return KyvernoImage(
      registry: registry, writtenRepository: repository, tag: tag, digest: nil,
      original: name)
  }

  /// `NewDigest`: one `@`, then `sha256:` and 64 lower-case hexadecimal digits. A tag
  /// before the `@` is dropped.
  private static func digested(_ name: String) -> KyvernoImage? {
    let parts = name.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[1].hasPrefix("sha256:") else { return nil }
    let hex = parts[1].utf8.dropFirst("sha256:".utf8.count)
    guard hex.count == 64,
      hex.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
    else { return nil }
    var base = parts[0]
    if let tagged = tagged(String(base)) {
      base = Substring(tagged.registry + "/" + tagged.repository)
    }
    guard let (registry, repository) = repository(base) else { return nil }
    return KyvernoImage(
      registry: registry, writtenRepository: repository, tag: nil, digest: String(parts[1]),
      original: name)
  }

  /// `NewRepository`: the part before the first slash is the registry when it is
  /// `localhost` or holds a dot or a colon; the rest is the repository.
  private static func repository(_ name: Substring) -> (registry: String, repository: String)? {
    guard !name.isEmpty else { return nil }
    var registry = ""
    var repository = name
    if let slash = name.firstIndex(of: "/") {
      let first = name[..<slash]
      if first == "localhost" || first.contains(".") || first.contains(":") {
        registry = String(first)
        repository = name[name.index(after: slash)...]
      }
    }
    guard valid(repository, allowed: isRepositoryByte, length: 1...255),
      isRegistry(registry)
    else { return nil }
    if registry.isEmpty || registry == "docker.io" { registry = defaultRegistry }
    return (registry, String(repository))
  }

  /// `checkElement`: a length in code points, then the characters allowed.
  private static func valid(
    _ text: Substring, allowed: (UInt8) -> Bool, length: ClosedRange<Int>
  ) -> Bool {
    length.contains(text.unicodeScalars.count) && text.utf8.allSatisfy(allowed)
  }

  private static func isTagByte(_ byte: UInt8) -> Bool {
    isLowerOrDigit(byte) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte == 0x2D
      || byte == 0x2E
  }

  private static func isRepositoryByte(_ byte: UInt8) -> Bool {
    isLowerOrDigit(byte) || byte == 0x5F || byte == 0x2D || byte == 0x2E || byte == 0x2F
  }

  private static func isLowerOrDigit(_ byte: UInt8) -> Bool {
    (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
  }

  /// `checkRegistry`: Go's `url.Parse("//" + name)` must give `name` back as the host. No
  /// control bytes, nothing that ends the host or escapes in it (`/ ? # @ %` and the bytes a
  /// host may not hold), and after the last colon a port of digits. Brackets hold an IPv6
  /// address and nothing else, and open the host (Go since its CVE-2025-47912 fix, which
  /// Kyverno's builds have).
  static func isRegistry(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard bytes.allSatisfy(isHostByte) else { return false }
    var end = bytes.count
    if bytes.first == UInt8(ascii: "[") {
      guard let close = bytes.lastIndex(of: UInt8(ascii: "]")),
        NetworkAddresses.isIPv6(Substring(String(decoding: bytes[1..<close], as: UTF8.self)))
      else { return false }
      end = close + 1
    } else if bytes.contains(UInt8(ascii: "[")) {
      return false
    } else if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
      end = colon
    }
    guard end < bytes.count else { return true }
    return bytes[end] == UInt8(ascii: ":")
      && bytes[(end + 1)...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
  }

  /// What Go's URL parser leaves unescaped in a host (`shouldEscape` with `encodeHost`), and
  /// bytes past ASCII.
  private static func isHostByte(_ byte: UInt8) -> Bool {
    if byte >= 0x80 { return true }
    if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
      || (byte >= 0x30 && byte <= 0x39)
    {
      return true
    }
    return hostPunctuation.contains(byte)
  }

  private static let hostPunctuation = Set("-_.~!$&'()*+,;=:[]<>\"".utf8)
}

extension KyvernoLibrary {
  /// Kyverno's image library: `parseImageReference(s)` and `image(s)`, `isImage(s)`, and the
  /// parts of a reference.
  static func addingImages(to library: Library) -> Library {
    @Sendable func text(_ arguments: [Value]) -> Int {
      guard case .string(let text) = arguments[0] else { return 0 }
      return Library.textSurcharge(text)
    }
    @Sendable func parsed(_ arguments: [Value]) -> Value? {
      guard case .string(let text) = arguments[0] else { return nil }
      switch KyvernoImage.parse(text) {
      case .success(let image): return .opaque(image)
      case .failure(let error): return .error(error)
      }
    }
    var library = library
    for name in ["parseImageReference", "image"] {
      library = library.adding(name, member: false, arity: 1, surcharge: text, parsed)
    }
    library = library.adding("isImage", member: false, arity: 1, surcharge: text) { arguments in
      guard case .string(let text) = arguments[0] else { return nil }
      if case .success = KyvernoImage.parse(text) { return .bool(true) }
      return .bool(false)
    }
    let parts: [(String, @Sendable (KyvernoImage) -> Value)] = [
      ("registry", { .string($0.registry) }), ("repository", { .string($0.repository) }),
      ("identifier", { .string($0.identifier) }), ("tag", { .string($0.tag ?? "") }),
      ("digest", { .string($0.digest ?? "") }),
      ("containsDigest", { .bool(!($0.digest ?? "").isEmpty) }),
    ]
    for (name, part) in parts {
      library = library.adding(name, member: true, arity: 1) { arguments in
        guard case .opaque(let value) = arguments[0],
          let image = value.exactly(KyvernoImage.self)
        else { return nil }
        return part(image)
      }
    }
    return library
  }
}
