import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A point in time, as protobuf's `Timestamp`: seconds since the Unix epoch and nanoseconds,
/// from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
///
/// It keeps the offset from UTC it was written with, as Go's `time.Time` keeps its location:
/// `string(timestamp('2024-01-01T10:00:00+02:00'))` is that text again in cel-go, which
/// Kubernetes runs, and so is the timestamp an hour later. Equality, order and hashing are of
/// the instant alone.
public struct Timestamp: Sendable, Hashable, Comparable {
  public let seconds: Int64
  public let nanos: Int32
  /// Seconds east of UTC it is written in (`Z` when 0).
  public let offset: Int32

  static let minimumSeconds: Int64 = -62_135_596_800
  static let maximumSeconds: Int64 = 253_402_300_799

  /// `nil` outside the range.
  public init?(seconds: Int64, nanos: Int32 = 0, offset: Int32 = 0) {
    guard seconds >= Self.minimumSeconds, seconds <= Self.maximumSeconds, nanos >= 0,
      nanos < 1_000_000_000, abs(offset) < 86_400
    else { return nil }
    self.seconds = seconds
    self.nanos = nanos
    self.offset = offset
  }

  public static func < (a: Timestamp, b: Timestamp) -> Bool {
    (a.seconds, a.nanos) < (b.seconds, b.nanos)
  }

  public static func == (a: Timestamp, b: Timestamp) -> Bool {
    a.seconds == b.seconds && a.nanos == b.nanos
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(seconds)
    hasher.combine(nanos)
  }

  func adding(_ duration: Duration) -> Timestamp? {
    let (seconds, nanos) = Duration.normalise(
      seconds: seconds, duration.seconds, nanos: Int64(nanos) + Int64(duration.nanos))
    guard let seconds else { return nil }
    return Timestamp(seconds: seconds, nanos: Int32(nanos), offset: offset)
  }

  func subtracting(_ duration: Duration) -> Timestamp? {
    let (seconds, nanos) = Duration.normalise(
      seconds: seconds, -duration.seconds, nanos: Int64(nanos) - Int64(duration.nanos))
    guard let seconds else { return nil }
    return Timestamp(seconds: seconds, nanos: Int32(nanos), offset: offset)
  }

  func difference(_ other: Timestamp) -> Duration? {
    let (seconds, nanos) = Duration.normalise(
      seconds: seconds, -other.seconds, nanos: Int64(nanos) - Int64(other.nanos))
    // The difference must fit Go's `time.Duration` (int64 nanoseconds, about 292 years), as
    // in cel-go, which Kubernetes runs.
    guard let seconds, abs(seconds) < 9_223_372_036 else { return nil }
    return Duration(seconds: seconds, nanos: nanos)
  }

  /// RFC 3339 with as many fraction digits as needed, in the offset it was written in (Go's
  /// `Format(time.RFC3339Nano)`).
  /// The date and time of day where it is written (at its `offset`), and the day of the week
  /// (0 for Sunday), as Go's `time.Time` gives them.
  public var local:
    (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, weekday: Int64)
  {
    let civil = Civil(seconds: seconds + Int64(offset))
    return (civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.dayOfWeek)
  }

  public var text: String {
    let civil = Civil(seconds: seconds + Int64(offset))
    var text =
      pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2) + "T"
      + pad(civil.hour, 2) + ":" + pad(civil.minute, 2) + ":" + pad(civil.second, 2)
    if nanos > 0 {
      var fraction = pad(Int64(nanos), 9)
      while fraction.hasSuffix("0") { fraction.removeLast() }
      text += "." + fraction
    }
    guard offset != 0 else { return text + "Z" }
    let minutes = Int64(abs(offset)) / 60
    return text + (offset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
  }

