import CYAML

/// One YAML document of a file.
public struct ParsedDocument: Sendable {
  /// 0-based position of the document in its file.
  public let index: Int
  /// The document's root node; `nil` when a diagnostic made the document unusable.
  public let root: Node?
  /// The line of the document's first token (its `---` or first key).
  public let startLine: Int
  /// `false` when the document could not be read to its end (syntax error, limits, template).
  public let isComplete: Bool

  /// A document with nothing in it: `---` alone, or only comments.
  public var isEmpty: Bool {
    guard let root else { return isComplete }
    return root.isNull
  }
}

/// Everything read from one file: its documents, sharing one node tree, and what was wrong.
public struct ParsedFile: Sendable {
  public let tree: NodeTree
  public let documents: [ParsedDocument]
  /// In source order. A diagnostic with no document concerns the whole file.
  public let diagnostics: [ReaderDiagnostic]
  /// Value scalars that are whole placeholders (`{{ ca_version }}`, `{Organization name}`), in
  /// source order (see `Placeholder`).
  public var placeholders: [Node] = []
  /// Values YAML reads as null because their placeholder starts a comment (`image: #{Image}`),
  /// in source order (see `CommentPlaceholders`).
  public var commentPlaceholders: [CommentPlaceholder] = []
  /// A mapping key is a strategic-merge patch directive (`$patch: delete`,
  /// `$setElementOrder/containers`): the file is a patch.
  public var hasPatchDirectives = false
}

/// Reads YAML (and JSON, which is YAML) with libyaml's event parser into a `NodeTree` whose
/// every node knows its line and column.
///
/// A syntax error ends the document it occurs in; reading resumes at the next `---` line, so
/// one broken document does not hide the others. Input that is not text at all (binary, not
/// UTF-8) is one diagnostic for the file.
public struct YAMLReader: Sendable {
  public var limits: ReaderLimits
  /// Whether printable ASCII input skips libyaml's decoder (see `DecodedInput`). Off only in
  /// tests, which compare the two ways of reading.
  @_spi(Testing) public var decodesASCIIItself = true
  /// Whether a document holding `{{ … }}` in quoted values is kept (with its diagnostic) rather
  /// than dropped as an unrendered template. For tools' configuration files (a kustomization,
  /// a `skaffold.yaml`), whose paths matter and whose other values may well be placeholders a
  /// generator fills in.
  public var keepsTemplatedDocuments = false

  public init(limits: ReaderLimits = .standard) {
    self.limits = limits
  }

  public func read(_ string: String) -> ParsedFile {
    var string = string
    return string.withUTF8 { read($0) }
  }

  public func read(_ bytes: [UInt8]) -> ParsedFile {
    bytes.withUnsafeBufferPointer { read($0) }
  }

  public func read(_ bytes: UnsafeBufferPointer<UInt8>) -> ParsedFile {
    let file = readingApostropheEscapes(readAsWritten(bytes), bytes)
    // A JSON file's surrogate escapes, which YAML refuses and kubectl reads (see
    // `JSONEscapes`): read again as YAML writes the same characters. Only after libyaml has
    // refused one, so that no other file pays for the search.
    guard
      file.diagnostics.contains(where: {
        $0.kind == .syntax && $0.message.contains("invalid Unicode character escape")
      }), let rewritten = JSONEscapes.surrogatesAsYAML(bytes)
    else { return file }
    return rewritten.withUnsafeBufferPointer { readAsWritten($0) }
  }

  /// `file` read again as go-yaml reads it when libyaml refused a `\'` escape in it (see
  /// `ApostropheEscapes`): only after libyaml has refused one, so that no other file pays.
  private func readingApostropheEscapes(_ file: ParsedFile, _ bytes: UnsafeBufferPointer<UInt8>)
    -> ParsedFile
  {
    func refusesAnEscape(_ file: ParsedFile) -> Bool {
      file.diagnostics.contains {
        $0.kind == .syntax && $0.message.contains("found unknown escape character")
      }
    }
    // kubectl decodes a stream that starts with `{` as JSON, which has no `\'` either.
    guard refusesAnEscape(file), !JSONEscapes.startsAsJSON(bytes),
      !ApostropheEscapes.writesNUL(bytes)
    else { return file }
    // Rewritten in place, each `\'` as `\0`: every line keeps its bytes' count.
    let lines = LineIndex(bytes)
    var text = Array(bytes)
    var file = file
    for _ in 0..<ApostropheEscapes.maximumRereads {
      guard refusesAnEscape(file),
        ApostropheEscapes.rewrite(&text, at: file.diagnostics, lines: lines)
      else { break }
      let reread = text.withUnsafeBufferPointer { readAsWritten($0, restoresApostrophes: true) }
      // A value left open is no YAML past its `\'` either: read again, it hid the documents
      // after it, which the first reading kept.
      guard reread.documents.count >= file.documents.count else { break }
      file = reread
    }
    return file
  }

