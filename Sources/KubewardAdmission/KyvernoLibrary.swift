import KubewardCEL

/// The functions of Kyverno's CEL libraries that need no cluster and that kubeward evaluates
/// as Kyverno does (`pkg/cel/libs`): a Kyverno policy's expressions are compiled with them.
enum KyvernoLibrary {
  static let library = Library.kubernetes.adding("parseServiceAccount", arity: 1) { arguments in
    guard case .string(let username) = arguments[0] else { return nil }
    return serviceAccount(username)
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
}