  /// Parses RFC 3339 (`2009-02-13T23:31:30Z`, `…30.5+01:00`) as Go's `time.Parse` does:
  /// `T` and `Z` upper case (RFC 3339 allows lower case; Go, and so the API server, does not).
  public init?(parsing text: String) {
    let bytes = Array(text.utf8)
    func number(_ start: Int, _ count: Int) -> Int64? {
      guard start + count <= bytes.count else { return nil }
      var value: Int64 = 0
      for byte in bytes[start..<(start + count)] {
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        value = value * 10 + Int64(byte - 0x30)
      }
      return value
    }
    func byte(_ index: Int, _ expected: String) -> Bool {
      index < bytes.count && expected.utf8.contains(bytes[index])
    }
    guard let year = number(0, 4), byte(4, "-"), let month = number(5, 2), byte(7, "-"),
      let day = number(8, 2), byte(10, "T"), let hour = number(11, 2), byte(13, ":"),
      let minute = number(14, 2), byte(16, ":"), let second = number(17, 2),
      (1...12).contains(month), day >= 1, day <= Civil.daysIn(month: month, year: year),
      hour < 24, minute < 60, second < 60
    else { return nil }
    var index = 19
    var nanos: Int64 = 0
    if byte(index, ".") {
      index += 1
      var digits = 0
      while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
        if digits < 9 { nanos = nanos * 10 + Int64(bytes[index] - 0x30) }
        digits += 1
        index += 1
      }
      guard digits > 0 else { return nil }
      // Past nine digits the rest are dropped (Go's time.Parse truncates to nanoseconds);
      // a range `digits..<9` would trap there.
      for _ in 0..<max(0, 9 - digits) { nanos *= 10 }
    }
    var offset: Int64 = 0
    if byte(index, "Z") {
      index += 1
    } else if byte(index, "+-"), let hours = number(index + 1, 2), byte(index + 3, ":"),
      let minutes = number(index + 4, 2), hours < 24, minutes < 60
    {
      offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
      index += 6
    } else {
      return nil
    }
    guard index == bytes.count else { return nil }
    let seconds =
      Civil.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
      - offset
    self.init(seconds: seconds, nanos: Int32(nanos), offset: Int32(offset))
  }
}

/// A signed span of time, within what Go's `time.Duration` holds (±2^63 nanoseconds, about
/// 292 years), as in cel-go, which Kubernetes runs, and cel-cpp: protobuf's `Duration` reaches
/// 10 000 years, and `duration('2562048h')` or a sum past 2^63 ns, errors in the API server,
/// were values here.
public struct Duration: Sendable, Hashable, Comparable {
  public let seconds: Int64
  /// Same sign as `seconds` (or zero), below one second.
  public let nanos: Int32

  public init?(seconds: Int64, nanos: Int64 = 0) {
    let (normalised, rest) = Duration.normalise(seconds: seconds, 0, nanos: nanos)
    guard let normalised else { return nil }
    var whole = normalised
    var fraction = rest
    // Protobuf keeps both parts of one sign.
    if whole < 0 && fraction > 0 {
      whole += 1
      fraction -= 1_000_000_000
    }
    let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
    guard !overflow, !scaled.addingReportingOverflow(fraction).overflow else { return nil }
    self.seconds = whole
    self.nanos = Int32(fraction)
  }

  /// `a + b` seconds and `nanos` nanoseconds as whole seconds and nanoseconds in
  /// 0..<1e9; `nil` seconds on overflow.
  static func normalise(seconds a: Int64, _ b: Int64, nanos: Int64) -> (Int64?, Int64) {
    var carry = nanos / 1_000_000_000
    var rest = nanos % 1_000_000_000
    if rest < 0 {
      rest += 1_000_000_000
      carry -= 1
    }
    let (sum, overflow1) = a.addingReportingOverflow(b)
    let (total, overflow2) = sum.addingReportingOverflow(carry)
    return (overflow1 || overflow2 ? nil : total, rest)
  }

  var totalNanos: (Int64, Int64) { (seconds, Int64(nanos)) }

  public static func < (a: Duration, b: Duration) -> Bool {
    (a.seconds, a.nanos) < (b.seconds, b.nanos)
  }

  /// `nil` for the least duration, whose negation is past the greatest.
  var negated: Duration? {
    Duration(seconds: -seconds, nanos: -Int64(nanos))
  }

  func adding(_ other: Duration) -> Duration? {
    Duration(seconds: seconds + other.seconds, nanos: Int64(nanos) + Int64(other.nanos))
  }

  func subtracting(_ other: Duration) -> Duration? {
    Duration(seconds: seconds - other.seconds, nanos: Int64(nanos) - Int64(other.nanos))
  }

  /// Seconds with the fraction they need and an `s`: `1.5s`, `-0.000000001s`, `3600s`.
  public var text: String {
    let negative = seconds < 0 || nanos < 0
    var text = (negative ? "-" : "") + String(abs(seconds))
    if nanos != 0 {
      var fraction = pad(Int64(abs(nanos)), 9)
      while fraction.hasSuffix("0") { fraction.removeLast() }
      text += "." + fraction
    }
    return text + "s"
  }

