import CYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A document as the builder records it, before the tree exists.
struct DocumentRecord {
  var root: NodeID?
  var startLine: Int
  var isComplete: Bool
}

/// Turns libyaml events into a `NodeTree`, one event at a time, without recursion: children
/// are collected on a scratch stack and copied into place when their collection ends, so
/// every collection's children are contiguous.
///
/// Not copyable: it owns the buffers it fills until `makeTree()` hands them to the tree.
struct TreeBuilder: ~Copyable {
  private struct OpenCollection {
    var node: NodeID
    var scratchStart: Int32
    var isMapping: Bool
    /// Index in `pendingAnchorNames` of the anchor the collection defines, or -1.
    var anchor: Int32
    /// Nodes reachable from this collection, aliases expanded (saturating), in the units of
    /// `TreeBuilder.expansionWeight`.
    var expandedSize: UInt64
  }

  private struct Anchor {
    var name: [UInt8]
    var node: NodeID
    var expandedSize: UInt64
  }

  let limits: ReaderLimits
  private let keys = KeyTable.shared

  private var nodes: RawBuffer<RawNode>
  private var children: RawBuffer<NodeID>
  private var text: RawBuffer<UInt8>
  private(set) var documents: [DocumentRecord] = []
  private var reported: [ReaderDiagnostic] = []

  /// Keys written twice are reported at most this many times per file; past it they are
  /// counted, and one diagnostic, at the last of them, says how many more there are. A file
  /// of 4 000 000 repeated keys (28 MB) made as many findings: 2 GB of memory and a 1.5 GB
  /// report.
  static let duplicateKeyReports = 1_000
  private var duplicateKeysReported = 0
  private var duplicateKeysUnreported = 0
  private var lastUnreportedDuplicate: (range: SourceRange, document: Int)?

  /// What the reader found wrong, with the count of duplicate keys left unreported.
  var diagnostics: [ReaderDiagnostic] {
    guard let (range, document) = lastUnreportedDuplicate else { return reported }
    return reported + [
      ReaderDiagnostic(
        kind: .duplicateKey,
        message: (duplicateKeysUnreported == 1
          ? "1 more key is" : "\(duplicateKeysUnreported) more keys are")
          + " defined twice in this file, up to this one, beyond the "
          + "\(Self.duplicateKeyReports) reported: YAML forbids it and tools disagree on which "
          + "to keep; remove the repeats",
        range: range, document: document)
    ]
  }

  private var scratch: RawBuffer<NodeID>
  private var open: RawBuffer<OpenCollection>
  private var anchors: [Anchor] = []
  /// The latest anchor of each name, as an index in `anchors`: an alias is resolved with one
  /// hash lookup (Swift's `Hasher`, seeded per process), however many anchors the document has.
  private var anchorIndex: [[UInt8]: Int] = [:]
  /// Names of anchors on collections still open (defined when the collection ends).
  private var pendingAnchorNames: [[UInt8]] = []

  // The document being read.
  private var inDocument = false
  private var documentStartLine = 1
  private var documentFirstNode = 0
  /// Nodes the document reaches only through aliases: each alias stands for its anchor's
  /// whole expanded subtree.
  private var documentAliasExpansion: UInt64 = 0
  /// The same over the whole file: a file of many documents, each inside its own budget, made
  /// 400 bytes of memory per byte of input through merge keys.
  private var fileAliasExpansion: UInt64 = 0
  private var skippingDocument = false
  /// Where the current document went past `maximumDepth`: the reader stops reading it there.
  var nestedTooDeep: SourceRange?
  /// Positions where a collection is used as a mapping key (`{{ x }}` parses that way).
  private(set) var complexKeyPositions: [SourcePosition] = []
  /// Scalars that are whole Helm expressions, such as `"{{ .Values.image }}"`.
  private(set) var templatedScalarPositions: [SourcePosition] = []
  /// Value scalars of the file that are whole placeholders left for a tool or a person to fill
  /// in (`{{ ca_version }}`, `{Organization name}`), in source order.
  private(set) var placeholders: [NodeID] = []
  /// Set when the file holds `#{`: its empty values are kept, with libyaml's line and column
  /// (`CommentPlaceholders`), to be read for a placeholder YAML took for a comment.
  var recordsEmptyValues = false
  private(set) var emptyValues: [(node: NodeID, line: Int, column: Int)] = []
  /// A mapping key of the file is a strategic-merge patch directive (`$patch`,
  /// `$setElementOrder/containers`, …): the file is a patch, not whole objects.
  private(set) var hasPatchDirectives = false

