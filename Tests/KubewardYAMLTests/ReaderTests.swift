import Testing

@_spi(Buffers) @testable import KubewardYAML

func read(_ text: String, limits: ReaderLimits = .standard) -> ParsedFile {
  YAMLReader(limits: limits).read(text)
}

func root(_ text: String) throws -> Node {
  let file = read(text)
  #expect(file.diagnostics.isEmpty, "\(file.diagnostics)")
  return try #require(file.documents.first?.root)
}

private func at(_ line: Int, _ column: Int) -> SourcePosition {
  SourcePosition(line: line, column: column)
}

@Suite("Positions")
struct PositionTests {
  /// libyaml breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR too; editors, git
  /// and GitHub do not, and a finding must point where they show the line.
  @Test func unicodeLineBreaksAreNotLines() throws {
    let text =
      "# one\u{85}# two\u{2028}# three\u{2029}# four\nkind: Pod\nname: \"a\u{2028}b\"\nimage: x\n"
    let node = try root(text)
    #expect(try #require(node.entry("kind")).key.position == at(2, 1))
    #expect(try #require(node.entry("image")).key.position == at(4, 1))
    #expect(try #require(node.entry("image")).value.position == at(4, 8))
    // A syntax error after one is placed so as well (libyaml reads `b` as a line of its own,
    // and `kind:` as a value of it: the colon, on the second line).
    let broken = read("# a\u{85}b\nkind: [\n")
    #expect(broken.diagnostics.first?.range.start == at(2, 5), "\(broken.diagnostics)")
    // So is a document read again after a syntax error below one (its positions were a line
    // low for each such break above it).
    let resumed = read(
      "a: b: c # \u{85}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n---\nx: [\n")
    #expect(resumed.documents.count == 3, "\(resumed.documents)")
    let pod = try #require(resumed.documents.compactMap(\.root).first)
    #expect(pod.position == at(3, 1))
    #expect(try #require(pod.entry("kind")).value.position == at(4, 7))
    #expect(resumed.diagnostics.map(\.range.start.line) == [1, 9], "\(resumed.diagnostics)")
  }

  @Test func blockStyleKeysValuesAndItems() throws {
    let root = try root(
      """
      apiVersion: v1
      kind: Pod
      spec:
        containers:
          - name: app
            image: nginx:1.25
      """)
    #expect(root.position == at(1, 1))
    let (kindKey, kind) = try #require(root.entry(.kind))
    #expect(kindKey.position == at(2, 1))
    #expect(kind.position == at(2, 7))
    #expect(kind.range.end == at(2, 10))
    let containers = try #require(root[.spec]?[.containers])
    #expect(containers.isSequence)
    #expect(containers.position == at(5, 5))
    let item = containers.items[0]
    #expect(item.position == at(5, 7))
    let image = try #require(item[.image])
    #expect(image.position == at(6, 14))
    #expect(image.string == "nginx:1.25")
  }

  @Test func flowStyle() throws {
    let root = try root("ports: [{containerPort: 80}, {containerPort: 443, name: https}]\n")
    let ports = try #require(root[.ports])
    #expect(ports.isFlowCollection)
    #expect(ports.position == at(1, 8))
    #expect(ports.items[1].position == at(1, 30))
    #expect(ports.items[1][.containerPort]?.position == at(1, 46))
    #expect(ports.items[1][.containerPort]?.int == 443)
  }

  @Test func jsonIsYAML() throws {
    let root = try root(
      """
      {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {"replicas": 3}
      }
      """)
    #expect(root[.kind]?.string == "Deployment")
    #expect(root[.kind]?.position == at(3, 11))
    #expect(root[.spec]?[.replicas]?.int == 3)
    #expect(root[.spec]?[.replicas]?.position == at(4, 24))
  }

  @Test func columnsCountUnicodeScalarsNotBytes() throws {
    let root = try root("name: \"é日本\"\nimage: x\n")
    #expect(root["name"]?.string == "é日本")
    #expect(root[.image]?.position == at(2, 8))
    let other = try KubewardYAMLTests.root("é日本: 1\nkind: x\n")
    #expect(other.pairs[0].value.position == at(1, 6))
  }

  @Test func crlfAndByteOrderMark() throws {
    let text = "\u{FEFF}apiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: web\r\n"
    let root = try root(text)
    #expect(root.entry(.apiVersion)?.key.position == at(1, 1))
    #expect(root[.apiVersion]?.position == at(1, 13))
    #expect(root[.metadata]?[.name]?.position == at(4, 9))
    #expect(root[.metadata]?[.name]?.string == "web")
  }

  @Test func multilineScalarsEndWhereTheyEnd() throws {
    let root = try root("data:\n  script: |\n    echo a\n    echo b\nkind: ConfigMap\n")
    let script = try #require(root["data"]?["script"])
    #expect(script.scalarStyle == .literal)
    #expect(script.string == "echo a\necho b\n")
    #expect(script.position == at(2, 11))
    #expect(root[.kind]?.position == at(5, 7))
  }
}

@Suite("Documents")
struct DocumentTests {
  @Test func multipleDocumentsEmptyAndCommentOnlyOnes() {
    let file = read(
      """
      # leading comment
      kind: A
      ---
      ---
      # only a comment
      ---
      kind: B
      """)
    #expect(file.diagnostics.isEmpty)
    #expect(file.documents.count == 4)
    #expect(file.documents[0].root?[.kind]?.string == "A")
    #expect(file.documents[1].isEmpty)
    #expect(file.documents[2].isEmpty)
    #expect(file.documents[3].root?[.kind]?.string == "B")
    #expect(file.documents[3].root?[.kind]?.position == at(7, 7))
  }

  @Test func emptyInput() {
    let file = read("")
    #expect(file.diagnostics.isEmpty)
    #expect(file.documents.allSatisfy { $0.isEmpty })
  }

