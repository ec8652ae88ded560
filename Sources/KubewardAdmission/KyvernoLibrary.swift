import KubewardCEL

#if canImport(Glibc)
  import Glibc
#endif

/// The functions of Kyverno's CEL environment that need no cluster, which kubeward evaluates
/// as Kyverno does: cel-go's math and encoders extensions (Kyverno's `compiler/env.go`), and
/// its own libraries `user`, `image`, `math`, `time` and `transform` (kyverno/sdk,
/// `extensions/cel/libs`). A Kyverno policy's expressions are compiled with them.
enum KyvernoLibrary {
  static let library: Library = {
    var library = Library.kubernetes.adding(.math, .encoders)
    library = library.adding("parseServiceAccount", arity: 1) { arguments in
      guard case .string(let username) = arguments[0] else { return nil }
      return serviceAccount(username)
    }
    library = addingImages(to: library)
    // `math.round(x, digits)` (`libs/math`): Go's `math.Round(x * 10^digits) / 10^digits`.
    library = library.adding("math.round", member: false, arity: 2) { arguments in
      guard case .double(let value) = arguments[0], case .int(let digits) = arguments[1] else {
        return nil
      }
      let shift = pow10(digits)
      return .double((value * shift).rounded(.toNearestOrAwayFromZero) / shift)
    }
    library = addingTime(to: library)
    for name in ["listObjToMap", "transform.listObjToMap"] {
      library = library.adding(
        name, member: false, arity: 4,
        surcharge: { arguments in
          guard case .list(let keys) = arguments[0] else { return 0 }
          return keys.count
        }, listObjectsToMap)
    }
    return library
  }()

  /// Go's `math.Pow(10, digits)`, step for step (its rounding differs from repeated
  /// multiplication in the last bit for some exponents, and its reciprocal is taken before
  /// the binary exponent is applied, so that 10^-320 is a subnormal, not zero over infinity):
  /// the mantissa squared by each bit of the exponent, the binary exponent kept apart.
  static func pow10(_ digits: Int64) -> Double {
    if digits == 0 { return 1 }
    if digits == 1 { return 10 }
    var power = 1.0
    var exponent = 0
    var base = frexp(10.0).0
    var baseExponent = frexp(10.0).1
    var bits = digits.magnitude
    while bits != 0 {
      // Catastrophic overflow: Go stops squaring.
      if baseExponent < -(1 << 12) || (1 << 12) < baseExponent {
        exponent += baseExponent
        break
      }
      if bits & 1 == 1 {
        power *= base
        exponent += baseExponent
      }
      base *= base
      baseExponent <<= 1
      if base < 0.5 {
        base += base
        baseExponent -= 1
      }
      bits >>= 1
    }
    if digits < 0 {
      power = 1 / power
      exponent = -exponent
    }
    return scalbn(power, exponent)
  }

  /// `parseServiceAccount` (`libs/user`): the namespace and the name in a service account's
  /// user name (`system:serviceaccount:NAMESPACE:NAME`, the name running to the end), both
  /// empty for any other user. Read as bytes, as Go reads it: a split at an ASCII colon.
  static func serviceAccount(_ username: String) -> Value {
    let prefix = Array("system:serviceaccount:".utf8)
    let bytes = Array(username.utf8)
    var namespace = ""
    var name = ""
    if bytes.starts(with: prefix),
      let colon = bytes[prefix.count...].firstIndex(of: UInt8(ascii: ":"))
    {
      namespace = String(decoding: bytes[prefix.count..<colon], as: UTF8.self)
      name = String(decoding: bytes[(colon + 1)...], as: UTF8.self)
    }
    // The fields as Kyverno's `user.ServiceAccount` names them (Go's field names).
    var fields = DictionaryMap()
    _ = fields.insert(.string("Name"), .string(name))
    _ = fields.insert(.string("Namespace"), .string(namespace))
    return .map(fields)
  }