  /// Added to libyaml's 0-based lines: a stream resumed after a syntax error is parsed from
  /// the middle of the file.
  var lineOffset = 0
  /// Turns each NUL of a double-quoted scalar into the `'` whose `\'` the reader rewrote as
  /// `\0` (see `ApostropheEscapes`): once the file is read, so that no other file's scalars
  /// pay a test each. (A `!!binary` scalar holds the bytes it decodes to, NULs among them.)
  mutating func restoreApostrophes() {
    let doubleQuoted = ScalarStyle.doubleQuoted.rawValue
    let binary = ScalarTag.binary.rawValue
    for index in 0..<nodes.count {
      let node = nodes[index]
      guard node.kind == .scalar, node.style & 0x0F == doubleQuoted, node.style >> 4 != binary
      else { continue }
      for offset in Int(node.first)..<Int(node.first + node.count) where text[offset] == 0 {
        text[offset] = UInt8(ascii: "'")
      }
    }
  }

  init(limits: ReaderLimits, expectedBytes: Int) {
    self.limits = limits
    // Manifests hold about one node per 12 bytes and half their bytes in scalar text; reserving
    // that avoids a regrowth copy per file. Capped, so that a file of few large scalars (a
    // 40 MB block of data) does not reserve room for millions of nodes it does not have.
    let estimate = min(max(expectedBytes / 12, 16), 1 << 18)
    let textEstimate = max(expectedBytes / 2, 16)
    if let recycled = BufferRecycler.take() {
      nodes = recycled.nodes
      children = recycled.children
      text = recycled.text
      nodes.reserveEmpty(estimate)
      children.reserveEmpty(estimate)
      text.reserveEmpty(textEstimate)
    } else {
      nodes = RawBuffer(capacity: estimate)
      children = RawBuffer(capacity: estimate)
      text = RawBuffer(capacity: textEstimate)
    }
    scratch = RawBuffer(capacity: 256)
    open = RawBuffer(capacity: 64)
  }

  deinit {
    nodes.deallocate()
    children.deallocate()
    text.deallocate()
    scratch.deallocate()
    open.deallocate()
  }

  var documentIndex: Int { documents.count }

  /// libyaml's lines as editors count them, in a file that needs it (see
  /// `UnicodeLineBreaks`), for the stream read from the file's start and those resumed.
  var unicodeLineBreaks: UnicodeLineBreaks?

  @inline(__always)
  func position(_ mark: yaml_mark_t) -> SourcePosition {
    // A stream resumed after a syntax error starts at a libyaml line of the file
    // (`lineOffset`, as `LineIndex` counts them): the map holds the whole file's.
    if let unicodeLineBreaks {
      return unicodeLineBreaks.position(
        line: Int(mark.line) + lineOffset, column: Int(mark.column))
    }
    return SourcePosition(line: Int(mark.line) + 1 + lineOffset, column: Int(mark.column) + 1)
  }

  /// The 1-based libyaml line (as `LineIndex` counts them) of a line `position(_:)` gave: the
  /// last one on it, where Unicode breaks put several on one (the reader resumes after it).
  func libyamlLine(ofReported line: Int) -> Int {
    guard let unicodeLineBreaks else { return line }
    return unicodeLineBreaks.lastLibyamlLine(onLine: line) + 1
  }

  // MARK: Events

  mutating func handle(_ event: inout yaml_event_t) {
    switch event.type {
    case YAML_SCALAR_EVENT:
      if !skippingDocument { addScalar(&event) }
    case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
      if !skippingDocument { startCollection(&event) }
    case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
      if !skippingDocument { endCollection(event.end_mark) }
    case YAML_ALIAS_EVENT:
      if !skippingDocument { addAlias(&event) }
    case YAML_DOCUMENT_START_EVENT:
      startDocument(line: position(event.start_mark).line)
    case YAML_DOCUMENT_END_EVENT:
      endDocument()
    default:
      break
    }
  }

  private mutating func startDocument(line: Int) {
    inDocument = true
    documentStartLine = line
    documentFirstNode = nodes.count
    documentAliasExpansion = 0
    skippingDocument = false
    scratch.removeAll()
    open.removeAll()
    anchors.removeAll(keepingCapacity: true)
    anchorIndex.removeAll(keepingCapacity: true)
    pendingAnchorNames.removeAll(keepingCapacity: true)
    complexKeyPositions.removeAll(keepingCapacity: true)
    templatedScalarPositions.removeAll(keepingCapacity: true)
  }