  /// Whether `bytes` start with a UTF-16 or UTF-32 byte order mark (and so hold NUL bytes).
  static func isUTF16Or32(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard bytes.count >= 2 else { return false }
    if bytes[0] == 0xFF && bytes[1] == 0xFE || bytes[0] == 0xFE && bytes[1] == 0xFF {
      return true
    }
    return bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0xFE
      && bytes[3] == 0xFF
  }

  private func readAsWritten(_ bytes: UnsafeBufferPointer<UInt8>, restoresApostrophes: Bool = false)
    -> ParsedFile
  {
    var builder = TreeBuilder(limits: limits, expectedBytes: bytes.count)
    var session = ReadSession(bytes: bytes)
    builder.recordsEmptyValues = CommentPlaceholders.mayHold(bytes)
    if let nul = session.firstNULByte() {
      let position = session.lines.position(ofByte: nul, in: bytes)
      builder.addDiagnostic(
        ReaderDiagnostic(
          kind: .binaryFile,
          message: Self.isUTF16Or32(bytes)
            ? "UTF-16 or UTF-32 text (its byte order mark); kubeward reads UTF-8 only and did not lint it: save it as UTF-8"
            : "binary file (a NUL byte at byte \(nul)); not a manifest, not linted",
          range: SourceRange(at: position), document: nil))
      return ParsedFile(tree: builder.makeTree(), documents: [], diagnostics: builder.diagnostics)
    }

    let decoded = decodesASCIIItself ? DecodedInput(bytes) : nil
    // A file of printable ASCII holds no break but CR and LF.
    if decoded == nil { builder.unicodeLineBreaks = UnicodeLineBreaks(bytes) }
    var segmentStart = 0
    while true {
      let outcome = parse(
        bytes, decoded: decoded, from: segmentStart, into: &builder, session: &session)
      switch outcome {
      case .finished:
        return finish(builder, restoringApostrophes: restoresApostrophes, bytes: bytes)
      case .nestedTooDeep(let range):
        // libyaml keeps a simple key per open flow collection and looks at all of them for
        // every token: reading on to the end of a document nested thousands deep took
        // quadratic time (a 200 KB line of `[` took 15 s). The builder has reported it; the
        // reader resumes at the next document, as after a syntax error.
        _ = builder.abandonDocument()
        builder.nestedTooDeep = nil
        guard
          let next = session.nextDocumentMarker(
            after: builder.libyamlLine(ofReported: range.start.line))
        else {
          return finish(builder, restoringApostrophes: restoresApostrophes, bytes: bytes)
        }
        segmentStart = next.byteOffset
        builder.lineOffset = next.line - 1
      case .encodingError(let byteOffset, let problem):
        let position = session.lines.position(ofByte: byteOffset, in: bytes)
        var file = TreeBuilder(limits: limits, expectedBytes: 0)
        file.addDiagnostic(
          ReaderDiagnostic(
            kind: .invalidEncoding,
            message: "not valid UTF-8 text (\(problem) at byte \(byteOffset)); "
              + "save the file as UTF-8; not linted",
            range: SourceRange(at: position), document: nil))
        return finish(file)
      case .syntaxError(let range, let message):
        let brokenDocument = builder.abandonDocument()
        if let first = session.firstTemplateMarker(),
          let template = session.templateMarker(stoppingAt: range.start.line, first: first)
        {
          // Said once: a first document that parsed (`{{ if … }}` read as a key) said it at
          // the same template already.
          if builder.hasDiagnostic(.unrenderedTemplate, at: template) {
            return finish(builder, restoringApostrophes: restoresApostrophes, bytes: bytes)
          }
          // At the file's first template, unless that is in an earlier document than the one
          // libyaml stops in (a value it quotes, `"name={{ .Env.X }}"`, which YAML reads): then
          // at the nearest one above where it stops, in its document.
          builder.addDiagnostic(
            ReaderDiagnostic(
              kind: .unrenderedTemplate,
              message: Self.templateMessage(
                session.templateDialect(), tag: session.isTemplateTag(template))
                + " (libyaml stops at \(range.start): \(message))",
              range: template, document: nil))
          return finish(builder, restoringApostrophes: restoresApostrophes, bytes: bytes)
        }
        let advice =
          session.reservedIndicator(at: range.start).map {
            ($0 == "@" ? "`@`" : "a backtick") + " is reserved in YAML and cannot start a plain "
              + "value: quote it (a placeholder such as @NAME@ is a template's blank to fill in "
              + "first)"
          }
          ?? "check the indentation and quoting here (quote values that contain \": \" or start "
          + "with {, [, *, & or %)"
        // A `\'` left (see `ApostropheEscapes`): kubectl reads it, strict parsers do not.
        let verdict =
          !JSONEscapes.startsAsJSON(bytes)
            && ApostropheEscapes.isApostropheEscape(
              at: range.start, in: bytes, lines: session.lines)
          ? "YAML has no \\' escape: kubectl reads it as ', stricter YAML parsers refuse it, and "
            + "kubeward did not lint this document: write ' without the backslash"
          : "kubectl rejects this document: \(advice)"
        builder.addDiagnostic(
          ReaderDiagnostic(
            kind: .syntax,
            message: "YAML syntax error: \(message); \(verdict)",
            range: range, document: brokenDocument))
        guard
          let next = session.nextDocumentMarker(
            after: builder.libyamlLine(ofReported: range.start.line))
        else {
          return finish(builder, restoringApostrophes: restoresApostrophes, bytes: bytes)
        }
        segmentStart = next.byteOffset
        builder.lineOffset = next.line - 1
      }
    }
  }