  /// As cel-go writes it (`string(d)`, `format`): the seconds as Go's `Duration.Seconds`
  /// gives them, a double that may round (`1.14s` is `1.1400000000000001s`), in their
  /// shortest digits and never in exponent form (`strconv.FormatFloat(_, 'f', -1, 64)`).
  public var goText: String {
    let seconds = Double(self.seconds) + Double(nanos) / 1e9
    return CELFormat.goLayout(
      seconds, plainExponents: Int.min...Int.max, padsNegativeExponent: false) + "s"
  }

  /// Go's `time.ParseDuration` syntax (`1h30m`, `-1.5s`, `300ms`, `0`), over Go's range.
  public init?(parsing text: String) {
    var scalars = Array(text.unicodeScalars)
    var negative = false
    if let first = scalars.first, first == "-" || first == "+" {
      negative = first == "-"
      scalars.removeFirst()
    }
    if scalars == ["0"] {
      self.init(seconds: 0)
      return
    }
    guard !scalars.isEmpty else { return nil }
    // Whole nanoseconds, kept as seconds and nanoseconds so that no step overflows.
    var seconds: Int64 = 0
    var nanos: Int64 = 0
    var index = 0
    func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x30 && scalar.value <= 0x39 }
    while index < scalars.count {
      var whole: Int64 = 0
      var wholeDigits = 0
      while index < scalars.count, isDigit(scalars[index]) {
        let (product, overflow1) = whole.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = product.addingReportingOverflow(Int64(scalars[index].value - 0x30))
        guard !overflow1, !overflow2 else { return nil }
        whole = sum
        wholeDigits += 1
        index += 1
      }
      var fraction: [Int64] = []
      if index < scalars.count, scalars[index] == "." {
        index += 1
        while index < scalars.count, isDigit(scalars[index]) {
          fraction.append(Int64(scalars[index].value - 0x30))
          index += 1
        }
      }
      guard wholeDigits > 0 || !fraction.isEmpty else { return nil }
      var unit = ""
      while index < scalars.count, !isDigit(scalars[index]), scalars[index] != "." {
        unit.unicodeScalars.append(scalars[index])
        index += 1
      }
      // The unit in nanoseconds.
      let scale: Int64
      switch unit {
      case "ns": scale = 1
      case "us", "µs", "μs": scale = 1_000
      case "ms": scale = 1_000_000
      case "s": scale = 1_000_000_000
      case "m": scale = 60_000_000_000
      case "h": scale = 3_600_000_000_000
      default: return nil
      }
      // whole × scale, split into seconds and nanoseconds without overflow.
      let perSecond = Int64(1_000_000_000)
      if scale >= perSecond {
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale / perSecond)
        guard !overflow else { return nil }
        let (sum, overflow2) = seconds.addingReportingOverflow(product)
        guard !overflow2 else { return nil }
        seconds = sum
      } else {
        let unitsPerSecond = perSecond / scale
        let (sum, overflow) = seconds.addingReportingOverflow(whole / unitsPerSecond)
        guard !overflow else { return nil }
        seconds = sum
        nanos += (whole % unitsPerSecond) * scale
      }
      // The fraction of the unit, to the nanosecond (truncated, as Go does).
      var numerator: Int64 = 0
      var denominator: Int64 = 1
      for digit in fraction.prefix(18) {
        numerator = numerator * 10 + digit
        denominator *= 10
      }
      if numerator > 0 {
        // numerator / denominator × scale nanoseconds.
        let unitSeconds = scale / perSecond
        if unitSeconds > 0 {
          let total = Double(numerator) / Double(denominator) * Double(unitSeconds)
          let wholeSeconds = Int64(total.rounded(.towardZero))
          seconds += wholeSeconds
          nanos += Int64(((total - Double(wholeSeconds)) * 1e9).rounded(.towardZero))
        } else {
          nanos += Int64(
            (Double(numerator) / Double(denominator) * Double(scale)).rounded(.towardZero))
        }
      }
      seconds += nanos / perSecond
      nanos %= perSecond
    }
    if negative {
      seconds = -seconds
      nanos = -nanos
    }
    self.init(seconds: seconds, nanos: nanos)
  }
}