  private mutating func endDocument() {
    guard inDocument else { return }
    inDocument = false
    if skippingDocument {
      documents.append(DocumentRecord(root: nil, startLine: documentStartLine, isComplete: false))
      return
    }
    documents.append(
      DocumentRecord(
        root: scratch.isEmpty ? nil : scratch[0], startLine: documentStartLine, isComplete: true))
  }

  /// Ends the current document early: a syntax error stopped the parser inside it. Returns
  /// its index, or `nil` when the error came between documents.
  mutating func abandonDocument() -> Int? {
    guard inDocument else { return nil }
    skippingDocument = true
    dropDocumentNodes()
    endDocument()
    return documents.count - 1
  }

  /// Whether the document just ended is a mapping with `apiVersion` and `kind` keys, as every
  /// Kubernetes object is: what else holds a quoted `{{ … }}` (a chart's `values.yaml`, which
  /// Helm's `tpl` renders) is no manifest, and no template of one.
  func lastDocumentNamesAnObject() -> Bool {
    guard let root = documents.last?.root, Int(root) < nodes.count else { return false }
    let node = nodes[Int(root)]
    guard node.kind == .mapping else { return false }
    let apiVersion = Int16(Key.apiVersion.rawValue)
    let kind = Int16(Key.kind.rawValue)
    var found = (apiVersion: false, kind: false)
    for slot in stride(from: Int(node.first), to: Int(node.first + node.count), by: 2) {
      let key = nodes[Int(children[slot])].key
      if key == apiVersion { found.apiVersion = true } else if key == kind { found.kind = true }
    }
    return found.apiVersion && found.kind
  }

  /// Marks the document just ended as unusable (a template, say) without a new diagnostic.
  mutating func invalidateLastDocument() {
    guard !documents.isEmpty else { return }
    documents[documents.count - 1].root = nil
    documents[documents.count - 1].isComplete = false
  }

  private mutating func dropDocumentNodes() {
    if documentFirstNode < nodes.count {
      nodes.truncate(to: documentFirstNode)
    }
    dropPlaceholders(from: documentFirstNode)
    scratch.removeAll()
    open.removeAll()
  }

  /// Stops building the current document and records why.
  private mutating func skipDocument(
    _ kind: ReaderDiagnostic.Kind, _ message: String,
    at range: SourceRange
  ) {
    reported.append(
      ReaderDiagnostic(kind: kind, message: message, range: range, document: documentIndex))
    skippingDocument = true
    dropDocumentNodes()
  }

  mutating func addDiagnostic(_ diagnostic: ReaderDiagnostic) {
    reported.append(diagnostic)
  }

  /// Whether a diagnostic of `kind` is reported where `range` starts already.
  func hasDiagnostic(_ kind: ReaderDiagnostic.Kind, at range: SourceRange) -> Bool {
    reported.contains { $0.kind == kind && $0.range.start == range.start }
  }

  // MARK: Nodes

  /// Whether the next child of the innermost open collection is a mapping key.
  @inline(__always)
  private var nextIsKey: Bool {
    guard open.count > 0 else { return false }
    let top = open[open.count - 1]
    return top.isMapping && (scratch.count - Int(top.scratchStart)) & 1 == 0
  }

  @inline(__always)
  private var currentParent: NodeID {
    open.count > 0 ? open[open.count - 1].node : NodeTree.noParent
  }

  @inline(__always)
  private mutating func addToParent(_ id: NodeID, size: UInt64) {
    scratch.append(id)
    if open.count > 0 {
      let top = open.count - 1
      open[top].expandedSize = saturatingAdd(open[top].expandedSize, size)
    }
  }

