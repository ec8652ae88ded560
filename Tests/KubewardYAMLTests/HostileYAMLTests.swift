import Testing

@testable import KubewardYAML

/// How long `body` takes, in seconds.
private func seconds(_ body: () -> Void) -> Double {
  let start = ContinuousClock.now
  body()
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// 32-bit FNV-1a, the hash the reader used for the keys of large mappings, from `state`.
private func fnv1a(_ bytes: [UInt8], from state: UInt32 = 2_166_136_261) -> UInt32 {
  var hash = state
  for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
  return hash
}

/// `2^stages` distinct keys of one length with one FNV-1a hash: for each stage, a pair of
/// six-character blocks that collide from the state the stages before leave is found by the
/// birthday bound (about 80 000 draws); every choice of one block per stage then collides.
private func collidingKeys(stages: Int) -> [String] {
  let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
  var random: UInt64 = 0x9E37_79B9_7F4A_7C15
  func next() -> Int {
    random ^= random << 13
    random ^= random >> 7
    random ^= random << 17
    return Int(random % UInt64(alphabet.count))
  }
  var state = fnv1a(Array("k".utf8))
  var pairs: [([UInt8], [UInt8])] = []
  for _ in 0..<stages {
    var seen: [UInt32: [UInt8]] = [:]
    while true {
      let block = (0..<6).map { _ in alphabet[next()] }
      let hash = fnv1a(block, from: state)
      if let other = seen[hash], other != block {
        pairs.append((other, block))
        state = hash
        break
      }
      seen[hash] = block
    }
  }
  var keys: [[UInt8]] = [Array("k".utf8)]
  for pair in pairs { keys = keys.flatMap { [$0 + pair.0, $0 + pair.1] } }
  return keys.map { String(decoding: $0, as: UTF8.self) }
}

@Suite("Hostile input: the reader")
struct HostileYAMLTests {
  /// `<<: *big` of a 160 000-key mapping: each merged key was checked by a linear scan (106 s).
  /// Each syntax error asked whether the file holds a template, and scanned it whole: a file of
  /// 80 000 errors and no template took 38 s. The scan is made once.
  @Test func manySyntaxErrorsScanTheFileOnce() {
    let bytes = Array(String(repeating: "]\n---\n", count: 40_000).utf8)
    var file: ParsedFile?
    let elapsed = seconds { file = YAMLReader().read(bytes) }
    #expect(elapsed < 5, "\(elapsed) s")
    #expect(file?.diagnostics.count ?? 0 >= 40_000)
  }

  @Test func mergingAHugeMappingIsLinear() {
    let keys = (0..<160_000).map { "  k\($0): v\n" }.joined()
    let text = "base: &big\n" + keys + "other:\n  <<: *big\n  own: 1\n"
    var file: ParsedFile?
    #expect(seconds { file = YAMLReader().read(text) } < 10)
    let other = file?.documents.first?.root?["other"]
    #expect(other?.pairs.count == 160_001)
    #expect(other?["own"]?.int == 1 && other?["k159999"]?.string == "v")
  }

  /// 100 000 anchors and 999 000 aliases: each alias scanned every anchor (over 2 minutes).
  @Test func manyAnchorsAndAliasesResolveInLinearTime() {
    var text = "anchors:\n"
    for index in 0..<100_000 { text += "  a\(index): &a\(index) v\(index)\n" }
    text += "aliases:\n"
    for index in 0..<999_000 { text += "  - *a\(index % 100_000)\n" }
    var file: ParsedFile?
    #expect(seconds { file = YAMLReader().read(text) } < 20)
    let aliases = file?.documents.first?.root?["aliases"]
    #expect(aliases?.items.count == 999_000)
    #expect(aliases?.items[123_456].string == "v23456")
  }

  /// A long scalar read many times is one string: a CEL expression reading a 1 MB field in
  /// a loop held a copy per read (gigabytes within its budget).
  @Test func longScalarsAreSharedByTheirReaders() {
    let long = String(repeating: "x", count: 100_000)
    let file = YAMLReader().read("long: \(long)\nshort: y\n")
    guard let node = file.documents.first?.root?["long"] else {
      Issue.record("no node")
      return
    }
    var first = node.sharedString ?? ""
    var second = node.sharedString ?? ""
    let a = first.withUTF8 { UInt(bitPattern: $0.baseAddress) }
    let b = second.withUTF8 { UInt(bitPattern: $0.baseAddress) }
    #expect(first == long)
    #expect(a == b)
    #expect(file.documents.first?.root?["short"]?.sharedString == "y")
  }

  /// Keys crafted to share one FNV-1a hash piled up in one bucket (40 000 took 11.5 s): the
  /// table is seeded per process, and the duplicate still found.
  @Test func keysCraftedToCollideStayLinear() {
    let keys = collidingKeys(stages: 15)
    #expect(keys.count == 1 << 15)
    #expect(Set(keys.map { fnv1a(Array($0.utf8)) }).count == 1)
    let text = keys.map { "\($0): v\n" }.joined() + "\(keys[7]): again\n"
    var file: ParsedFile?
    #expect(seconds { file = YAMLReader().read(text) } < 10)
    #expect(file?.diagnostics.map(\.kind) == [.duplicateKey])
  }
}

/// `InputText.hasRun` looks at eight bytes at a time; it must agree with the plain byte loop,
/// whatever sits beside the spaces (`!` is a space with its low bit set, which a borrowing
/// zero-byte test would take for a space).
@Test func runOfNonSpacesIsFoundAsTheByteLoopFindsIt() {
  func reference(_ bytes: [UInt8], _ limit: Int) -> Bool {
    var run = 0
    for byte in bytes {
      run = byte == UInt8(ascii: " ") ? 0 : run + 1
      if run > limit { return true }
    }
    return false
  }
  var generator = SystemRandomNumberGenerator()
  let alphabet: [UInt8] = [0x20, 0x21, 0x00, 0xA0, 0x61, 0x60, 0xE2]
  for _ in 0..<20_000 {
    let count = Int.random(in: 0...80, using: &generator)
    let spaceOdds = Int.random(in: 1...40, using: &generator)
    let bytes = (0..<count).map { _ in
      Int.random(in: 0..<spaceOdds, using: &generator) == 0
        ? UInt8(ascii: " ") : alphabet.randomElement(using: &generator)!
    }
    let limit = Int.random(in: 0...20, using: &generator)
    let found = bytes.withUnsafeBufferPointer { InputText.hasRun($0, longerThan: limit) }
    #expect(found == reference(bytes, limit), "\(bytes) limit \(limit)")
  }
}

/// What a viewer draws as nothing is shown, as the bidi controls are: zero-width spaces and
/// joiners, the byte order mark, soft hyphens, fillers, the tag characters that hide ASCII
/// from a reader, and the supplementary variation selectors (U+E0100–U+E01EF), 240 of which
/// after a character hide any bytes. Other characters, emoji and their variation selectors
/// (U+FE0F) included, are kept.
@Test func charactersAViewerDrawsAsNothingAreWrittenVisibly() {
  let hidden: [(String, String)] = [
    ("\u{200B}", "200B"), ("\u{200D}", "200D"), ("\u{2060}", "2060"), ("\u{2064}", "2064"),
    ("\u{FEFF}", "FEFF"), ("\u{00AD}", "00AD"), ("\u{034F}", "034F"), ("\u{180E}", "180E"),
    ("\u{3164}", "3164"), ("\u{FFFB}", "FFFB"), ("\u{1D173}", "1D173"), ("\u{E0041}", "E0041"),
    ("\u{E007F}", "E007F"), ("\u{206F}", "206F"), ("\u{E0100}", "E0100"), ("\u{E01EF}", "E01EF"),
  ]
  for (character, code) in hidden {
    #expect(VisibleText.needsEscaping("a\(character)b"), "\(code)")
    #expect(VisibleText.escaped("a\(character)b") == "a\\u{\(code)}b", "\(code)")
  }
  for kept in ["é", "€", "😀", "日本", "\u{A0}", "\u{2010}", "❤️", "\u{FE0E}", "\u{E01F0}", "ＡＢ"] {
    #expect(!VisibleText.needsEscaping("a\(kept)b"), "\(kept)")
    #expect(VisibleText.escaped("a\(kept)b") == "a\(kept)b", "\(kept)")
  }
}