  /// `tag`: whether the template is a tag (`{% raw %}`), not an expression.
  static func templateMessage(_ dialect: TemplateDialect, tag: Bool = false) -> String {
    let template = tag ? "`{% … %}`" : "`{{ … }}`"
    guard dialect != .runTime else {
      return "unrendered template: \(template) is not YAML unquoted; " + dialect.renderFirst
    }
    return "unrendered template: \(template) is not YAML; kubeward lints rendered manifests, so "
      + dialect.renderFirst
  }

  /// For a document that parses, whose quoted values are template expressions.
  static func quotedTemplateMessage(_ dialect: TemplateDialect) -> String {
    "unrendered template: values such as `\"{{ … }}\"` are template expressions, which the "
      + "tool that renders this file replaces; kubeward lints rendered manifests, so lint its "
      + "output (\(dialect.command))"
  }

  private func finish(
    _ builder: consuming TreeBuilder, restoringApostrophes: Bool = false,
    bytes: UnsafeBufferPointer<UInt8>? = nil
  ) -> ParsedFile {
    if restoringApostrophes { builder.restoreApostrophes() }
    let tree = builder.makeTree()
    let documents = builder.documents.enumerated().map { index, record in
      ParsedDocument(
        index: index, root: record.root.map { Node(tree: tree, id: $0) },
        startLine: record.startLine, isComplete: record.isComplete)
    }
    let diagnostics = builder.diagnostics.sorted { $0.range.start < $1.range.start }
    var file = ParsedFile(tree: tree, documents: documents, diagnostics: diagnostics)
    file.placeholders = builder.placeholders.map { Node(tree: tree, id: $0) }
    if let bytes, !builder.emptyValues.isEmpty {
      file.commentPlaceholders = CommentPlaceholders.find(
        builder.emptyValues, in: bytes, tree: tree)
    }
    file.hasPatchDirectives = builder.hasPatchDirectives
    return file
  }

  private enum Outcome {
    case finished
    case nestedTooDeep(SourceRange)
    case syntaxError(SourceRange, String)
    case encodingError(byteOffset: Int, problem: String)
  }