  private mutating func addScalar(_ event: inout yaml_event_t) {
    let scalar = event.data.scalar
    let length = Int(scalar.length)
    let bytes = UnsafeBufferPointer(start: scalar.value, count: length)
    let isKey = nextIsKey
    let start = position(event.start_mark)
    let end = position(event.end_mark)
    let style: ScalarStyle
    switch scalar.style {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
    case YAML_LITERAL_SCALAR_STYLE: style = .literal
    case YAML_FOLDED_SCALAR_STYLE: style = .folded
    default: style = .plain
    }
    // Most scalars have no tag: a NULL pointer, checked before anything else.
    let tag = scalar.tag.map(Self.scalarTag) ?? .none
    var key: Int16 = -1
    if isKey {
      key = keys.ordinal(of: bytes)
      if length > 1 && bytes[0] == UInt8(ascii: "$") && !hasPatchDirectives {
        hasPatchDirectives = PatchDirective.isDirective(bytes)
      }
      // Only a plain, untagged `<<` merges; a quoted one is an ordinary key.
      if key == Int16(Key.merge.rawValue) && (style != .plain || tag != .none) { key = -1 }
    }
    let id = NodeID(nodes.count)
    if length == 0 && recordsEmptyValues && !isKey && style == .plain && tag == .none {
      emptyValues.append(
        (id, Int(event.start_mark.line) + lineOffset, Int(event.start_mark.column)))
    }
    if length >= 2 && bytes[0] == UInt8(ascii: "{") && !isKey {
      if bytes[1] == UInt8(ascii: "{") && HelmExpression.isHelmExpression(bytes) {
        templatedScalarPositions.append(start)
      } else if Placeholder.isPlaceholder(bytes) {
        placeholders.append(id)
      }
    }
    let first = text.count
    if tag == .binary {
      // Kubernetes' decoder reads `!!binary` as the bytes it encodes (a `!!binary` image is
      // the decoded reference); text that is not base64 is rejected.
      guard Base64.decode(bytes, into: &text) else {
        text.truncate(to: first)
        reported.append(
          ReaderDiagnostic(
            kind: .syntax,
            message: "this !!binary value is not valid base64; Kubernetes rejects the document",
            range: SourceRange(start: start, end: end), document: documentIndex))
        return addPlainScalar(
          bytes, style: style, key: key, start: start, end: end, anchor: scalar.anchor)
      }
    } else {
      text.append(contentsOf: bytes)
    }
    nodes.append(
      RawNode(
        kind: .scalar, style: style.rawValue | tag.rawValue << 4, key: key,
        startLine: UInt32(start.line), startColumn: UInt32(start.column),
        endLine: UInt32(end.line), endColumn: UInt32(end.column),
        first: UInt32(first), count: UInt32(text.count - first), parent: currentParent))
    let weight = Self.expansionWeight(ofScalarBytes: text.count - first)
    addToParent(id, size: weight)
    if let anchor = scalar.anchor {
      defineAnchor(anchor, node: id, size: weight)
    }
  }

  /// Adds a scalar as its own text, without its tag (a `!!binary` value that does not decode).
  private mutating func addPlainScalar(
    _ bytes: UnsafeBufferPointer<UInt8>, style: ScalarStyle, key: Int16, start: SourcePosition,
    end: SourcePosition, anchor: UnsafeMutablePointer<yaml_char_t>?
  ) {
    let id = NodeID(nodes.count)
    nodes.append(
      RawNode(
        kind: .scalar, style: style.rawValue, key: key,
        startLine: UInt32(start.line), startColumn: UInt32(start.column),
        endLine: UInt32(end.line), endColumn: UInt32(end.column),
        first: UInt32(text.count), count: UInt32(bytes.count), parent: currentParent))
    text.append(contentsOf: bytes)
    let weight = Self.expansionWeight(ofScalarBytes: bytes.count)
    addToParent(id, size: weight)
    if let anchor { defineAnchor(anchor, node: id, size: weight) }
  }

