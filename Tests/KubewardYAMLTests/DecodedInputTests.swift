import Testing

@_spi(Testing) @testable import KubewardYAML

/// Printable ASCII input is handed to libyaml's scanner already decoded (`DecodedInput`).
/// Everything the reader returns must be the same as when libyaml decodes the input itself.
@Suite("Input libyaml does not decode")
struct DecodedInputTests {
  @Test func exactlyTheASCIICharactersYAMLAllowsAreTakenAsDecoded() {
    let allowed = Set<UInt8>([0x09, 0x0A, 0x0D]).union(0x20...0x7E)
    // Each byte value alone, and at the end of a buffer longer than one checked block.
    var long = [UInt8](repeating: UInt8(ascii: "a"), count: 5_000)
    for byte in UInt8.min...UInt8.max {
      long[long.count - 1] = byte
      let alone = [byte].withUnsafeBufferPointer(DecodedInput.isPrintableASCII)
      let atTheEnd = long.withUnsafeBufferPointer(DecodedInput.isPrintableASCII)
      #expect(alone == allowed.contains(byte), "byte \(byte)")
      #expect(atTheEnd == allowed.contains(byte), "byte \(byte) at the end")
    }
    #expect([UInt8]().withUnsafeBufferPointer(DecodedInput.isPrintableASCII))
  }

  @Test func readsAsLibyamlsDecoderDoes() {
    for (index, text) in asciiEdgeCases.enumerated() {
      expectSameReads(Array(text.utf8), "edge case \(index): \(text.prefix(60).debugDescription)")
    }
  }

  /// Every prefix of a file stops the scanner at a different place, in the middle of every
  /// kind of token: the end of the input is where the two ways of feeding libyaml differ most.
  @Test func everyPrefixReadsAsLibyamlsDecoderReadsIt() {
    let text = Array(
      """
      %YAML 1.1
      --- !!map
      apiVersion: apps/v1   # a comment
      kind: "Deployment"
      metadata: {name: 'web''s', labels: {app: web}}
      spec:
        template:
          spec:
            containers:
            - &c {name: app, image: "nginx:1.27\\t"}
            - *c
            - ? complex
              : key
        script: |-
          echo one
            two
        folded: >
          a
          b
      ...
      ---
      - [a, b, {c: d}]
      - plain
        continued
      ---\r\nkey: value\r\n
      """.utf8)
    for end in 0...text.count {
      expectSameReads(Array(text[..<end]), "prefix of \(end) bytes")
    }
  }
}

private func expectSameReads(_ bytes: [UInt8], _ description: String) {
  var libyamlDecodes = YAMLReader()
  libyamlDecodes.decodesASCIIItself = false
  let decoded = YAMLReader().read(bytes)
  let reference = libyamlDecodes.read(bytes)
  #expect(decoded.isIdentical(to: reference), "\(description)")
}

/// Inputs that end, or break, in the middle of each kind of token, or stop libyaml early.
private let asciiEdgeCases: [String] = [
  "", " ", "\n", "\r", "\r\n", "\t", "#", "# only a comment\n", "---", "--- ", "...", "--- |",
  "a", "a:", "a: ", "a: b", "a: b\n", "- ", "-", "? ", "?", ":", "[", "]", "{", "}", "[a,",
  "{a: b", "'", "'a", "'a''", "\"", "\"a\\", "\"a\\x4", "\"\\u00e9\"", "&", "&a", "*", "*a",
  "!", "!tag", "!<tag:yaml.org,2002:str> a", "%", "%YAML", "%YAML 1.1", "%TAG ! tag:x,2000:",
  "|", "|2", "|-\n", ">\n  a\n b", "a: |\n  x\n", "a:\tb", "a: b\t# c", "a: b #c\nd: e",
  "key: value\r\nother: [1, 2]\r\n", "a: 1\nb: 2\na: 3\n", "a: {{ .Values.x }}\n",
  "kind: A\n---\nkind: Broken\n  bad: [\n---\nkind: C\n",
  "a: b\n  c: d\n", "- a\n- b\n -c\n", "a: *undefined\n",
  "x: &a [*a]\n", "---\n...\n---\n...\n", "a: b\n...\n# trailer",
  "a: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
  String(repeating: "k", count: 1_100) + ": v\n",
  "long: " + String(repeating: "word ", count: 20_000) + "\n",
]