private func pad(_ value: Int64, _ width: Int) -> String {
  let digits = String(value)
  return digits.count >= width
    ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// A civil (proleptic Gregorian) date and time of day from seconds since the epoch.
struct Civil {
  let year: Int64, month: Int64, day: Int64
  let hour: Int64, minute: Int64, second: Int64
  /// Days since the epoch.
  let days: Int64

  init(seconds: Int64) {
    var days = seconds / 86_400
    var rest = seconds % 86_400
    if rest < 0 {
      rest += 86_400
      days -= 1
    }
    self.days = days
    hour = rest / 3600
    minute = rest % 3600 / 60
    second = rest % 60
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  }

  /// Days since the epoch of a civil date (days_from_civil).
  static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  static func isLeap(_ year: Int64) -> Bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
  }

  static func daysIn(month: Int64, year: Int64) -> Int64 {
    switch month {
    case 2: return isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  var dayOfYear: Int64 { days - Civil.days(year: year, month: 1, day: 1) }
  /// 0 for Sunday.
  var dayOfWeek: Int64 { ((days % 7) + 11) % 7 }
}

/// Time zones by IANA name (read from the system's zoneinfo files) or as a fixed offset
/// (`+05:30`, `-02:00`, `02:00`, `+25:00`).
enum TimeZones {
  /// The offset from UTC in seconds at `seconds` since the epoch, or `nil` for an unknown zone.
  /// `work` gains what looking its file up took, when it was (see `readingWork`).
  static func offset(_ zone: String, at seconds: Int64, work: inout Int) -> Int64? {
    // Go's `Local` is the API server's own zone: UTC in its container image, which sets none.
    if zone == "UTC" || zone == "Z" || zone.isEmpty || zone == "Local" { return 0 }
    if let fixed = fixedOffset(zone) { return fixed }
    return rules(of: zone, work: &work)?.offset(at: seconds)
  }

  /// Looking a zone's file up and reading it (the folders tried, the file parsed): about
  /// 25 µs, in units of `EvaluationContext.uncountedWork`. Names are kept (`zones`), but a
  /// policy can ask for a new one on every call (`'America/X' + string(i)`), each a few
  /// system calls that Kubernetes' cost does not see.
  static let readingWork = 1_000

  /// Zones read so far (`nil` for a name that is none): a policy asks for the same few zones
  /// on every object, and reading and parsing the file each time cost microseconds a call.
  /// At most `maximumZones`, so that hostile names cannot grow it without bound.
  private static let zones = Mutex<[String: TZif?]>([:])
  private static let maximumZones = 64

  private static func rules(of zone: String, work: inout Int) -> TZif? {
    if let known = zones.withLock({ $0[zone] }) { return known }
    work = work &+ readingWork
    let rules = zoneFile(zone).flatMap(TZif.init)
    zones.withLock { zones in
      if zones.count >= maximumZones { zones.removeAll() }
      zones[zone] = .some(rules)
    }
    return rules
  }

  /// A fixed offset as cel-go reads one: hours and minutes around the first `:`, each any
  /// decimal number (Go's strconv.Atoi, a sign allowed), the minutes taken from the hours when
  /// the text starts with `-`. `+25:00` is a day and an hour east, as in the API server. Past
  /// a few years either way it is no zone.
  private static func fixedOffset(_ zone: String) -> Int64? {
    guard let colon = zone.firstIndex(of: ":"),
      let hours = Int64(zone[..<colon]), let minutes = Int64(zone[zone.index(after: colon)...]),
      abs(hours) <= 100_000, abs(minutes) <= 6_000_000
    else { return nil }
    return (zone.first == "-" ? hours * 60 - minutes : hours * 60 + minutes) * 60
  }

  private static func zoneFile(_ name: String) -> [UInt8]? {
    // Names are paths under the zoneinfo folder: nothing that could leave it.
    guard name.utf8.count < 64,
      name.utf8.allSatisfy({ byte in
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
          || (byte >= 0x30 && byte <= 0x39) || "_-+/".utf8.contains(byte)
      }),
      !name.hasPrefix("/"), !name.contains("..")
    else { return nil }
    for folder in ["/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/"] {
      if let bytes = readFile(folder + name, limit: 1 << 20) { return bytes }
    }
    return nil
  }

  private static func readFile(_ path: String, limit: Int) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 8192)
    while true {
      let count = fread(&buffer, 1, buffer.count, file)
      if count <= 0 { break }
      bytes += buffer[0..<count]
      if bytes.count > limit { return nil }
    }
    return bytes
  }
}

