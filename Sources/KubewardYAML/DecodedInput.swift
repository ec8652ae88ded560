import CYAML

/// A file's bytes in the form libyaml's scanner reads: characters already decoded, a NUL
/// after the last one.
///
/// libyaml decodes its input one character at a time, checking each against YAML's
/// printable set, before the scanner sees it: about a sixth of the raw parse time on
/// manifests. For input that is only printable ASCII (tab, line breaks, space to tilde), that
/// decoding is a check and a copy with no change, so kubeward makes the check and the copy
/// itself, many bytes at a time, and hands the scanner the finished buffer. Anything else (a
/// UTF-8 letter, a byte-order mark, a control character) goes through libyaml's own decoder,
/// which also reports the encoding errors.
final class DecodedInput {
  private let storage: UnsafeMutableBufferPointer<UInt8>
  private let count: Int

  /// The scanner looks a few characters ahead (4 at most, for `---` and `...`); past the end
  /// it finds NULs, as after libyaml's own buffer's last character.
  private static let padding = 16

  /// `nil` unless every byte of `bytes` is printable ASCII.
  init?(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard Self.isPrintableASCII(bytes) else { return nil }
    count = bytes.count
    storage = .allocate(capacity: bytes.count + Self.padding)
    if let base = bytes.baseAddress {
      storage.baseAddress!.initialize(from: base, count: bytes.count)
    }
    (storage.baseAddress! + bytes.count).initialize(repeating: 0, count: Self.padding)
  }

  deinit {
    storage.deallocate()
  }

  /// Runs `scan` with `parser`, fresh from `yaml_parser_set_input_string`, reading this input
  /// from byte `start` without decoding it. libyaml's own buffer is put back afterwards, for
  /// `yaml_parser_delete` to free.
  func scanning<Result>(
    with parser: UnsafeMutablePointer<yaml_parser_t>, from start: Int, _ scan: () -> Result
  ) -> Result {
    let ownBuffer = parser.pointee.buffer
    defer { parser.pointee.buffer = ownBuffer }
    let first = storage.baseAddress! + start
    let characters = count - start
    parser.pointee.buffer.start = first
    parser.pointee.buffer.pointer = first
    parser.pointee.buffer.end = storage.baseAddress! + storage.count
    // What libyaml's decoder leaves at the end of the input: every character, then one NUL
    // that counts as a character.
    parser.pointee.buffer.last = first + characters + 1
    parser.pointee.unread = characters + 1
    parser.pointee.encoding = YAML_UTF8_ENCODING
    parser.pointee.offset = characters
    // At the end of the input with nothing left in its raw buffer, libyaml's decoder
    // (`yaml_parser_update_buffer`) returns at once whenever the scanner calls it.
    parser.pointee.eof = 1
    precondition(parser.pointee.raw_buffer.pointer == parser.pointee.raw_buffer.last)
    return scan()
  }

  /// Tab, line feed, carriage return, and space to tilde: the ASCII characters YAML allows.
  static func isPrintableASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    // Branch-free within a block, so the compiler can check many bytes per instruction; the
    // block size bounds the work done past a rejected byte.
    let blockSize = 4096
    var blockStart = 0
    while blockStart < bytes.count {
      let blockEnd = min(blockStart + blockSize, bytes.count)
      var rejected: UInt8 = 0
      for index in blockStart..<blockEnd {
        let byte = bytes[index]
        let visible: UInt8 = byte &- 0x20 < 0x5F ? 1 : 0
        let tab: UInt8 = byte == 0x09 ? 1 : 0
        let lineFeed: UInt8 = byte == 0x0A ? 1 : 0
        let carriageReturn: UInt8 = byte == 0x0D ? 1 : 0
        rejected |= (visible | tab | lineFeed | carriageReturn) ^ 1
      }
      if rejected != 0 { return false }
      blockStart = blockEnd
    }
    return true
  }
}