  /// The `ScalarTag` of a resolved tag (`tag:yaml.org,2002:int` for `!!int`).
  private static func scalarTag(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> ScalarTag {
    let tag = UnsafeBufferPointer(start: pointer, count: strlen(pointer))
    if tag.count == 1 && tag[0] == UInt8(ascii: "!") { return .str }  // the non-specific tag
    guard tag.starts(with: yamlTagPrefix) else { return .other }
    switch String(decoding: tag[yamlTagPrefix.count...], as: UTF8.self) {
    case "str": return .str
    case "int": return .int
    case "float": return .float
    case "bool": return .bool
    case "null": return .null
    case "binary": return .binary
    default: return .other
    }
  }

  private static let yamlTagPrefix = Array("tag:yaml.org,2002:".utf8)

  private mutating func startCollection(_ event: inout yaml_event_t) {
    let isMapping = event.type == YAML_MAPPING_START_EVENT
    let start = position(event.start_mark)
    if open.count >= limits.maximumDepth {
      nestedTooDeep = SourceRange(at: start)
      skipDocument(
        .nestingTooDeep,
        "collections are nested more than \(limits.maximumDepth) levels deep; "
          + "the document is not linted",
        at: SourceRange(at: start))
      return
    }
    if nextIsKey { complexKeyPositions.append(start) }
    let anchorPointer: UnsafeMutablePointer<yaml_char_t>?
    let flow: Bool
    if isMapping {
      anchorPointer = event.data.mapping_start.anchor
      flow = event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
    } else {
      anchorPointer = event.data.sequence_start.anchor
      flow = event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
    }
    let id = NodeID(nodes.count)
    nodes.append(
      RawNode(
        kind: isMapping ? .mapping : .sequence, style: flow ? 1 : 0, key: -1,
        startLine: UInt32(start.line), startColumn: UInt32(start.column),
        endLine: UInt32(start.line), endColumn: UInt32(start.column),
        first: 0, count: 0, parent: currentParent))
    var anchor: Int32 = -1
    if let anchorPointer {
      anchor = Int32(pendingAnchorNames.count)
      pendingAnchorNames.append(Self.bytes(ofCString: anchorPointer))
    }
    open.append(
      OpenCollection(
        node: id, scratchStart: Int32(scratch.count), isMapping: isMapping, anchor: anchor,
        expandedSize: 1))
  }

  private mutating func endCollection(_ endMark: yaml_mark_t) {
    guard open.count > 0 else { return }
    let collection = open[open.count - 1]
    open.truncate(to: open.count - 1)
    let id = Int(collection.node)
    let scratchStart = Int(collection.scratchStart)
    let end = position(endMark)
    nodes[id].endLine = UInt32(end.line)
    nodes[id].endColumn = UInt32(end.column)
    var size = collection.expandedSize
    if collection.isMapping {
      size = saturatingAdd(size, finishMapping(collection))
    } else {
      nodes[id].first = UInt32(children.count)
      nodes[id].count = UInt32(scratch.count - scratchStart)
      appendScratch(from: scratchStart, count: scratch.count - scratchStart)
    }
    scratch.truncate(to: scratchStart)
    addToParent(collection.node, size: size)
    if collection.anchor >= 0 {
      defineAnchor(pendingAnchorNames[Int(collection.anchor)], node: collection.node, size: size)
    }
  }

  @inline(__always)
  private mutating func appendScratch(from start: Int, count: Int) {
    scratch.withUnsafeBufferPointer { scratch in
      children.append(
        contentsOf: UnsafeBufferPointer(rebasing: scratch[start..<(start + count)]))
    }
  }

  /// Copies a mapping's pairs into `children`, reports duplicate keys and resolves merge keys.
  /// Returns the number of slots merged in from other mappings.
  private mutating func finishMapping(_ collection: OpenCollection) -> UInt64 {
    let id = Int(collection.node)
    let start = Int(collection.scratchStart)
    let pairCount = (scratch.count - start) / 2
    var hasMerge = false
    for pair in 0..<pairCount where nodes[Int(scratch[start + 2 * pair])].key == Self.mergeOrdinal {
      hasMerge = true
      break
    }
    reportDuplicateKeys(scratchStart: start, pairCount: pairCount)
    nodes[id].first = UInt32(children.count)
    guard hasMerge else {
      nodes[id].count = UInt32(pairCount * 2)
      appendScratch(from: start, count: pairCount * 2)
      return 0
    }
    // The mapping's own keys come first and win; merged mappings fill in keys it lacks, the
    // earlier of several merged mappings winning (YAML merge-key semantics).
    var merged: [NodeID] = []
    var sources: [NodeID] = []
    for pair in 0..<pairCount {
      let keyID = scratch[start + 2 * pair]
      let valueID = scratch[start + 2 * pair + 1]
      if nodes[Int(keyID)].key == Self.mergeOrdinal {
        let value = nodes[Int(valueID)]
        if value.kind == .mapping {
          sources.append(valueID)
        } else if value.kind == .sequence {
          for slot in Int(value.first)..<Int(value.first + value.count) {
            let item = children[slot]
            if nodes[Int(item)].kind == .mapping {
              sources.append(item)
            } else {
              reportBadMerge(at: nodes[Int(item)])
            }
          }
        } else {
          reportBadMerge(at: value)
        }
      } else {
        merged.append(keyID)
        merged.append(valueID)
      }
    }
    let ownSlots = merged.count
    // Every key already in `merged`, looked up by hash: a merged mapping can have any number of
    // keys (a linear scan per key made `<<: *big` of 160 000 keys take minutes).
    var present = KeySet(text: text.base)
    var slot = 0
    while slot < merged.count {
      _ = present.insert(merged[slot], nodes[Int(merged[slot])])
      slot += 2
    }
    for source in sources {
      let mapping = nodes[Int(source)]
      var slot = Int(mapping.first)
      while slot < Int(mapping.first + mapping.count) {
        let keyID = children[slot]
        if present.insert(keyID, nodes[Int(keyID)]) == nil {
          merged.append(keyID)
          merged.append(children[slot + 1])
        }
        slot += 2
      }
    }
    nodes[id].count = UInt32(merged.count)
    merged.withUnsafeBufferPointer { children.append(contentsOf: $0) }
    return UInt64(merged.count - ownSlots)
  }

  private static let mergeOrdinal = Int16(Key.merge.rawValue)

  /// What a scalar counts for in the alias budgets: one node, and one more per 64 bytes of its
  /// text. Code that reads an aliased scalar copies its text each time, so a budget of nodes
  /// alone let one 2 MB scalar aliased 40 000 times (about 80 GB of copies) through.
  @inline(__always)
  static func expansionWeight(ofScalarBytes count: Int) -> UInt64 {
    1 + UInt64(count >> 6)
  }

  private func keyBytesEqual(_ lhs: NodeID, _ rhs: NodeID) -> Bool {
    let left = nodes[Int(lhs)]
    let right = nodes[Int(rhs)]
    guard left.kind == .scalar, right.kind == .scalar else { return false }
    if left.key >= 0 || right.key >= 0 { return left.key == right.key }
    guard left.count == right.count else { return false }
    guard left.count > 0 else { return true }
    let base = text.base.unsafelyUnwrapped
    return memcmp(base + Int(left.first), base + Int(right.first), Int(left.count)) == 0
  }

  private mutating func reportDuplicateKeys(scratchStart start: Int, pairCount: Int) {
    guard pairCount > 1 else { return }
    if pairCount <= 16 {
      for later in 1..<pairCount {
        let laterKey = scratch[start + 2 * later]
        for earlier in 0..<later where keyBytesEqual(scratch[start + 2 * earlier], laterKey) {
          reportDuplicate(first: scratch[start + 2 * earlier], second: laterKey)
          break
        }
      }
      return
    }
    // Large mappings (ConfigMap data, CRD schemas): hash the keys.
    var seen = KeySet(text: text.base)
    for pair in 0..<pairCount {
      let keyID = scratch[start + 2 * pair]
      let node = nodes[Int(keyID)]
      guard node.kind == .scalar else { continue }
      if let first = seen.insert(keyID, node) { reportDuplicate(first: first, second: keyID) }
    }
  }

  private mutating func reportDuplicate(first: NodeID, second: NodeID) {
    let firstNode = nodes[Int(first)]
    let secondNode = nodes[Int(second)]
    guard duplicateKeysReported < Self.duplicateKeyReports else {
      duplicateKeysUnreported += 1
      lastUnreportedDuplicate = (Self.range(of: secondNode), documentIndex)
      return
    }
    duplicateKeysReported += 1
    let name = text.withUnsafeBufferPointer { text in
      String(
        decoding: UnsafeBufferPointer(
          rebasing: text[Int(secondNode.first)..<Int(secondNode.first + secondNode.count)]),
        as: UTF8.self)
    }
    // An object's own keys written twice are most often a second object whose `---` is
    // missing (the local-path provisioner's quota example repeats a whole ConfigMap).
    let startsObject =
      secondNode.key == Int16(Key.apiVersion.rawValue) || secondNode.key == Int16(Key.kind.rawValue)
    reported.append(
      ReaderDiagnostic(
        kind: .duplicateKey,
        message: "key \"\(name)\" is defined twice in this mapping (first at line "
          + "\(firstNode.startLine)); YAML forbids it and tools disagree: `kubectl apply -f` "
          + "keeps the last one silently, Kustomize, Flux and other yaml.v3 tools reject the "
          + "file: remove one"
          + (startsObject
            ? ", or, if a second object starts here, put a `---` line before it" : ""),
        range: Self.range(of: secondNode), document: documentIndex))
  }

  private mutating func reportBadMerge(at node: RawNode) {
    reported.append(
      ReaderDiagnostic(
        kind: .syntax,
        message: "a merge key (<<) must refer to a mapping or a list of mappings",
        range: Self.range(of: node), document: documentIndex))
  }

  private mutating func addAlias(_ event: inout yaml_event_t) {
    let start = position(event.start_mark)
    let end = position(event.end_mark)
    guard let namePointer = event.data.alias.anchor else { return }
    let length = strlen(namePointer)
    let name = UnsafeBufferPointer(start: namePointer, count: length)
    // The latest definition of an anchor wins; anchors are defined once their node is complete,
    // so an alias can never refer to a node that contains it.
    guard let index = anchorIndex[Array(name)] else {
      let text = String(decoding: name, as: UTF8.self)
      skipDocument(
        .undefinedAlias,
        "alias *\(text) refers to no anchor &\(text) defined before it; the document is not linted",
        at: SourceRange(start: start, end: end))
      return
    }
    let anchor = anchors[index]
    documentAliasExpansion = saturatingAdd(documentAliasExpansion, anchor.expandedSize)
    fileAliasExpansion = saturatingAdd(fileAliasExpansion, anchor.expandedSize)
    // A document whose aliases stand for billions of nodes ("billion laughs") would make
    // anything that walks it run forever.
    if documentAliasExpansion > limits.maximumAliasExpansion {
      skipDocument(
        .aliasExpansion,
        "aliases expand this document to more than \(limits.maximumAliasExpansion) nodes "
          + "beyond those written out, a scalar counting one per 64 bytes (a \"billion "
          + "laughs\" pattern); the document is not linted",
        at: SourceRange(start: start, end: end))
      return
    }
    if fileAliasExpansion > limits.maximumFileAliasExpansion {
      skipDocument(
        .aliasExpansion,
        "aliases expand this file to more than \(limits.maximumFileAliasExpansion) nodes "
          + "beyond those written out, a scalar counting one per 64 bytes; this document is "
          + "not linted",
        at: SourceRange(start: start, end: end))
      return
    }
    addToParent(anchor.node, size: anchor.expandedSize)
  }

  private mutating func defineAnchor(
    _ name: UnsafeMutablePointer<yaml_char_t>, node: NodeID, size: UInt64
  ) {
    defineAnchor(Self.bytes(ofCString: name), node: node, size: size)
  }

  private mutating func defineAnchor(_ name: [UInt8], node: NodeID, size: UInt64) {
    anchorIndex[name] = anchors.count
    anchors.append(Anchor(name: name, node: node, expandedSize: size))
  }

  private static func range(of node: RawNode) -> SourceRange {
    SourceRange(
      start: SourcePosition(line: Int(node.startLine), column: Int(node.startColumn)),
      end: SourcePosition(line: Int(node.endLine), column: Int(node.endColumn)))
  }

  private static func bytes(ofCString pointer: UnsafeMutablePointer<yaml_char_t>) -> [UInt8] {
    Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer)))
  }

  /// Forgets the placeholders of a document that was dropped.
  mutating func dropPlaceholders(from firstNode: Int) {
    while let last = placeholders.last, Int(last) >= firstNode { placeholders.removeLast() }
    while let last = emptyValues.last, Int(last.node) >= firstNode { emptyValues.removeLast() }
  }

  /// Hands the buffers to the tree; the builder is left with none.
  mutating func makeTree() -> NodeTree {
    let tree = NodeTree(nodes: nodes, children: children, text: text)
    nodes = RawBuffer()
    children = RawBuffer()
    text = RawBuffer()
    return tree
  }
}

