/// Turns the paths findings carry (relative to the working directory, as the user gave them)
/// into paths relative to the repository root, which is what code-scanning services and CI
/// annotations resolve against.
struct RepositoryPaths {
  /// Absolute, without a trailing slash.
  let root: String?
  let workingDirectory: String?
  /// The last file asked about and its answers: findings arrive file by file, a report asks
  /// the same question for each of a file's findings, and each answer splits and joins paths.
  private let last = LastFile()

  private final class LastFile {
    var file: String?
    var relativePath: String??
    var artifactURI: (uri: String, relativeToRoot: Bool)?
  }

  init(root: String?, workingDirectory: String?) {
    self.root = root.map(Self.normalized)
    self.workingDirectory = workingDirectory.map(Self.normalized)
  }

  private func remembering(_ file: String) {
    guard last.file != file else { return }
    last.file = file
    last.relativePath = nil
    last.artifactURI = nil
  }

  /// The path relative to the root; `nil` when the file lies outside it or the root is unknown.
  func relativePath(for file: String) -> String? {
    remembering(file)
    if let known = last.relativePath { return known }
    let relative = computeRelativePath(for: file)
    last.relativePath = .some(relative)
    return relative
  }

  private func computeRelativePath(for file: String) -> String? {
    guard let root else { return nil }
    let absolute = self.absolute(file)
    if absolute == root { return "" }
    guard absolute.hasPrefix(root == "/" ? "/" : root + "/") else { return nil }
    return String(absolute.dropFirst(root == "/" ? 1 : root.count + 1))
  }

  /// A URI for SARIF's `artifactLocation`: relative to `%SRCROOT%` when inside the root,
  /// otherwise absolute (`file:///…`).
  func artifactURI(for file: String) -> (uri: String, relativeToRoot: Bool) {
    remembering(file)
    if let known = last.artifactURI { return known }
    let uri = computeArtifactURI(for: file)
    last.artifactURI = uri
    return uri
  }

  private func computeArtifactURI(for file: String) -> (uri: String, relativeToRoot: Bool) {
    if let relative = relativePath(for: file) { return (Self.percentEncoded(relative), true) }
    let absolute = self.absolute(file)
    guard absolute.hasPrefix("/") else { return (Self.percentEncoded(file), false) }
    return ("file://" + Self.percentEncoded(absolute), false)
  }

  /// `file:///home/me/repo/`: a folder URI ends with a slash.
  static func fileURI(forDirectory path: String) -> String {
    let encoded = percentEncoded(normalized(path))
    return "file://" + encoded + (encoded.hasSuffix("/") ? "" : "/")
  }

  private func absolute(_ file: String) -> String {
    if file.hasPrefix("/") { return Self.normalized(file) }
    guard let workingDirectory else { return Self.normalized(file) }
    return Self.normalized(workingDirectory + "/" + file)
  }

  /// Lexically: `a/./b/../c` → `a/c`, no trailing slash; `/..` is `/`.
  static func normalized(_ path: String) -> String {
    let isAbsolute = path.hasPrefix("/")
    var components: [Substring] = []
    for component in path.split(separator: "/") {
      if component == "." { continue }
      if component == "..", let last = components.last, last != ".." {
        components.removeLast()
      } else if component == "..", isAbsolute, components.isEmpty {
        continue
      } else {
        components.append(component)
      }
    }
    let joined = components.joined(separator: "/")
    return isAbsolute ? "/" + joined : joined
  }

  /// RFC 3986 path encoding: unreserved characters and `/` stay, everything else is `%XX`.
  static func percentEncoded(_ path: String) -> String {
    guard !path.utf8.allSatisfy(isUnreserved) else { return path }
    let hex = Array("0123456789ABCDEF".unicodeScalars)
    var encoded = ""
    for byte in path.utf8 {
      if isUnreserved(byte) {
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        encoded.unicodeScalars.append("%")
        encoded.unicodeScalars.append(hex[Int(byte >> 4)])
        encoded.unicodeScalars.append(hex[Int(byte & 0xF)])
      }
    }
    return encoded
  }

  private static func isUnreserved(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
      UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
      true
    default: false
    }
  }
}
