import KubewardModel
import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A suppression written in a manifest: a `# kubeward:ignore` comment or an
/// `ignore.kubeward.dev/<policy>` annotation.
struct SuppressionDirective: Sendable {
  enum Scope: Hashable, Sendable {
    /// A comment: findings on its line or the line below it.
    case lines(ClosedRange<Int>)
    /// An annotation: findings about this object.
    case object(ObjectReference)
  }

  let file: String
  let scope: Scope
  let kind: Suppression.Kind
  let policies: [String]
  /// Empty when the directive gives no reason (itself a finding).
  let reason: String
  /// Where the directive is written.
  let range: SourceRange
  /// The named policies that suppressed a finding.
  var used: Set<String> = []

  /// The object an annotation suppression is on.
  var object: ObjectReference? {
    if case .object(let object) = scope { return object }
    return nil
  }
}

/// Directives looked up by the file, line and policy they cover, and by the file, object and
/// policy: applying them scanned every directive for every finding (a Pod of 20 000
/// containers, each under a comment, took 11 s; an AdmissionReview of 8 000 annotations took
/// 17 s in the webhook). The first directive that covers a finding applies, as before.
struct SuppressionIndex {
  private struct LineKey: Hashable {
    var file: String
    var line: Int
    var policy: String
  }

  private struct ObjectKey: Hashable {
    var file: String
    var object: ObjectReference
    var policy: String
  }

  private var byLine: [LineKey: Int] = [:]
  private var byObject: [ObjectKey: Int] = [:]
  /// The group that holds a policy (see `PolicyCatalogue.groups`): a directive may name a
  /// Kyverno ClusterPolicy for its rules (a rule's id `name/rule` cannot be an annotation's
  /// key). Looked up per finding, not expanded per directive: thousands of directives naming
  /// a policy of a thousand rules made millions of keys.
  private let group: (String) -> String?

  init(_ directives: [SuppressionDirective], group: @escaping (String) -> String? = { _ in nil }) {
    self.group = group
    for (index, directive) in directives.enumerated() {
      for policy in directive.policies {
        switch directive.scope {
        case .lines(let lines):
          for line in lines {
            let key = LineKey(file: directive.file, line: line, policy: policy)
            if byLine[key] == nil { byLine[key] = index }
          }
        case .object(let object):
          let key = ObjectKey(file: directive.file, object: object, policy: policy)
          if byObject[key] == nil { byObject[key] = index }
        }
      }
    }
  }

  /// Marks `finding` suppressed by the first directive that covers it, and the directive used.
  func apply(_ directives: inout [SuppressionDirective], to finding: inout Finding) {
    guard finding.suppression == nil,
      !SuppressionDirectives.unsuppressible.contains(finding.policy)
    else { return }
    func covering(_ policy: String) -> Int? {
      let onLine = byLine[LineKey(file: finding.file, line: finding.line, policy: policy)]
      let onObject = finding.object.flatMap {
        byObject[ObjectKey(file: finding.file, object: $0, policy: policy)]
      }
      return [onLine, onObject].compactMap({ $0 }).min()
    }
    let byGroup = group(finding.policy).flatMap { name in covering(name).map { (name, $0) } }
    guard let first = [covering(finding.policy), byGroup?.1].compactMap({ $0 }).min() else {
      return
    }
    directives[first].used.insert(finding.policy)
    if let byGroup, byGroup.1 == first { directives[first].used.insert(byGroup.0) }
    let reason = directives[first].reason
    finding.suppression = Suppression(
      kind: directives[first].kind, reason: reason.isEmpty ? "(no reason given)" : reason)
  }
}

/// Finds suppression directives and applies them.
enum SuppressionDirectives {
  static let commentMarker = Array("kubeward:ignore".utf8)
  static let annotationPrefix = "ignore.kubeward.dev/"
  private static let annotationPrefixBytes = Array(annotationPrefix.utf8)
  static let unusedSuppression = "unused-suppression"
  static let suppressionWithoutReason = "suppression-without-reason"
  /// Findings about suppressions themselves cannot be suppressed.
  static let unsuppressible: Set<String> = [unusedSuppression, suppressionWithoutReason]

  /// `# kubeward:ignore id[,id…] -- reason` comments of a file. libyaml drops comments, so
  /// they are read from the bytes; a `#` counts when it starts the line or follows a space,
  /// and is not inside a scalar of `tree` (a quoted value or a block scalar, such as a script
  /// or a ConfigMap's text, may hold the words without being a comment).
  static func comments(in bytes: UnsafeBufferPointer<UInt8>, file: String, tree: NodeTree)
    -> [SuppressionDirective]
  {
    guard hasCommentMarker(bytes) else { return [] }
    var directives: [SuppressionDirective] = []
    let lines = LineIndex(bytes)
    var scalars: ScalarRanges?
    for line in 1...lines.lineCount {
      guard let range = lines.byteRange(ofLine: line, in: bytes),
        let marker = firstOffset(of: commentMarker, in: bytes, range: range),
        let hash = commentStart(before: marker, in: bytes, lineStart: range.lowerBound)
      else { continue }
      if scalars == nil { scalars = ScalarRanges(tree) }
      guard !scalars!.contains(lines.position(ofByte: hash, in: bytes)) else { continue }
      let text = String(
        decoding: UnsafeBufferPointer(
          rebasing: bytes[(marker + commentMarker.count)..<range.upperBound]),
        as: UTF8.self)
      let (policies, reason) = parse(text)
      let start = lines.position(ofByte: hash, in: bytes)
      let end = lines.position(ofByte: range.upperBound, in: bytes)
      directives.append(
        SuppressionDirective(
          file: file, scope: .lines(line...(line + 1)), kind: .comment, policies: policies,
          reason: reason, range: SourceRange(start: start, end: end)))
    }
    return directives
  }

