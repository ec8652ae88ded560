/// A place in a source file.
///
/// `line` and `column` are 1-based. A column counts Unicode scalars (code points) from the
/// start of the line, which is what libyaml counts: `é` is one column, a tab is one column,
/// a UTF-8 byte-order mark at the start of a file is not counted. SARIF calls this
/// `columnKind: unicodeCodePoints`.
///
/// Stored in 32 bits each (8 bytes in all): findings and cross-object facts keep positions for
/// a whole run, and no file kubeward reads has four billion lines.
public struct SourcePosition: Hashable, Comparable, Sendable, CustomStringConvertible {
  private var storedLine: UInt32
  private var storedColumn: UInt32

  public var line: Int {
    get { Int(storedLine) }
    set { storedLine = UInt32(clamping: newValue) }
  }

  public var column: Int {
    get { Int(storedColumn) }
    set { storedColumn = UInt32(clamping: newValue) }
  }

  public init(line: Int, column: Int) {
    self.storedLine = UInt32(clamping: line)
    self.storedColumn = UInt32(clamping: column)
  }

  public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
    (lhs.storedLine, lhs.storedColumn) < (rhs.storedLine, rhs.storedColumn)
  }

  public var description: String { "\(line):\(column)" }
}

/// A half-open span of source: `end` is the position just after the last character.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
  public var start: SourcePosition
  public var end: SourcePosition

  public init(start: SourcePosition, end: SourcePosition) {
    self.start = start
    self.end = max(start, end)
  }

  /// An empty range at one position.
  public init(at position: SourcePosition) {
    self.init(start: position, end: position)
  }

  public var description: String { "\(start)-\(end)" }
}