/// A TZif file (RFC 8536): its transitions, and the POSIX TZ rule for times after them.
struct TZif {
  private var transitions: [Int64] = []
  private var transitionTypes: [Int] = []
  private var offsets: [Int64] = []
  private var rule: PosixRule?

  init?(_ data: [UInt8]) {
    func u32(_ at: Int) -> Int64? {
      guard at + 4 <= data.count else { return nil }
      let value =
        UInt32(data[at]) << 24 | UInt32(data[at + 1]) << 16 | UInt32(data[at + 2]) << 8
        | UInt32(data[at + 3])
      return Int64(Int32(bitPattern: value))
    }
    func i64(_ at: Int) -> Int64? {
      guard let high = u32(at), let low = u32(at + 4) else { return nil }
      return high << 32 | (low & 0xFFFF_FFFF)
    }
    guard data.count >= 44, data[0..<4].elementsEqual("TZif".utf8) else { return nil }
    func counts(_ at: Int) -> [Int]? {
      var values: [Int] = []
      for index in 0..<6 {
        guard let value = u32(at + 20 + index * 4), value >= 0, value < 100_000 else { return nil }
        values.append(Int(value))
      }
      return values
    }
    guard var header = counts(0) else { return nil }
    // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    var start = 44
    var timeSize = 4
    let version = data[4]
    if version >= 0x32 {
      // Skip the 32-bit block to the 64-bit one.
      let skip =
        header[3] * 5 + header[4] * 6 + header[5] + header[2] * 8 + header[1] + header[0]
      start = 44 + skip
      guard let second = counts(start) else { return nil }
      header = second
      start += 44
      timeSize = 8
    }
    let (timeCount, typeCount, charCount) = (header[3], header[4], header[5])
    var cursor = start
    for index in 0..<timeCount {
      guard let time = timeSize == 8 ? i64(cursor + index * 8) : u32(cursor + index * 4) else {
        return nil
      }
      transitions.append(time)
    }
    cursor += timeCount * timeSize
    guard cursor + timeCount <= data.count else { return nil }
    transitionTypes = data[cursor..<(cursor + timeCount)].map(Int.init)
    cursor += timeCount
    for index in 0..<typeCount {
      guard let offset = u32(cursor + index * 6) else { return nil }
      offsets.append(offset)
    }
    guard !offsets.isEmpty, transitionTypes.allSatisfy({ $0 < offsets.count }) else { return nil }
    cursor += typeCount * 6 + charCount + header[2] * (timeSize + 4) + header[1] + header[0]
    if version >= 0x32, cursor < data.count, data[cursor] == 0x0A,
      let end = data[(cursor + 1)...].firstIndex(of: 0x0A)
    {
      rule = PosixRule(String(decoding: data[(cursor + 1)..<end], as: UTF8.self))
    }
  }

  func offset(at seconds: Int64) -> Int64 {
    if let last = transitions.last, seconds >= last, let rule {
      return rule.offset(at: seconds)
    }
    guard let first = transitions.first, seconds >= first else {
      return rule.map { $0.offset(at: seconds) } ?? offsets[0]
    }
    // The last transition at or before `seconds`.
    var low = 0
    var high = transitions.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if transitions[middle] <= seconds { low = middle } else { high = middle - 1 }
    }
    return offsets[transitionTypes[low]]
  }
}

/// A POSIX TZ rule (`EST5EDT,M3.2.0,M11.1.0`, `<+0545>-5:45`): standard offset, and daylight
/// time between two dates each year.
struct PosixRule {
  private let standard: Int64
  private var daylight: Int64?
  private var start: (date: RuleDate, time: Int64)?
  private var end: (date: RuleDate, time: Int64)?

  enum RuleDate {
    /// `Mm.w.d`: day `d` (0 Sunday) of week `w` (5: the last) of month `m`.
    case month(Int64, Int64, Int64)
    /// `Jn`: day n of 1…365, February 29 never counted.
    case julian(Int64)
    /// `n`: day n of 0…365.
    case zeroBased(Int64)
  }

