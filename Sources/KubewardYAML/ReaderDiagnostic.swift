/// Something wrong with the input itself, found while reading it. The policy layer turns each
/// into a finding with the same id.
public struct ReaderDiagnostic: Hashable, Sendable {
  public enum Kind: String, CaseIterable, Sendable {
    /// libyaml could not parse the text (`yaml-syntax`).
    case syntax = "yaml-syntax"
    /// A Helm or other `{{ }}` template that was not rendered (`unrendered-template`).
    case unrenderedTemplate = "unrendered-template"
    /// A mapping defines the same key twice (`duplicate-key`).
    case duplicateKey = "duplicate-key"
    /// An alias names an anchor not defined before it in the document (reported as
    /// `yaml-syntax`).
    case undefinedAlias = "undefined-alias"
    /// Collections nested deeper than `ReaderLimits.maximumDepth` (`nesting-too-deep`).
    case nestingTooDeep = "nesting-too-deep"
    /// Aliases expand to more nodes than `ReaderLimits.maximumAliasExpansion`.
    case aliasExpansion = "alias-expansion"
    /// The file holds NUL bytes: it is binary, not text (`binary-file`).
    case binaryFile = "binary-file"
    /// The file is not valid UTF-8 (or UTF-16 with a byte-order mark) (`invalid-encoding`).
    case invalidEncoding = "invalid-encoding"
  }

  public var kind: Kind
  public var message: String
  public var range: SourceRange
  /// The index of the document it concerns, or `nil` for the whole file.
  public var document: Int?

  public init(kind: Kind, message: String, range: SourceRange, document: Int?) {
    self.kind = kind
    self.message = message
    self.range = range
    self.document = document
  }
}

/// Bounds that keep hostile input from exhausting the stack or memory. Each is reported as a
/// finding for the document that exceeds it; the rest of the file is still read.
public struct ReaderLimits: Sendable {
  /// Collections nested deeper than this end the document with `nesting-too-deep`. Real
  /// manifests stay under 40 levels; the deepest CRD schemas reach about 60.
  public var maximumDepth: Int
  /// More nodes than this reached through aliases (beyond the nodes written out) end the
  /// document with `alias-expansion`: the billion-laughs pattern. A scalar counts as one node
  /// per 64 bytes of its text, so that aliasing one long scalar is bounded too.
  public var maximumAliasExpansion: UInt64
  /// The same bound over all the documents of a file: the documents after it is reached are
  /// not linted.
  public var maximumFileAliasExpansion: UInt64
  /// Files (and standard input) larger than this many bytes are not read: a `file-too-large`
  /// finding, or `binary-file` when their start shows they are binary. 64 MiB is far above the
  /// largest real manifests (bundles of CRDs reach a few MiB) and keeps an endless or huge
  /// file from exhausting memory.
  public var maximumFileSize: Int

  public init(
    maximumDepth: Int = 512, maximumAliasExpansion: UInt64 = 1_000_000,
    maximumFileAliasExpansion: UInt64 = 4_000_000, maximumFileSize: Int = 64 << 20
  ) {
    self.maximumDepth = maximumDepth
    self.maximumAliasExpansion = maximumAliasExpansion
    self.maximumFileAliasExpansion = maximumFileAliasExpansion
    self.maximumFileSize = maximumFileSize
  }

  public static let standard = ReaderLimits()
}