  @Test func keysAreRecognised() throws {
    let root = try root("spec: 1\n\"kind\": 2\n'<<': 3\nunknownKey: 4\n")
    #expect(root.pairs[0].key.key == .spec)
    #expect(root.pairs[1].key.key == .kind)
    #expect(root.pairs[2].key.key == nil)  // a quoted << is an ordinary key
    #expect(root.pairs[3].key.key == nil)
    #expect(root["unknownKey"]?.int == 4)
    #expect(root["'<<'"] == nil)
    #expect(root["<<"]?.int == 3)
  }

  @Test func scalarsNullsIntsAndBooleans() throws {
    let root = try root(
      "a: ~\nb: null\nc:\nd: 'null'\ne: 8080\nf: \"8080\"\ng: -3\nh: 1.5\ni: yes\nj: 'true'\nk: NULL\n"
    )
    #expect(root["a"]!.isNull && root["b"]!.isNull && root["c"]!.isNull && root["k"]!.isNull)
    #expect(!root["d"]!.isNull)
    // A quoted number is text to Kubernetes: an integer field rejects it.
    #expect(root["e"]?.int == 8080 && root["f"]?.int == nil && root["g"]?.int == -3)
    #expect(root["h"]?.int == nil)
    #expect(root["i"]?.bool == true && root["j"]?.bool == nil)
    #expect(root.scalar(.name) == nil)
    #expect(root["c"]?.text == nil && root["d"]?.text == "null")
  }

  /// Kubernetes reads YAML through go-yaml (YAML 1.1): these are all the number 30001 to the
  /// API server, so they are to kubeward.
  @Test(arguments: [
    "30001", "+30001", "0x7531", "0X7531", "0o72461", "072461", "0b111010100110001",
    "30_001", "3_0_0_0_1", "30001.0", "3.0001e4", "30001.", "!!int \"30001\"", "!!float 30001",
  ])
  func integersAsKubernetesReadsThem(_ scalar: String) throws {
    #expect(try root("port: \(scalar)\n")["port"]?.int == 30001, "\(scalar)")
  }

  @Test(arguments: [
    "\"30001\"", "'30001'", "!!str 30001", "30001.5", "0x", "08x", "1e400", "99999999999999999999",
    "3e-1", "true", "|\n  30001", "!custom 30001", "2001-12-14",
  ])
  func notIntegersToKubernetes(_ scalar: String) throws {
    #expect(try root("port: \(scalar)\n")["port"]?.int == nil, "\(scalar)")
  }

  /// A JSON file's surrogate pairs (`"\ud83d\ude00"`, as JSON writers escape 😀) are the
  /// character they encode, and a lone surrogate U+FFFD, as kubectl's JSON decoder reads them;
  /// what follows on the line keeps its column. In YAML, which refuses them, they stay errors.
  @Test func jsonSurrogateEscapesAreTheirCharacters() throws {
    let json = #"{"a": {"k\ud83d\ude00": "e\ud83d\ude00x", "l": "\ud800\\ud83d"}, "b": 12}"#
    let root = try root(json)
    let a = try #require(root["a"])
    #expect(a["k😀"]?.string == "e😀x")
    #expect(a["l"]?.string == "\u{FFFD}\\ud83d")
    let column = json.distance(from: json.startIndex, to: json.firstRange(of: "12")!.lowerBound)
    #expect(root["b"]?.position == at(1, column + 1))
    #expect(read("a: \"\\ud83d\\ude00\"\n").diagnostics.map(\.kind) == [.syntax])
  }

