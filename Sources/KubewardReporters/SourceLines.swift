import KubewardBuiltInPolicies
import KubewardEngine
import KubewardYAML

/// Reads the lines of linted files for code frames, from the inputs of the run: files are read
/// again (from the page cache), standard input is kept in memory. One file is cached at a time,
/// which suits findings arriving file by file.
public final class SourceLines: @unchecked Sendable {
  private let inputs: [String: LintInput.Source]
  private var cachedName: String?
  private var cachedBytes: [UInt8] = []
  private var cachedLines: LineIndex?
  /// The last line asked for: findings on one line (a minified JSON file has one) ask for it
  /// again and again.
  private var lastLine: (number: Int, scalars: [Unicode.Scalar])?

  public init(_ inputs: [LintInput]) {
    self.inputs = Dictionary(
      inputs.map { ($0.name, $0.source) }, uniquingKeysWith: { first, _ in first })
  }

  /// The text of a 1-based line, without its line break; `nil` when unknown.
  public func line(_ number: Int, of file: String) -> String? {
    scalars(ofLine: number, of: file).map { scalars in
      var text = ""
      text.unicodeScalars.append(contentsOf: scalars)
      return text
    }
  }

  /// The Unicode scalars of a 1-based line, without its line break; `nil` when unknown.
  public func scalars(ofLine number: Int, of file: String) -> [Unicode.Scalar]? {
    if cachedName == file, let lastLine, lastLine.number == number { return lastLine.scalars }
    guard let text = text(ofLine: number, of: file) else { return nil }
    let scalars = Array(text.unicodeScalars)
    lastLine = (number, scalars)
    return scalars
  }

  private func text(ofLine number: Int, of file: String) -> String? {
    if cachedName != file {
      cachedName = file
      lastLine = nil
      cachedLines = nil
      switch inputs[file] {
      case .bytes(let bytes): cachedBytes = bytes
      case .file(let path): cachedBytes = Self.read(path) ?? []
      default: cachedBytes = []
      }
      cachedLines = cachedBytes.isEmpty ? nil : LineIndex(cachedBytes)
    }
    guard let lines = cachedLines else { return nil }
    return cachedBytes.withUnsafeBufferPointer { bytes in
      lines.byteRange(ofLine: number, in: bytes).map {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self)
      }
    }
  }

  private static func read(_ path: FilePath) -> [UInt8]? {
    LintInput.contents(of: path)
  }
}