  /// Runs libyaml over `bytes[start...]` until the stream ends or an error stops it.
  private func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, decoded: DecodedInput?, from start: Int,
    into builder: inout TreeBuilder, session: inout ReadSession
  ) -> Outcome {
    let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    defer { parser.deallocate() }
    guard yaml_parser_initialize(parser) == 1 else {
      return .syntaxError(SourceRange(at: SourcePosition(line: 1, column: 1)), "out of memory")
    }
    defer { yaml_parser_delete(parser) }
    let count = bytes.count - start
    withUnsafePointer(to: Self.emptyInput) { empty in
      let base =
        count > 0
        ? bytes.baseAddress! + start
        : UnsafeRawPointer(empty)
          .assumingMemoryBound(to: UInt8.self)
      yaml_parser_set_input_string(parser, base, count)
    }
    guard let decoded else {
      return parseEvents(parser, from: start, into: &builder, session: &session)
    }
    return decoded.scanning(with: parser, from: start) {
      parseEvents(parser, from: start, into: &builder, session: &session)
    }
  }

  private func parseEvents(
    _ parser: UnsafeMutablePointer<yaml_parser_t>, from start: Int,
    into builder: inout TreeBuilder, session: inout ReadSession
  ) -> Outcome {
    var event = yaml_event_t()
    while true {
      guard yaml_parser_parse(parser, &event) == 1 else {
        return error(parser.pointee, segmentStart: start, builder: builder)
      }
      let type = event.type
      builder.handle(&event)
      if let range = builder.nestedTooDeep {
        yaml_event_delete(&event)
        return .nestedTooDeep(range)
      }
      // Ends of collections, documents and the stream carry no data (see yaml_event_t):
      // there is nothing to free, and a third of all events are such ends.
      if type != YAML_MAPPING_END_EVENT && type != YAML_SEQUENCE_END_EVENT
        && type != YAML_DOCUMENT_END_EVENT && type != YAML_STREAM_END_EVENT
      {
        yaml_event_delete(&event)
      }
      if type == YAML_DOCUMENT_END_EVENT && !keepsTemplatedDocuments {
        checkTemplate(&builder, session: &session)
      } else if type == YAML_STREAM_END_EVENT {
        return .finished
      }
    }
  }

  private static let emptyInput: UInt8 = 0

  private func error(
    _ parser: yaml_parser_t, segmentStart: Int, builder: borrowing TreeBuilder
  ) -> Outcome {
    let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
    if parser.error == YAML_READER_ERROR {
      return .encodingError(byteOffset: segmentStart + parser.problem_offset, problem: problem)
    }
    let position = builder.position(parser.problem_mark)
    var message = problem
    if let context = parser.context.map({ String(cString: $0) }) {
      let contextLine = builder.position(parser.context_mark).line
      message += " (\(context) starting at line \(contextLine))"
    }
    return .syntaxError(SourceRange(at: position), message)
  }

  /// A document that parsed but holds `{{ … }}` where YAML structure should be is a template
  /// that happens to be valid YAML: its values would be nonsense to the policies.
  private func checkTemplate(_ builder: inout TreeBuilder, session: inout ReadSession) {
    var ranges = builder.templatedScalarPositions.map { SourceRange(at: $0) }
    // A complex key on a line with `{{` is the inner braces of `{{ … }}` (`{{ x }}` parses as
    // a mapping whose key is a mapping): the template starts at the outer ones.
    for position in builder.complexKeyPositions {
      if let marker = session.templateMarker(onLine: position.line) { ranges.append(marker) }
    }
    guard let first = ranges.min(by: { $0.start < $1.start }) else {
      // A list or a mapping as a key (`? [1]`): a manifest is JSON, whose keys are strings,
      // and kubectl rejects the document. Said, and the tree kept, as for a repeated key:
      // no key text finds that entry.
      if let key = builder.complexKeyPositions.min() {
        builder.addDiagnostic(
          ReaderDiagnostic(
            kind: .syntax,
            message:
              "a mapping key here is a list or a mapping, not a string: kubectl rejects this document (a manifest's keys are strings)",
            range: SourceRange(at: key), document: builder.documentIndex - 1))
      }
      return
    }
    let structural = ranges.count > builder.templatedScalarPositions.count
    // Quoted, they are values: a document that is no object is left as it parsed.
    guard structural || builder.lastDocumentNamesAnObject() else { return }
    builder.invalidateLastDocument()
    builder.addDiagnostic(
      ReaderDiagnostic(
        kind: .unrenderedTemplate,
        message: structural
          ? Self.templateMessage(session.templateDialect())
          : Self.quotedTemplateMessage(session.templateDialect()),
        range: first,
        document: builder.documentIndex - 1))
  }
}