  /// `\'` in a double-quoted scalar, which YAML does not define and libyaml refuses, is `'`
  /// as go-yaml (kubectl, Kustomize, Helm) reads it: in keys and values, several in a
  /// scalar, in later documents, with what follows keeping its column. A block scalar's and
  /// an escaped backslash's are left as written. A file that writes a NUL itself keeps the
  /// error, which says kubectl reads the escape.
  @Test func apostropheEscapesAreReadAsKubectlReadsThem() throws {
    let text =
      #"a: {"k\'y": "it\'s \"\\' \'x", n: 1}"# + "\n" + #"b: "\\\'"  "# + "\nc: |\n  echo \\'hi\n"
      + #"---"# + "\n" + #"d: "x\'y\'z""# + "\n"
    let file = read(text)
    #expect(file.diagnostics.isEmpty, "\(file.diagnostics)")
    let first = try #require(file.documents.first?.root)
    let a = try #require(first["a"])
    #expect(a["k'y"]?.string == #"it's "\' 'x"#)
    let column = text.distance(from: text.startIndex, to: text.firstRange(of: "1}")!.lowerBound)
    #expect(a["n"]?.position == at(1, column + 1))
    #expect(first["b"]?.string == #"\'"#)
    #expect(first["c"]?.string == "echo \\'hi\n")
    #expect(file.documents.last?.root?["d"]?.string == "x'y'z")
    // A value left open ends at the next document, whose block scalar keeps its `\'`.
    let open = read(#"a: "x\'"# + "\n---\n" + #"b: |"# + "\n  echo \\'hi\n")
    #expect(open.diagnostics.map(\.kind) == [.syntax])
    #expect(open.documents.last?.root?["b"]?.string == "echo \\'hi\n")
    // A `!!binary` value's NULs are its own.
    let binary = try #require(
      read(#"a: !!binary "AAAA""# + "\n" + #"b: "it\'s""# + "\n").documents.first?.root)
    #expect(binary["a"]?.string == "\u{0}\u{0}\u{0}")
    #expect(binary["b"]?.string == "it's")
    let nul = read(#"a: "\x00""# + "\n" + #"b: "it\'s""# + "\n")
    #expect(nul.diagnostics.map(\.kind) == [.syntax])
    #expect(nul.diagnostics.first?.message.contains("kubectl reads it as '") == true)
    // JSON, which kubectl decodes as JSON, has no such escape either.
    let json = read(#"{"a": "it\'s"}"#)
    #expect(json.diagnostics.map(\.kind) == [.syntax])
    #expect(json.diagnostics.first?.message.contains("kubectl rejects this document") == true)
  }

  @Test func edgesOfGoYAMLNumbers() throws {
    #expect(try root("a: 08\n")["a"]?.int == 8)  // not octal, so a float: 8
    #expect(try root("a: -0b101\n")["a"]?.int == -5)
    #expect(try root("a: .5e1\n")["a"]?.int == 5)
    #expect(try root("a: -9223372036854775808\n")["a"]?.int == Int.min)
    #expect(try root("a: 9223372036854775808\n")["a"]?.int == nil)
  }

  /// `!!binary` is decoded as Kubernetes' decoder does; tags decide nulls and booleans.
  @Test func tagsAsKubernetesReadsThem() throws {
    let root = try root(
      "image: !!binary bmdpbng6bGF0ZXN0\nblock: !!binary |\n  bmdp\n  bng=\n"
        + "s: !!str null\nn: !!null ''\nb: !!bool yes\nq: !!str true\nx: ! 12\n")
    #expect(root["image"]?.string == "nginx:latest")
    #expect(root["image"]?.tag == .binary)
    #expect(root["block"]?.string == "nginx")
    #expect(root["s"]?.isNull == false && root["s"]?.text == "null")
    #expect(root["n"]?.isNull == true)
    #expect(root["b"]?.bool == true && root["q"]?.bool == nil)
    #expect(root["x"]?.int == nil && root["x"]?.tag == .str)
  }

  @Test func invalidBase64IsASyntaxError() {
    let file = read("image: !!binary not*base64\n")
    #expect(file.diagnostics.map(\.kind) == [.syntax])
    #expect(file.documents.first?.root?["image"]?.string == "not*base64")
  }

  @Test func pathsNameSequenceItemsByTheirName() throws {
    let root = try root(
      "spec:\n  containers:\n    - name: app\n      image: x\n    - image: y\n")
    let containers = try #require(root[.spec]?[.containers])
    #expect(containers.items[0][.image]?.path == "spec.containers[name=app].image")
    #expect(containers.items[1][.image]?.path == "spec.containers[1].image")
    #expect(root.entry(.spec)?.key.path == "spec")
    #expect(root.path == "")
  }

  /// In a large collection a node's place is found through an index made once: a scan for
  /// every path through a list of 100 000 items made their fingerprints quadratic (minutes).
  /// An alias that puts a node in the list twice keeps its first place, as the scan did.
  @Test func pathsThroughLargeCollectionsAreIndexed() throws {
    let count = 100_000
    var text = "list:\n  - &first {name: first}\n"
    for index in 1..<count { text += "  - {k: \(index)}\n" }
    text += "  - *first\nmap:\n"
    for index in 0..<200 { text += "  key\(index): \(index)\n" }
    let root = try root(text)
    let list = try #require(root["list"])
    let started = ContinuousClock.now
    for index in 0..<count {
      let expected = index == 0 ? "list[name=first]" : "list[\(index)].k"
      let node = index == 0 ? list.items[index] : list.items[index]["k"]
      #expect(node?.path == expected)
    }
    #expect(list.items[count].path == "list[name=first]")
    #expect(root["map"]?["key150"]?.path == "map.key150")
    #expect(root["map"]?.pairs[150].key.path == "map.key150")
    #expect(ContinuousClock.now - started < .seconds(30))
  }
}

@Suite("Anchors and merge keys")
struct AnchorTests {
  @Test func aliasIsTheAnchoredNodeNotACopy() throws {
    let root = try root(
      """
      base: &probe
        tcpSocket: {port: 80}
      readinessProbe: *probe
      """)
    let base = try #require(root["base"])
    let alias = try #require(root[.readinessProbe])
    #expect(alias == base)
    // A node with an anchor starts at its anchor.
    #expect(alias.position == at(1, 7))
    #expect(alias[.tcpSocket]?[.port]?.position == at(2, 21))
  }

  @Test func mergeKeyWithOneMapping() throws {
    let root = try root(
      """
      defaults: &defaults
        cpu: 100m
        memory: 64Mi
      limits:
        <<: *defaults
        memory: 128Mi
      """)
    let limits = try #require(root[.limits])
    #expect(limits[.memory]?.string == "128Mi")
    #expect(limits[.memory]?.position == at(6, 11))
    #expect(limits[.cpu]?.string == "100m")
    #expect(limits[.cpu]?.position == at(2, 8))
    #expect(limits.pairs.count == 2)
    #expect(limits[.merge] == nil)
  }

  @Test func mergeKeyWithListOfMappingsEarlierWins() throws {
    let root = try root(
      """
      a: &a {x: 1, y: 1}
      b: &b {y: 2, z: 2}
      c:
        <<: [*a, *b]
        w: 0
      """)
    let c = try #require(root["c"])
    #expect(c["x"]?.int == 1)
    #expect(c["y"]?.int == 1)
    #expect(c["z"]?.int == 2)
    #expect(c["w"]?.int == 0)
    #expect(c.pairs.map { $0.key.string } == ["w", "x", "y", "z"])
  }

  @Test func undefinedAliasIsADiagnostic() {
    let file = read("a: *nowhere\n---\nkind: B\n")
    #expect(file.diagnostics.map(\.kind) == [.undefinedAlias])
    #expect(file.diagnostics[0].range.start == at(1, 4))
    #expect(file.documents[0].root == nil)
    #expect(file.documents[1].root?[.kind]?.string == "B")
  }

  @Test func billionLaughsIsBoundedAndReported() {
    var lines = ["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
    let letters = Array("abcdefghij")
    for level in 1..<10 {
      let previous = letters[level - 1]
      let aliases = Array(repeating: "*\(previous)", count: 9).joined(separator: ",")
      lines.append("\(letters[level]): &\(letters[level]) [\(aliases)]")
    }
    let file = read(lines.joined(separator: "\n") + "\n---\nkind: Next\n")
    #expect(file.diagnostics.map(\.kind) == [.aliasExpansion])
    #expect(file.diagnostics[0].document == 0)
    // Level g (line 7) takes the expansion past a million nodes.
    #expect(file.diagnostics[0].range.start.line == 7)
    #expect(file.documents[0].root == nil)
    #expect(file.documents[1].root?[.kind]?.string == "Next")
    #expect(file.tree.nodeCount < 100)
  }

  /// A long scalar counts by its bytes: code that reads an alias copies its text each time.
  @Test func anAliasedLongScalarIsChargedByItsBytes() {
    let long = String(repeating: "x", count: 100_000)
    let aliases = Array(repeating: "*s", count: 700).joined(separator: ", ")
    let file = read("a: &s \(long)\nb: [\(aliases)]\n---\nkind: Next\n")
    // 700 aliases of 1 563 units each pass a million; 700 nodes would not.
    #expect(file.diagnostics.map(\.kind) == [.aliasExpansion])
    #expect(file.documents[0].root == nil)
    #expect(file.documents[1].root?[.kind]?.string == "Next")
  }

  /// Each document inside its budget, but the file's total past four times it (merge keys
  /// copied 400 bytes per byte of input): the documents after that are not linted.
  @Test func theAliasBudgetAlsoBoundsTheWholeFile() {
    let keys = (0..<1000).map { "k\($0): v" }.joined(separator: ", ")
    let merges = Array(repeating: "{<<: *b}", count: 450).joined(separator: ", ")
    let document = "b: &b {\(keys)}\nm: [\(merges)]\n"
    let file = read(Array(repeating: document, count: 6).joined(separator: "---\n"))
    // A document charges about 900 000 units; the fifth takes the file past 4 000 000.
    #expect(file.diagnostics.map(\.kind) == [.aliasExpansion, .aliasExpansion])
    #expect(file.diagnostics.map(\.document) == [4, 5])
    #expect(file.diagnostics[0].message.contains("this file"))
    #expect(file.documents[3].root?["m"]?.childCount == 450)
    #expect(file.documents[3].root?["m"]?.items.first?["k999"]?.string == "v")
    #expect(file.documents[4].root == nil)
  }
}

@Suite("Errors are diagnostics")
struct ErrorTests {
  /// `@` and `` ` `` are reserved: libyaml says only that a character "cannot start any
  /// token"; the message says which, and what a sed placeholder (`@NAME@`) needs.
  @Test func aReservedIndicatorIsNamed() {
    let placeholder = read("metadata:\n  name: @STS_NAME@\n---\né: `date`\n---\nkind: [\n")
    let messages = placeholder.diagnostics.map(\.message)
    #expect(messages.count == 3)
    #expect(messages[0].contains("`@` is reserved in YAML"), "\(messages[0])")
    #expect(placeholder.diagnostics[0].range.start == at(2, 9))
    #expect(messages[1].contains("a backtick is reserved in YAML"), "\(messages[1])")
    #expect(placeholder.diagnostics[1].range.start == at(4, 4))
    #expect(!messages[2].contains("reserved"), "\(messages[2])")
  }

  @Test func syntaxErrorKeepsEarlierDocumentsAndResumesAtTheNextDocument() {
    let file = read(
      """
      kind: First
      ---
      kind: Broken
        bad: [
      ---
      kind: Third
      """)
    #expect(file.diagnostics.map(\.kind) == [.syntax])
    #expect(file.diagnostics[0].range.start == at(4, 6))
    #expect(file.diagnostics[0].document == 1)
    #expect(file.documents.count == 3)
    #expect(file.documents[0].root?[.kind]?.string == "First")
    #expect(file.documents[1].root == nil && !file.documents[1].isComplete)
    #expect(file.documents[2].root?[.kind]?.string == "Third")
    #expect(file.documents[2].root?[.kind]?.position == at(6, 7))
  }

  @Test func duplicateKeyReportedAtTheSecondKey() {
    let file = read("metadata:\n  name: a\n  labels: {}\n  name: b\n")
    #expect(file.diagnostics.map(\.kind) == [.duplicateKey])
    #expect(file.diagnostics[0].range.start == at(4, 3))
    #expect(file.diagnostics[0].message.contains("line 2"))
    #expect(!file.diagnostics[0].message.contains("---"))
    #expect(file.documents[0].root?[.metadata]?[.name]?.string == "b")
    // An object's apiVersion and kind written again are most often a second object whose
    // `---` is missing: the message says so.
    let joined = read("apiVersion: v1\nkind: ConfigMap\napiVersion: v1\nkind: Secret\n")
    #expect(joined.diagnostics.count == 2)
    #expect(joined.diagnostics.allSatisfy { $0.message.contains("put a `---` line before it") })
  }

  /// A file of keys repeated a million times is not a million findings: the first thousand
  /// are reported, then one says how many more there are, at the last of them.
  @Test func duplicateKeysAreReportedAThousandTimesAtMost() {
    let file = read("data:\n" + String(repeating: "  a: b\n", count: 1_501))
    #expect(file.diagnostics.count == 1_001)
    #expect(file.diagnostics.allSatisfy { $0.kind == .duplicateKey })
    let summary = file.diagnostics[1_000]
    #expect(summary.message.hasPrefix("500 more keys are defined twice in this file"))
    #expect(summary.range.start == at(1_502, 3))
    let one = read("data:\n" + String(repeating: "  a: b\n", count: 1_002))
    #expect(one.diagnostics.last?.message.hasPrefix("1 more key is defined twice") == true)
  }

  @Test func duplicateKeysInLargeMappings() {
    var text = "data:\n"
    for index in 0..<40 { text += "  key\(index): v\n" }
    text += "  key7: again\n"
    let file = read(text)
    #expect(file.diagnostics.map(\.kind) == [.duplicateKey])
    #expect(file.diagnostics[0].range.start == at(42, 3))
  }

  @Test func deepNestingIsBounded() {
    let depth = 10_000
    let text =
      "a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
      + "\n---\nkind: Next\n"
    let file = read(text)
    #expect(file.diagnostics.map(\.kind) == [.nestingTooDeep])
    #expect(file.diagnostics[0].range.start == at(1, 4 + ReaderLimits.standard.maximumDepth - 1))
    #expect(file.documents[0].root == nil)
    #expect(file.documents[1].root?[.kind]?.string == "Next")
  }

  /// Past the limit the reader stops reading the document and resumes at the next one: libyaml
  /// looks at every open flow collection for each token, and reading on through 100 000 open
  /// brackets took quadratic time. What lies beyond the limit is not read: here, a closing
  /// brace that would be a syntax error.
  @Test func readingStopsAtTheDepthLimit() {
    let depth = 100_000
    let text =
      "a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth - 1)
      + "}\n---\nkind: Next\n"
    let file = read(text)
    #expect(file.diagnostics.map(\.kind) == [.nestingTooDeep])
    #expect(file.documents.count == 2)
    #expect(file.documents[0].root == nil)
    #expect(file.documents[1].root?[.kind]?.string == "Next")
  }

  @Test func binaryFile() {
    let file = YAMLReader().read([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x00, 0x00, 0x01])
    #expect(file.diagnostics.map(\.kind) == [.binaryFile])
    #expect(file.diagnostics[0].document == nil)
    #expect(file.documents.isEmpty)
    #expect(file.diagnostics[0].message.hasPrefix("binary file (a NUL byte at byte 5)"))
    // Text saved as UTF-16 is said to be so, with what to do.
    let utf16: [UInt8] = [0xFF, 0xFE] + Array("kind: A\n".utf8).flatMap { [$0, 0] }
    let text = YAMLReader().read(utf16)
    #expect(text.diagnostics.map(\.kind) == [.binaryFile])
    #expect(text.diagnostics[0].message.contains("save it as UTF-8"))
  }

  @Test func invalidUTF8IsOneFindingForTheFile() {
    var bytes = Array("kind: A\n---\nname: caf".utf8)
    bytes.append(0xE9)  // Latin-1 é
    bytes += Array("\n".utf8)
    let file = YAMLReader().read(bytes)
    #expect(file.diagnostics.map(\.kind) == [.invalidEncoding])
    #expect(file.diagnostics[0].range.start == at(3, 10))
    #expect(file.documents.isEmpty)
  }

  @Test func unrenderedHelmTemplateThatIsNotYAML() {
    let file = read(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: {{ include "app.fullname" . }}
        labels:
          {{- include "app.labels" . | nindent 4 }}
      """)
    #expect(file.diagnostics.map(\.kind) == [.unrenderedTemplate])
    #expect(file.diagnostics[0].range.start == at(4, 9))
    #expect(file.diagnostics[0].message.contains("helm template"))
  }

  /// A template that breaks the YAML is shown in the document where libyaml stops, not at
  /// one an earlier document quotes (the EBS CSI driver's gomplate scale tests).
  @Test func anUnrenderedTemplateIsShownInTheDocumentItBreaks() {
    let file = read(
      """
      kind: StorageClass
      parameters:
        tag: "run={{ .Env.RUN }}"
      ---
      kind: ConfigMap
      metadata: {name: a}
      ---
      {{- range $index, $value := seq 1 .Env.REPLICAS }}
      kind: PersistentVolumeClaim
      {{- end }}
      """)
    #expect(file.diagnostics.map(\.kind) == [.unrenderedTemplate])
    #expect(file.diagnostics.first?.range.start == at(8, 1))
    // A document without a template that breaks is a syntax error of its own, and the
    // documents after it are read (an earlier quoted template hid them).
    let plain = read(
      """
      kind: ClusterConfig
      metadata: {name: "{{ .Env.CLUSTER }}"}
      ---
      kind: Deployment
      spec:
        replicas: 1
       bad: x
      ---
      kind: Pod
      """)
    #expect(plain.diagnostics.map(\.kind).contains(.syntax))
    #expect(!plain.diagnostics.map(\.kind).contains(.unrenderedTemplate))
    #expect(plain.documents.last?.root?[.kind]?.string == "Pod")
    // libyaml may stop only at the `---` after a document that a template ends: still that
    // document's template.
    let ending = read(
      """
      kind: Pod
      spec:
        containers:
        - name: a
          env:
      {{ toYaml .Values.env | indent 4 }}
      ---
      kind: Pod
      """)
    #expect(ending.diagnostics.map(\.kind) == [.unrenderedTemplate])
    #expect(ending.diagnostics.first?.range.start == at(6, 1))
  }

  /// A file that opens with a template YAML reads (`{{ if … }}` as a key) and breaks after
  /// it: the template is said once (open-cluster-management's embedded templates were said
  /// twice at 1:1, the second time with libyaml's stop).
  @Test func aTemplateThatParsesThenBreaksIsSaidOnce() {
    let file = read(
      """
      {{if .Hosted}}
      kind: Service
      apiVersion: v1
      metadata:
        name: webhook
      {{else}}
      apiVersion: v1
      kind: Service
      {{end}}
      """)
    #expect(file.diagnostics.map(\.kind) == [.unrenderedTemplate], "\(file.diagnostics)")
    #expect(file.diagnostics.first?.range.start == at(1, 1))
  }

  @Test func unrenderedTemplateThatHappensToBeYAML() {
    let file = read("kind: Service\nmetadata:\n  name: {{ .Release.Name }}\n")
    #expect(file.diagnostics.map(\.kind) == [.unrenderedTemplate])
    #expect(file.diagnostics[0].range.start.line == 3)
    #expect(file.documents[0].root == nil)
    let quoted = read("apiVersion: v1\nkind: Pod\nspec:\n  image: \"{{ .Values.image }}\"\n")
    #expect(quoted.diagnostics.map(\.kind) == [.unrenderedTemplate])
  }

  /// A chart's values pass strings through Helm's `tpl`: quoted `{{ … }}` in a document that
  /// is no object (no top-level apiVersion and kind, whatever it nests) is a value, and the
  /// document is kept (loki's `values.yaml` was an unrendered-template error).
  @Test func quotedTemplatesInADocumentThatIsNoObjectAreValues() {
    let values = read(
      """
      loki:
        configObjectName: '{{ include "loki.name" . }}'
      lokiCanary:
        kind: DaemonSet
      monitoring:
        podLogs:
          apiVersion: monitoring.grafana.com/v1alpha1
      """)
    #expect(values.diagnostics.isEmpty, "\(values.diagnostics)")
    #expect(values.documents[0].root != nil)
    // Only one of the two is no object either; a structural template still is a template.
    #expect(read("kind: Pod\nimage: \"{{ .Values.image }}\"\n").diagnostics.isEmpty)
    let structural = read("values:\n  {{ .Values.x }}: 1\n")
    #expect(structural.diagnostics.map(\.kind) == [.unrenderedTemplate])
  }

  /// A template in quotes is YAML (external-secrets' `'{{ .cert | filterPEM "CERTIFICATE" }}'`,
  /// which its controller renders): a syntax error elsewhere in the file is the file's own,
  /// and said where libyaml stops. A Jinja tag (mkdocs-macros' `{% raw %}`) is a template.
  @Test func templatesInQuotesDoNotTakeTheBlameForOtherErrors() {
    let indented = read(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  t: \"{{ .x }}\"\n"
        + "  s: 'it''s {{ .y }}'\n  a: b\n   e: f\n")
    #expect(indented.diagnostics.map(\.kind) == [.syntax], "\(indented.diagnostics)")
    #expect(indented.diagnostics.first?.range.start.line == 9)
    let wrapped = read(
      "{% raw %}\napiVersion: v1\nkind: Secret\nstringData:\n  a: '{{ .b }}'\n{% endraw %}\n")
    #expect(wrapped.diagnostics.map(\.kind) == [.unrenderedTemplate], "\(wrapped.diagnostics)")
    #expect(wrapped.diagnostics.first?.range.start == at(1, 1))
    #expect(wrapped.diagnostics.first?.message.contains("`{% … %}` is not YAML") == true)
    // Unquoted, it is to blame.
    let unquoted = read("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .x }}\n   e: f\n")
    #expect(unquoted.diagnostics.map(\.kind) == [.unrenderedTemplate])
  }

  /// `image: #{Image}` is a null to YAML: the placeholder, written where a comment starts, is
  /// found after the value, with its place, in files with a byte order mark, multi-byte
  /// characters and a document read again after a syntax error; `# {x}`, `#{}` and `#{ x}`
  /// are comments.
  @Test func placeholdersYAMLReadsAsCommentsAreFound() {
    let file = read(
      "\u{FEFF}a: #{First}\né: #{Multi}\nb:\n  - #{Octopus.Action[Step].Output}#  # note\n"
        + "c: # {x}\nd: #{}\ne: #{ x}\nf: \"#{quoted}\"\n---\nkey: a: b\n---\ng: \t#{Last}\n")
    #expect(
      file.commentPlaceholders.map(\.text) == [
        "#{First}", "#{Multi}", "#{Octopus.Action[Step].Output}#", "#{Last}",
      ])
    #expect(
      file.commentPlaceholders.map(\.range.start) == [at(1, 4), at(2, 4), at(4, 5), at(12, 5)])
    #expect(
      file.commentPlaceholders.map(\.range.end) == [at(1, 12), at(2, 12), at(4, 36), at(12, 12)])
    #expect(file.commentPlaceholders.allSatisfy { $0.node.isNull })
    #expect(read("a: 1\nb: #{X}\n").commentPlaceholders.map(\.node.path) == ["b"])
    #expect(read("a: 1 #{X}\n").commentPlaceholders.isEmpty)
    // After an anchor, libyaml's mark is at it; a flow mapping commented out is no
    // placeholder.
    let marked = read("a: &x #{A}\nc: #{disktype: ssd}\nd: #{a, b}\ne: #{a:b}\n")
    #expect(marked.commentPlaceholders.map(\.text) == ["#{A}", "#{a:b}"])
    #expect(marked.commentPlaceholders.first?.range.start == at(1, 7))
  }

  /// `{{ x }}` parses as a mapping whose key is the mapping `{ x }`: the template is where the
  /// outer braces are, both of them (an external-dns snippet was pointed at its second brace).
  @Test func aTemplateThatParsesIsShownAtItsBraces() {
    let file = read(
      "kind: Service\nmetadata:\n  annotations:\n    target: {{ Elastic-IP-address }}\n")
    #expect(file.diagnostics.map(\.kind) == [.unrenderedTemplate])
    #expect(file.diagnostics.first?.range.start == at(4, 13))
    #expect(file.diagnostics.first?.range.end == at(4, 15))
  }

  @Test func templatesOfOtherToolsAreNotSentToHelm() {
    // kube-burner's object templates, and Jinja (Ansible, cookiecutter).
    let kubeBurner = read(
      "kind: Deployment\nmetadata:\n  name: app-{{.Replica}}-{{.Iteration}}\nspec:\n  replicas: {{.podReplicas}}\n"
    )
    let jinja = read(
      "kind: ConfigMap\nmetadata:\n  name: {{ app_name }}\ndata:\n{% for key in keys %}\n  {{ key }}: x\n{% endfor %}\n"
    )
    for file in [kubeBurner, jinja] {
      #expect(file.diagnostics.map(\.kind) == [.unrenderedTemplate])
      #expect(!file.diagnostics[0].message.contains("helm"))
      #expect(
        file.diagnostics[0].message.contains(
          "render it first with the tool it is written for (the tool's output piped to "
            + "`kubeward lint -`), or, if it is a blank for a reader to fill in"))
    }
  }

  /// Argo's parameters are filled in by its controller at run time: unquoted, the document
  /// is no YAML, and the advice is to quote them, not to render the file (argo-rollouts'
  /// `linkerd.io/inject: {{args.linkerd-enabled}}`).
  @Test func argoParametersAreToBeQuotedNotRendered() {
    let rollouts = read(
      "kind: AnalysisTemplate\nspec:\n  annotations:\n    inject: {{args.linkerd-enabled}}\n    ns: \"{{ args.namespace }}\"\n"
    )
    #expect(rollouts.diagnostics.map(\.kind) == [.unrenderedTemplate])
    #expect(rollouts.diagnostics.first?.message.contains("quote it") == true)
    #expect(rollouts.diagnostics.first?.message.contains("render it first") == false)
    // One action of another tool among them: the file is rendered by some tool.
    let mixed = read(
      "kind: Workflow\nspec:\n  a: {{inputs.parameters.x}}\n  b: {{ app_name }}\n")
    #expect(mixed.diagnostics.first?.message.contains("render it first with the tool") == true)
  }

  @Test func helmIsToldByItsObjectsAnywhereInAnAction() {
    let file = read(
      "kind: Deployment\nmetadata:\n  name: {{ default \"web\" .Values.nameOverride }}\n")
    #expect(file.diagnostics.map(\.kind) == [.unrenderedTemplate])
    #expect(file.diagnostics[0].message.contains("`helm template RELEASE CHART | kubeward lint -`"))
    let quoted = read("apiVersion: v1\nkind: Pod\nspec:\n  image: \"{{ .Values.image }}\"\n")
    #expect(quoted.diagnostics[0].message.contains("helm template"))
  }

  @Test func legitimateBracesAreNotTemplates() {
    let file = read(
      """
      kind: PrometheusRule
      spec:
        description: Instance {{ $labels.instance }} is down
        summary: '{{ $value }} errors'
      # a comment with {{ braces }}
      """)
    #expect(file.diagnostics.isEmpty)
    #expect(file.documents[0].root != nil)
  }

  @Test func syntaxErrorWithBracesOnlyInACommentIsASyntaxError() {
    let file = read("# see {{ docs }}\nkind: A\n  bad: [\n")
    #expect(file.diagnostics.map(\.kind) == [.syntax])
  }
}

@Suite("Raw buffers")
struct RawBufferTests {
  @Test func growsKeepsAndTruncates() {
    var buffer = RawBuffer<UInt32>(capacity: 2)
    defer { buffer.deallocate() }
    for value in 0..<1000 { buffer.append(UInt32(value)) }
    let tail: [UInt32] = [7, 8, 9]
    tail.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
    buffer.append(contentsOf: UnsafeBufferPointer(start: nil, count: 0))
    #expect(buffer.count == 1003)
    #expect(buffer.withUnsafeBufferPointer { Array($0) } == (0..<1000).map(UInt32.init) + tail)
    buffer[5] = 55
    #expect(buffer[5] == 55)
    buffer.truncate(to: 3)
    #expect(buffer.withUnsafeBufferPointer { Array($0) } == [0, 1, 2])
    buffer.removeAll()
    #expect(buffer.isEmpty)
    buffer.append(4)
    #expect(buffer[0] == 4 && buffer.count == 1)
  }
}

@Suite("Well-known keys")
struct KeyRecognitionTests {
  /// Every key the model reads is recognised, whatever the others hash to; text that differs
  /// by one byte, is longer or shorter, is not.
  @Test func everyKeyAndNoNearMiss() throws {
    for key in Key.allCases where key != .merge {
      let name = key.text
      var changed = Array(name.utf8)
      changed[changed.count / 2] =
        changed[changed.count / 2] == UInt8(ascii: "x")
        ? UInt8(ascii: "y") : UInt8(ascii: "x")
      let misses = [String(decoding: changed, as: UTF8.self), name + "s", String(name.dropLast())]
        .filter { candidate in !Key.allCases.contains { $0.text == candidate } }
      let text = ([name] + misses).map { "\($0): 1" }.joined(separator: "\n")
      let root = try #require(read(text).documents.first?.root)
      let keys = root.pairs.map(\.key.key)
      #expect(keys.first == key, "\(name)")
      #expect(keys.dropFirst().allSatisfy { $0 == nil }, "near misses of \(name): \(misses)")
    }
  }
}

@Suite("Recycled tree buffers")
struct BufferRecyclingTests {
  /// A manifest whose every scalar spells where it is: `k<i>: v<i>`, nested `depth` deep.
  private func manifest(size: Int, tag: String) -> (text: String, values: [String]) {
    var text = "root:\n"
    var values: [String] = []
    for index in 0..<size {
      text += "  k\(index): \(tag)-\(index)\n"
      values.append("\(tag)-\(index)")
    }
    return (text, values)
  }

  private func values(of file: ParsedFile) -> [String] {
    guard let root = file.documents.first?.root?["root"] else { return [] }
    return root.pairs.compactMap { $0.value.string }
  }

  /// Trees read one after another, large then small then large, each into buffers the
  /// previous ones left, hold exactly their own nodes; and the trees of several threads at
  /// once never share buffers.
  @Test func treesHoldOnlyTheirOwnNodes() async {
    let sizes = [2000, 3, 500, 1, 4000, 10, 0, 700]
    for (round, size) in sizes.enumerated() {
      let (text, expected) = manifest(size: size, tag: "r\(round)")
      let file = read(text)
      #expect(values(of: file) == expected)
      // The document mapping, the `root` key, its mapping (a null when empty), two per pair.
      #expect(file.tree.nodeCount == 3 + 2 * size)
    }
    await withTaskGroup(of: Bool.self) { group in
      for task in 0..<8 {
        group.addTask {
          for round in 0..<40 {
            let (text, expected) = self.manifest(
              size: (task * 37 + round * 11) % 300, tag: "t\(task)-\(round)")
            // Kept alive across the next read, so that no two live trees can share buffers.
            let file = read(text)
            let other = read(text)
            if self.values(of: file) != expected || self.values(of: other) != expected {
              return false
            }
          }
          return true
        }
      }
      for await ok in group { #expect(ok) }
    }
  }
}

@Suite("Positions")
struct SourcePositionTests {
  /// Stored in 32 bits: out-of-range values clamp instead of trapping.
  @Test func clampToThirtyTwoBits() {
    var position = SourcePosition(line: 5_000_000_000, column: -3)
    #expect(position.line == Int(UInt32.max) && position.column == 0)
    position.line = 7
    position.column = 12
    #expect(position == SourcePosition(line: 7, column: 12) && position.description == "7:12")
    #expect(SourcePosition(line: 2, column: 9) < SourcePosition(line: 3, column: 1))
  }
}

@Suite("Keys by text")
struct KeysByTextTests {
  @Test func lastOfARepeatedKeyWinsAsInKubernetes() throws {
    let file = read("a: 1\nb: 2\na: 3\n")
    let node = try #require(file.documents.first?.root)
    #expect(node.value(forKey: "a")?.string == "3")
    #expect(node["a"]?.string == "3")
    #expect(node.entry("a")?.key.position.line == 3)
    #expect(node.value(forKey: "b")?.string == "2")
    #expect(node.value(forKey: "c") == nil)
    #expect(node.value(forKey: "") == nil)
  }

  @Test func emptyAndUnusualKeys() throws {
    // A collection as a key is said (kubectl rejects it), and the tree kept.
    let file = read("\"\": empty\n? [a, b]\n: list\nplain: {}\n")
    #expect(file.diagnostics.map(\.kind) == [.syntax])
    #expect(file.diagnostics.first?.range.start == at(2, 3))
    let node = try #require(file.documents.first?.root)
    #expect(node.value(forKey: "")?.string == "empty")
    // A collection as a key is not any text.
    #expect(node.value(forKey: "[a, b]") == nil)
    #expect(node.value(forKey: "plain")?.isMapping == true)
    // A scalar or a sequence has no keys.
    #expect(node.value(forKey: "plain")?.value(forKey: "x") == nil)
    #expect(try root("- a\n- b\n").value(forKey: "a") == nil)
  }
}

@Suite("Keys of large mappings")
struct LargeMappingKeyTests {
  /// Past `NodeTree.indexedPairs` pairs, keys are found through an index: with the scan's
  /// answers (the last of a repeated key, bytes compared as bytes).
  @Test func theIndexAnswersAsTheScanDoes() throws {
    var text = ""
    for index in 0..<200 { text += "key-\(index): \(index)\n" }
    text += "key-7: last\n\"caf\\u00e9\": composed\n\"cafe\\u0301\": decomposed\n? [a]\n: list\n"
    // The repeated key is a diagnostic, and the tree still has both.
    let node = try #require(read(text).documents.first?.root)
    #expect(node.pairs.count >= NodeTree.indexedPairs)
    #expect(node.value(forKey: "key-0")?.string == "0")
    #expect(node.value(forKey: "key-199")?.string == "199")
    #expect(node.value(forKey: "key-7")?.string == "last")
    #expect(node.value(forKey: "key-200") == nil)
    #expect(node.value(forKey: "caf\u{e9}")?.string == "composed")
    #expect(node.value(forKey: "cafe\u{301}")?.string == "decomposed")
    #expect(node.value(forKey: "[a]") == nil)
    #expect(node.entry("key-3")?.key.position.line == 4)
  }
}

/// `UncountedNode` reads what `Node` reads, without counting references to the tree.
@Test func uncountedNodesReadWhatNodesRead() throws {
  // A key written twice is a diagnostic (not `root`'s clean file).
  let mapping = try #require(
    read(
      """
      a: {b: [1, {c: x}]}
      a2: 2
      a: {b: [3]}
      """
    ).documents.first?.root)
  let uncounted = UncountedNode(mapping)
  #expect(uncounted.isMapping)
  // The last of a key written twice, as `Node.value(forKey:)`.
  let a = try #require(uncounted.value(forKey: "a"))
  #expect(a.node == mapping.value(forKey: "a"))
  let b = try #require(a.value(forKey: "b"))
  #expect(b.kind == .sequence && b.itemCount == 1 && !b.isMapping)
  #expect(b.item(at: 0).node.string == "3")
  #expect(uncounted.value(forKey: "missing") == nil && b.value(forKey: "b") == nil)
  #expect(uncounted.itemCount == 0)
  // A mapping large enough to be looked up through its index.
  let large = try root((0..<300).map { "k\($0): \($0)" }.joined(separator: "\n"))
  #expect(UncountedNode(large).value(forKey: "k299")?.node.string == "299")
}