@inline(__always)
func saturatingAdd(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
  let (sum, overflow) = lhs.addingReportingOverflow(rhs)
  return overflow ? UInt64.max : sum
}

/// Recognises scalars that are a whole Helm template expression over Helm's built-in objects:
/// `{{ .Values.image }}`, `{{ include "x" . }}`. Other `{{ }}` text (Prometheus alert templates,
/// Argo CD ApplicationSet parameters) is legitimate content and left alone.
enum HelmExpression {
  /// What only Helm's templates say: its objects and its functions.
  static let markers: [[UInt8]] = [
    ".Values", ".Release", ".Chart", ".Capabilities", ".Files", "include \"", "template \"",
    "toYaml", "tpl ",
  ].map { Array($0.utf8) }

  static func isHelmExpression(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard bytes.count >= 4, bytes[bytes.count - 1] == UInt8(ascii: "}"),
      bytes[bytes.count - 2] == UInt8(ascii: "}")
    else { return false }
    return markers.contains { contains(bytes, $0) }
  }

  static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count, let first = needle.first else { return false }
    var index = 0
    let last = haystack.count - needle.count
    while index <= last {
      if haystack[index] == first {
        var matched = 1
        while matched < needle.count && haystack[index + matched] == needle[matched] {
          matched += 1
        }
        if matched == needle.count { return true }
      }
      index += 1
    }
    return false
  }
}

