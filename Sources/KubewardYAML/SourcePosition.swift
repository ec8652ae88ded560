/// A place in a source file.
///
/// `line` and `column` are 1-based. A column counts Unicode scalars (code points) from the
/// start of the line, which is what libyaml counts: `é` is one column, a tab is one column,
/// a UTF-8 byte-order mark at the start of a file is not counted. SARIF calls this
/// `columnKind: unicodeCodePoints`.
public struct SourcePosition: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
    (lhs.line, lhs.column) < (rhs.line, rhs.column)
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