  /// `ignore.kubeward.dev/<policy>: "<reason>"` annotations of an object and of its pod
  /// template.
  static func annotations(of object: KubeObject, file: String) -> [SuppressionDirective] {
    var directives: [SuppressionDirective] = []
    func collect(_ annotations: Node?) {
      for (key, value) in annotations?.pairs ?? NodePairs.none {
        // Compared as bytes first: objects carry many annotations, and few are ours.
        guard key.withScalarBytes({ $0.starts(with: annotationPrefixBytes) }),
          let name = key.string
        else { continue }
        let policy = String(name.dropFirst(annotationPrefix.count))
        directives.append(
          SuppressionDirective(
            file: file, scope: .object(object.reference), kind: .annotation, policies: [policy],
            reason: trimmed(value.text ?? ""), range: key.range))
      }
    }
    collect(object.metadata.annotations)
    // A Pod is its own pod template.
    if let template = object.podTemplate, template.node != object.node {
      collect(template.metadata.annotations)
    }
    return directives
  }

  /// Marks `finding` suppressed by the first directive that covers it.
  /// Applies `directives` to each of `findings`.
  /// `group`: the group that holds a policy (see `SuppressionIndex.init`).
  static func apply(
    _ directives: inout [SuppressionDirective], to findings: inout [Finding],
    group: @escaping (String) -> String? = { _ in nil }
  ) {
    guard !directives.isEmpty else { return }
    let index = SuppressionIndex(directives, group: group)
    for position in findings.indices {
      index.apply(&directives, to: &findings[position])
    }
  }

  /// `exec-probe, alpine-image -- a reason` → (["exec-probe", "alpine-image"], "a reason").
  public static func parse(_ text: String) -> (policies: [String], reason: String) {
    let parts = text.split(separator: "--", maxSplits: 1, omittingEmptySubsequences: false)
    let policies = parts[0].split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
      .map(String.init)
    return (policies, parts.count > 1 ? trimmed(String(parts[1])) : "")
  }

  /// `text` without its surrounding blanks; empty when nothing of it can be seen (a reason
  /// of control or format characters, `"\u0000"`, is no reason).
  static func trimmed(_ text: String) -> String {
    let trimmed = String(
      text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: {
        $0 == " " || $0 == "\t"
      })
      .reversed())
    let visible = trimmed.unicodeScalars.contains { scalar in
      let category = scalar.properties.generalCategory
      return !scalar.properties.isWhitespace && category != .control && category != .format
    }
    return visible ? trimmed : ""
  }

  /// Whether some `#` is followed (after blanks) by the marker: the quick test every file goes
  /// through. `#` is rare in manifests, so this is about one memchr over the file.
  private static func hasCommentMarker(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    var index = 0
    while index < bytes.count,
      let hit = memchr(base + index, Int32(UInt8(ascii: "#")), bytes.count - index)
    {
      index = UnsafeRawPointer(hit) - UnsafeRawPointer(base) + 1
      var start = index
      while start < bytes.count
        && (bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t"))
      {
        start += 1
      }
      if bytes.count - start >= commentMarker.count
        && commentMarker.withUnsafeBytes({ memcmp(base + start, $0.baseAddress!, $0.count) }) == 0
      {
        return true
      }
    }
    return false
  }

  private static func firstOffset(
    of needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>
  ) -> Int? {
    guard range.count >= needle.count, !needle.isEmpty, let base = bytes.baseAddress else {
      return nil
    }
    // memchr (vectorised in the C library) for the first byte.
    var index = range.lowerBound
    let last = range.upperBound - needle.count
    return needle.withUnsafeBytes { pattern in
      while index <= last {
        guard let hit = memchr(base + index, Int32(pattern[0]), last - index + 1) else {
          return nil
        }
        index = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        if memcmp(hit, pattern.baseAddress!, pattern.count) == 0 { return index }
        index += 1
      }
      return nil
    }
  }

  /// The `#` that opens the comment holding the marker: only spaces between them, and the `#`
  /// at the line start or after a space (otherwise it is part of a value).
  private static func commentStart(
    before marker: Int, in bytes: UnsafeBufferPointer<UInt8>, lineStart: Int
  ) -> Int? {
    var index = marker - 1
    while index >= lineStart
      && (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t"))
    {
      index -= 1
    }
    guard index >= lineStart, bytes[index] == UInt8(ascii: "#") else { return nil }
    guard
      index == lineStart || bytes[index - 1] == UInt8(ascii: " ")
        || bytes[index - 1] == UInt8(ascii: "\t")
    else { return nil }
    return index
  }
}

/// The ranges of a tree's scalars, in source order, to tell text inside a value from a comment.
struct ScalarRanges {
  private let ranges: [SourceRange]

  init(_ tree: NodeTree) {
    var ranges: [SourceRange] = []
    for id in 0..<tree.nodeCount {
      let node = tree.node(NodeID(id))
      if node.isScalar && node.range.start < node.range.end { ranges.append(node.range) }
    }
    // Nodes are stored in the order the parser met them: already sorted, but a sort of sorted
    // input is cheap and keeps the search right whatever the order.
    ranges.sort { $0.start < $1.start }
    self.ranges = ranges
  }

  /// Whether `position` lies inside a scalar (at its start or after, before its end).
  func contains(_ position: SourcePosition) -> Bool {
    // The last range that starts at or before `position`.
    var low = 0
    var high = ranges.count
    while low < high {
      let middle = (low + high) / 2
      if ranges[middle].start <= position { low = middle + 1 } else { high = middle }
    }
    guard low > 0 else { return false }
    return position < ranges[low - 1].end
  }
}