/// The scalar keys of one mapping, by their text, in a hash table seeded per process (Swift's
/// `Hasher`): keys crafted to collide under a fixed hash cannot make a large mapping take
/// quadratic time. A key the reader recognised (`Key`) is identified by that alone, as
/// `keyBytesEqual` does.
struct KeySet {
  private struct Entry: Hashable {
    let id: NodeID
    let known: Int16
    let bytes: UnsafeBufferPointer<UInt8>

    static func == (lhs: Entry, rhs: Entry) -> Bool {
      if lhs.known >= 0 || rhs.known >= 0 { return lhs.known == rhs.known }
      return memoryEqual(lhs.bytes, rhs.bytes)
    }

    func hash(into hasher: inout Hasher) {
      if known >= 0 {
        hasher.combine(known)
      } else {
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
      }
    }
  }

  /// The tree's text while the mapping is finished (nothing is appended to it meanwhile).
  private let text: UnsafeMutablePointer<UInt8>?
  private var entries: Set<Entry> = []

  init(text: UnsafeMutablePointer<UInt8>?) {
    self.text = text
  }

  /// Adds a key; returns the id of an equal key added before, if there is one.
  mutating func insert(_ id: NodeID, _ node: RawNode) -> NodeID? {
    guard node.kind == .scalar else { return nil }
    let bytes = UnsafeBufferPointer(
      start: node.count > 0 ? text.map { $0 + Int(node.first) } : nil, count: Int(node.count))
    let (inserted, existing) = entries.insert(Entry(id: id, known: node.key, bytes: bytes))
    return inserted ? nil : existing.id
  }
}