/// What the reader learns about a file's raw bytes, computed only when needed.
struct ReadSession {
  let bytes: UnsafeBufferPointer<UInt8>
  private var lineIndex: LineIndex?
  /// `firstTemplateMarker()`'s answer, once worked out: every syntax error asks it, and a file
  /// of thousands of errors and no template was scanned whole for each.
  private var templateMarker: SourceRange??
  private var dialect: TemplateDialect?

  init(bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  var lines: LineIndex {
    mutating get {
      if let lineIndex { return lineIndex }
      let built = LineIndex(bytes)
      lineIndex = built
      return built
    }
  }

  /// `@` or `` ` `` when that is the character at `position`: YAML reserves both, and libyaml
  /// says only that a character "cannot start any token". (Walks the position's line up to its
  /// column: each syntax error is on a line of its own, so all of them walk the file once.)
  mutating func reservedIndicator(at position: SourcePosition) -> Character? {
    guard let line = lines.byteRange(ofLine: position.line, in: bytes) else { return nil }
    var index = line.lowerBound
    var column = 1
    while index < line.upperBound && column < position.column {
      index += 1
      if index < line.upperBound && bytes[index] & 0xC0 != 0x80 { column += 1 }
    }
    guard index < line.upperBound, column == position.column else { return nil }
    switch bytes[index] {
    case UInt8(ascii: "@"): return "@"
    case UInt8(ascii: "`"): return "`"
    default: return nil
    }
  }

  /// Git's heuristic for binary files: a NUL byte in the first 8000 bytes.
  func firstNULByte() -> Int? {
    guard let base = bytes.baseAddress else { return nil }
    guard let nul = memchr(base, 0, min(bytes.count, 8000)) else { return nil }
    return UnsafeRawPointer(nul) - UnsafeRawPointer(base)
  }

  /// The next line after `line` that starts a document (`---` at column 1).
  mutating func nextDocumentMarker(after line: Int) -> (line: Int, byteOffset: Int)? {
    let lines = self.lines
    var candidate = line + 1
    while candidate <= lines.lineCount {
      if startsDocument(line: candidate),
        let range = lines.byteRange(ofLine: candidate, in: bytes)
      {
        return (candidate, range.lowerBound)
      }
      candidate += 1
    }
    return nil
  }

  /// The first `{{` outside a comment, as a range covering the `{{`.
  mutating func firstTemplateMarker() -> SourceRange? {
    if let templateMarker { return templateMarker }
    let found = scanForTemplateMarker()
    templateMarker = .some(found)
    return found
  }

  private mutating func scanForTemplateMarker() -> SourceRange? {
    let lines = self.lines
    for line in 1...lines.lineCount {
      if let marker = templateMarker(onLine: line) { return marker }
    }
    return nil
  }

  /// The template to blame for libyaml stopping at `line`: `first` (the file's first), or,
  /// when that is in an earlier document, the last one between the stopping document's start
  /// and `line`; `nil` when that document holds none, whose error is then no template's (an
  /// earlier document's quoted `"{{ .Env.X }}"` hid a plain syntax error, and the documents
  /// after it).
  mutating func templateMarker(stoppingAt line: Int, first: SourceRange) -> SourceRange? {
    var nearest: SourceRange?
    var candidate = min(line, lines.lineCount)
    // libyaml may notice a template that ends a document only at the `---` after it.
    if candidate > first.start.line, startsDocument(line: candidate) { candidate -= 1 }
    while candidate > first.start.line {
      if nearest == nil { nearest = templateMarker(onLine: candidate) }
      if startsDocument(line: candidate) { return nearest }
      candidate -= 1
    }
    return first
  }

  /// Whether `line` is a document marker (`---` at column 1).
  private mutating func startsDocument(line: Int) -> Bool {
    guard let range = lines.byteRange(ofLine: line, in: bytes), range.count >= 3 else {
      return false
    }
    return bytes[range.lowerBound] == UInt8(ascii: "-")
      && bytes[range.lowerBound + 1] == UInt8(ascii: "-")
      && bytes[range.lowerBound + 2] == UInt8(ascii: "-")
      && (range.count == 3 || bytes[range.lowerBound + 3] == UInt8(ascii: " ")
        || bytes[range.lowerBound + 3] == UInt8(ascii: "\t"))
  }

  /// Whether the template `marker` found (`templateMarker(onLine:)`) is a tag, `{%`.
  mutating func isTemplateTag(_ marker: SourceRange) -> Bool {
    guard let range = lines.byteRange(ofLine: marker.start.line, in: bytes),
      let offset = templateOffset(in: range)
    else { return false }
    return bytes[offset + 1] == UInt8(ascii: "%")
  }

  /// The tool the file's templates are written for: worked out once, as each of a file's
  /// templated documents asks.
  mutating func templateDialect() -> TemplateDialect {
    if let dialect { return dialect }
    let found = TemplateDialect.of(bytes)
    dialect = found
    return found
  }

  /// Where `{{` or `{%` is on `line` (the two characters), outside quotes, unless a comment
  /// comes first.
  mutating func templateMarker(onLine line: Int) -> SourceRange? {
    guard let range = lines.byteRange(ofLine: line, in: bytes),
      let offset = templateOffset(in: range)
    else { return nil }
    let start = lines.position(ofByte: offset, in: bytes)
    return SourceRange(start: start, end: SourcePosition(line: line, column: start.column + 2))
  }

  /// The offset of a template's `{{` or `{%` (Jinja's tags: mkdocs-macros' `{% raw %}`) in a
  /// line, unless a comment (`#` at the start or after a space) comes first. One in a quoted
  /// scalar (`tls.crt: '{{ .cert | filterPEM "CERTIFICATE" }}'`, which a controller renders at
  /// run time) is YAML, and breaks nothing: a syntax error elsewhere in its file is the
  /// file's own (external-secrets' examples were told to render a template for a quote
  /// nested in a quote).
  private func templateOffset(in range: Range<Int>) -> Int? {
    let space = UInt8(ascii: " ")
    let tab = UInt8(ascii: "\t")
    var index = range.lowerBound
    // The quote of the scalar `index` is in, if any.
    var quote: UInt8?
    while index + 1 < range.upperBound {
      let byte = bytes[index]
      let previous = index == range.lowerBound ? space : bytes[index - 1]
      if let open = quote {
        if byte == open && open == UInt8(ascii: "'") && bytes[index + 1] == open {
          index += 2  // `''` is a quote in a single-quoted scalar
          continue
        }
        if byte == UInt8(ascii: "\\") && open == UInt8(ascii: "\"") {
          index += 2
          continue
        }
        if byte == open { quote = nil }
        index += 1
        continue
      }
      if byte == UInt8(ascii: "#") && (previous == space || previous == tab) { return nil }
      if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"),
        [space, tab, UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ",")].contains(previous)
      {
        quote = byte
        index += 1
        continue
      }
      if byte == UInt8(ascii: "{")
        && (bytes[index + 1] == UInt8(ascii: "{") || bytes[index + 1] == UInt8(ascii: "%"))
      {
        return index
      }
      index += 1
    }
    return nil
  }
}

@_spi(Testing)
extension ParsedFile {
  /// Whether two reads produced the same nodes (byte for byte: kinds, styles, keys, positions,
  /// text, structure), documents and diagnostics. For tests and the fuzzer, which check that
  /// the two ways of feeding libyaml read alike.
  public func isIdentical(to other: ParsedFile) -> Bool {
    func same<Element>(_ one: RawBuffer<Element>, _ two: RawBuffer<Element>) -> Bool {
      one.withUnsafeBufferPointer { one in
        two.withUnsafeBufferPointer { two in
          one.count == two.count
            && (one.isEmpty
              || memcmp(
                one.baseAddress!, two.baseAddress!, one.count * MemoryLayout<Element>.stride)
                == 0)
        }
      }
    }
    let sameDocuments = documents.elementsEqual(other.documents) { one, two in
      one.index == two.index && one.root?.id == two.root?.id && one.startLine == two.startLine
        && one.isComplete == two.isComplete
    }
    return sameDocuments && diagnostics == other.diagnostics
      && same(tree.nodes, other.tree.nodes) && same(tree.children, other.tree.children)
      && same(tree.text, other.tree.text)
  }
}