  /// `time.now()`, `time.truncate(t, d)` and `time.toCron(t)` (`libs/time`).
  static func addingTime(to library: Library) -> Library {
    var library = library
    library = library.adding("time.now", member: false, arity: 0) { _ in
      var now = timespec()
      clock_gettime(CLOCK_REALTIME, &now)
      return Timestamp(seconds: Int64(now.tv_sec), nanos: Int32(now.tv_nsec)).map {
        .timestamp($0)
      }
    }
    // Go's `Time.Truncate`: down to a multiple of `d` since the zero time (0001-01-01 UTC),
    // as an absolute time; a duration of zero or less leaves the time as it is.
    library = library.adding("time.truncate", member: false, arity: 2) { arguments in
      guard case .timestamp(let time) = arguments[0], case .duration(let step) = arguments[1]
      else { return nil }
      let stepNanos = Int128(step.seconds) * 1_000_000_000 + Int128(step.nanos)
      guard stepNanos > 0 else { return arguments[0] }
      let sinceZero =
        (Int128(time.seconds) - Int128(zeroTimeSeconds)) * 1_000_000_000 + Int128(time.nanos)
      let truncated = sinceZero - sinceZero % stepNanos
      let seconds = Int64(truncated / 1_000_000_000) + zeroTimeSeconds
      let nanos = Int32(truncated % 1_000_000_000)
      return Timestamp(seconds: seconds, nanos: nanos, offset: time.offset).map {
        .timestamp($0)
      } ?? .error(CELError("timestamp overflow"))
    }
    // Minute, hour, day, month and weekday (0 for Sunday) of the time where it is written.
    library = library.adding("time.toCron", member: false, arity: 1) { arguments in
      guard case .timestamp(let time) = arguments[0] else { return nil }
      let local = time.local
      return .string(
        "\(local.minute) \(local.hour) \(local.day) \(local.month) \(local.weekday)")
    }
    return library
  }

  /// 0001-01-01T00:00:00Z, Go's zero time, in seconds since the epoch.
  static let zeroTimeSeconds: Int64 = -62_135_596_800

  /// `listObjToMap(keys, values, keyField, valueField)` (`libs/transform`): for each pair of
  /// maps at one index, the first's `keyField` (a string) maps to the second's `valueField`;
  /// a later key replaces an earlier one. The lists must be as long as each other.
  static func listObjectsToMap(_ arguments: [Value]) -> Value? {
    guard case .list(let keys) = arguments[0], case .list(let values) = arguments[1],
      case .string(let keyField) = arguments[2], case .string(let valueField) = arguments[3]
    else { return nil }
    guard keys.count == values.count else {
      return .error(
        CELError(
          "listObjToMap must take lists of equal length. list1: \(keys.count), list2: \(values.count)"
        ))
    }
    // Go converts each map whole to one of strings: a key of another type fails it.
    func stringKeyed(_ value: Value) -> (any MapValue)? {
      guard case .map(let map) = value else { return nil }
      return map.keys.allSatisfy({ if case .string = $0 { true } else { false } }) ? map : nil
    }
    var entries: [String: Value] = [:]
    var order: [String] = []
    for index in 0..<keys.count {
      guard let keyObject = stringKeyed(keys.element(at: index)) else {
        return .error(CELError("failed to convert key to a string"))
      }
      guard case .string(let key)? = keyObject.value(for: .string(keyField)) else {
        return .error(
          CELError(
            "the passed key name cannot be handled as a string in the key object list"))
      }
      guard let valueObject = stringKeyed(values.element(at: index)) else {
        return .error(
          CELError("object cannot be handled as a map string to any in the value object list"))
      }
      if entries[key] == nil { order.append(key) }
      // A missing field is Go's nil, which becomes CEL's null.
      entries[key] = valueObject.value(for: .string(valueField)) ?? .null
    }
    var map = DictionaryMap()
    for key in order { map.insert(.string(key), entries[key] ?? .null) }
    return .map(map)
  }
}