/// Standard base64 as go-yaml decodes `!!binary`: line breaks and spaces between the characters
/// are ignored, padding is required.
enum Base64 {
  private static let values: [Int8] = {
    var table = [Int8](repeating: -1, count: 256)
    for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8
      .enumerated()
    {
      table[Int(byte)] = Int8(index)
    }
    return table
  }()

  /// Appends the decoded bytes to `output`; `false` when the text is not base64.
  static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: inout RawBuffer<UInt8>)
    -> Bool
  {
    var accumulator: UInt32 = 0
    var bits = 0
    var padding = 0
    var characters = 0
    for byte in text {
      if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { continue }
      characters += 1
      if byte == UInt8(ascii: "=") {
        padding += 1
        continue
      }
      let value = values[Int(byte)]
      guard value >= 0, padding == 0 else { return false }
      accumulator = accumulator << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
      }
    }
    return characters % 4 == 0 && padding <= 2
  }
}

/// Whole scalars that are placeholders, not values: `{{ ca_version }}` (Jinja, Ansible) and
/// `{Organization name}` (a note to the reader). Helm's `{{ .Values.x }}` is a template
/// (`HelmExpression`); JSON text (`{"a": 1}`) and Go templates over fields (`{{ .path }}`,
/// `{{ $labels.x }}`, which some custom resources render themselves) are neither.
enum Placeholder {
  static func isPlaceholder(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard bytes.count >= 3, bytes[0] == UInt8(ascii: "{"),
      bytes[bytes.count - 1] == UInt8(ascii: "}")
    else { return false }
    if bytes.count >= 5, bytes[1] == UInt8(ascii: "{"), bytes[bytes.count - 2] == UInt8(ascii: "}")
    {
      // `{{ identifier }}`: one bare name, perhaps with dots after its first letter.
      let inner = bytes[2..<(bytes.count - 2)].drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }
      guard let first = inner.last, isLetter(first) || first == UInt8(ascii: "_") else {
        return false
      }
      return inner.allSatisfy {
        isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
      }
    }
    // `{Words and spaces}`: letters, spaces, `-` and `_` only, with a letter and a space.
    let inner = bytes[1..<(bytes.count - 1)]
    return inner.contains(where: isLetter) && inner.contains(0x20)
      && inner.allSatisfy {
        isLetter($0) || isDigit($0) || $0 == 0x20 || $0 == UInt8(ascii: "-")
          || $0 == UInt8(ascii: "_")
      }
  }

  private static func isLetter(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }
}

/// The keys of Kubernetes' strategic-merge patches.
enum PatchDirective {
  private static let prefixes: [[UInt8]] = [
    "$patch", "$setElementOrder/", "$retainKeys", "$deleteFromPrimitiveList/",
  ].map { Array($0.utf8) }

  static func isDirective(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
    prefixes.contains { key.starts(with: $0) }
  }
}