  init?(_ text: String) {
    var scanner = Array(text.unicodeScalars)[...]
    func name() -> Bool {
      if scanner.first == "<" {
        guard let close = scanner.firstIndex(of: ">") else { return false }
        scanner = scanner[(close + 1)...]
        return true
      }
      let letters = scanner.prefix(while: { $0.properties.isAlphabetic })
      guard letters.count >= 3 else { return false }
      scanner = scanner.dropFirst(letters.count)
      return true
    }
    func number() -> Int64? {
      let digits = scanner.prefix(while: { $0.value >= 0x30 && $0.value <= 0x39 })
      guard !digits.isEmpty, digits.count < 10 else { return nil }
      scanner = scanner.dropFirst(digits.count)
      return Int64(String(String.UnicodeScalarView(digits)))
    }
    /// `[+-]hh[:mm[:ss]]` as seconds.
    func time() -> Int64? {
      var sign: Int64 = 1
      if scanner.first == "+" || scanner.first == "-" {
        sign = scanner.first == "-" ? -1 : 1
        scanner = scanner.dropFirst()
      }
      guard let hours = number() else { return nil }
      var total = hours * 3600
      if scanner.first == ":" {
        scanner = scanner.dropFirst()
        guard let minutes = number() else { return nil }
        total += minutes * 60
        if scanner.first == ":" {
          scanner = scanner.dropFirst()
          guard let seconds = number() else { return nil }
          total += seconds
        }
      }
      return sign * total
    }
    func date() -> (RuleDate, Int64)? {
      var result: RuleDate
      if scanner.first == "M" {
        scanner = scanner.dropFirst()
        guard let month = number(), scanner.first == "." else { return nil }
        scanner = scanner.dropFirst()
        guard let week = number(), scanner.first == "." else { return nil }
        scanner = scanner.dropFirst()
        guard let day = number(), (1...12).contains(month), (1...5).contains(week), day < 7
        else { return nil }
        result = .month(month, week, day)
      } else if scanner.first == "J" {
        scanner = scanner.dropFirst()
        guard let day = number(), (1...365).contains(day) else { return nil }
        result = .julian(day)
      } else {
        guard let day = number(), day <= 365 else { return nil }
        result = .zeroBased(day)
      }
      var at: Int64 = 7200
      if scanner.first == "/" {
        scanner = scanner.dropFirst()
        guard let time = time() else { return nil }
        at = time
      }
      return (result, at)
    }
    guard name(), let offset = time() else { return nil }
    // POSIX offsets are west of Greenwich: UTC-5 is written 5.
    standard = -offset
    guard !scanner.isEmpty else { return }
    guard name() else { return nil }
    daylight = standard + 3600
    if scanner.first != ",", let offset = time() { daylight = -offset }
    guard scanner.first == "," else { return nil }
    scanner = scanner.dropFirst()
    guard let first = date(), scanner.first == "," else { return nil }
    scanner = scanner.dropFirst()
    guard let second = date(), scanner.isEmpty else { return nil }
    start = first
    end = second
  }

  func offset(at seconds: Int64) -> Int64 {
    guard let daylight, let start, let end else { return standard }
    let year = Civil(seconds: seconds + standard).year
    // Transitions in UTC: the start is in standard time, the end in daylight time.
    let begins = Self.day(start.date, year) * 86_400 + start.time - standard
    let ends = Self.day(end.date, year) * 86_400 + end.time - daylight
    let inDaylight =
      begins < ends ? (seconds >= begins && seconds < ends) : !(seconds >= ends && seconds < begins)
    return inDaylight ? daylight : standard
  }

  /// Days since the epoch of the rule's date in `year`.
  private static func day(_ date: RuleDate, _ year: Int64) -> Int64 {
    let january1 = Civil.days(year: year, month: 1, day: 1)
    switch date {
    case .julian(let day):
      let leapShift: Int64 = Civil.isLeap(year) && day >= 60 ? 1 : 0
      return january1 + day - 1 + leapShift
    case .zeroBased(let day):
      return january1 + day
    case .month(let month, let week, let weekday):
      let first = Civil.days(year: year, month: month, day: 1)
      let firstWeekday = ((first % 7) + 11) % 7
      var day = first + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
      let last = first + Civil.daysIn(month: month, year: year) - 1
      while day > last { day -= 7 }
      return day
    }
  }
}

/// Timestamps and durations: conversions, and the accessors with an optional time zone.
enum Time {
  /// `wholeMilliseconds`: a duration's `getMilliseconds()` is all of it in milliseconds, as
  /// cel-go (and so Kubernetes) computes it, not the milliseconds past its seconds, as the
  /// CEL specification and its conformance suite have it (a behaviour it says it will drop).
  /// What parsing `text` costs beyond the conversion's unit (see `register`).
  static func parsingSurcharge(_ text: String) -> Int {
    text.utf8.count <= 64 ? 0 : Library.traversalSurcharge(text)
  }

  static func register(_ library: inout Library, wholeMilliseconds: Bool) {
    // cel-go charges a conversion one unit, whatever its text: so does kubeward for any text
    // a duration or a timestamp is written in (64 bytes and less). A longer one is charged as
    // Kubernetes charges the string functions it knows, a unit per ten code points: a loop
    // parsing a 40 kB duration ran for minutes within its budget.
    library.add("timestamp", arity: 1) { arguments, context in
      switch arguments[0] {
      case .timestamp: return arguments[0]
      case .string(let text):
        guard context.spend(Self.parsingSurcharge(text)) else {
          return .error(costLimitExceeded)
        }
        return Timestamp(parsing: text).map(Value.timestamp)
          ?? .error(CELError("timestamp out of range or invalid: '\(text)'"))
      case .int(let seconds):
        return Timestamp(seconds: seconds).map(Value.timestamp)
          ?? .error(CELError("timestamp out of range"))
      default: return nil
      }
    }
    library.add("duration", arity: 1) { arguments, context in
      switch arguments[0] {
      case .duration: return arguments[0]
      case .string(let text):
        guard context.spend(Self.parsingSurcharge(text)) else {
          return .error(costLimitExceeded)
        }
        return Duration(parsing: text).map(Value.duration)
          ?? .error(CELError("invalid duration or out of range: '\(text)'"))
      // No int: cel-go converts a string or a duration only (`timestamp` takes ints).
      default: return nil
      }
    }
    let accessors: [(String, @Sendable (Civil, Int32) -> Int64)] = [
      ("getFullYear", { civil, _ in civil.year }),
      ("getMonth", { civil, _ in civil.month - 1 }),
      ("getDate", { civil, _ in civil.day }),
      ("getDayOfMonth", { civil, _ in civil.day - 1 }),
      ("getDayOfWeek", { civil, _ in civil.dayOfWeek }),
      ("getDayOfYear", { civil, _ in civil.dayOfYear }),
      ("getHours", { civil, _ in civil.hour }),
      ("getMinutes", { civil, _ in civil.minute }),
      ("getSeconds", { civil, _ in civil.second }),
      ("getMilliseconds", { _, nanos in Int64(nanos) / 1_000_000 }),
    ]
    for (name, accessor) in accessors {
      library.add(name, member: true, arity: 1) { arguments, _ in
        switch arguments[0] {
        case .timestamp(let timestamp):
          // In the offset it was written in: Go's `time.Time` accessors read its location.
          return .int(
            accessor(Civil(seconds: timestamp.seconds + Int64(timestamp.offset)), timestamp.nanos))
        case .duration(let duration):
          switch name {
          case "getHours": return .int(duration.seconds / 3600)
          case "getMinutes": return .int(duration.seconds / 60)
          case "getSeconds": return .int(duration.seconds)
          case "getMilliseconds":
            let component = Int64(duration.nanos) / 1_000_000
            return .int(wholeMilliseconds ? duration.seconds * 1_000 + component : component)
          default: return nil
          }
        default: return nil
        }
      }
      library.add(name, member: true, arity: 2) { arguments, context in
        guard case .timestamp(let timestamp) = arguments[0], case .string(let zone) = arguments[1]
        else { return nil }
        guard context.mayDoUncountedWork else {
          return .error(EvaluationContext.uncountedLimitExceeded)
        }
        var reading = 0
        let offset = TimeZones.offset(zone, at: timestamp.seconds, work: &reading)
        guard context.addUncountedWork(reading) else {
          return .error(EvaluationContext.uncountedLimitExceeded)
        }
        guard let offset else {
          return .error(CELError("unknown time zone: '\(zone)'"))
        }
        return .int(accessor(Civil(seconds: timestamp.seconds + offset), timestamp.nanos))
      }
    }
  }
}
