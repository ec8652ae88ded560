/// Names as CEL and Kubernetes define them, for hosts that check the names a policy gives.
public enum Names {
  /// Whether `name` is a CEL identifier: `[_a-zA-Z][_a-zA-Z0-9]*`, and not a literal's word
  /// (`true`, `false`, `null`), `in`, or a word CEL keeps for itself (the API server's
  /// `isCELIdentifier`).
  public static func isIdentifier(_ name: String) -> Bool {
    let bytes = name.utf8
    guard let first = bytes.first, first == UInt8(ascii: "_") || isLetter(first),
      bytes.allSatisfy({ $0 == UInt8(ascii: "_") || isLetter($0) || (0x30...0x39).contains($0) })
    else { return false }
    return !Lexer.reservedWords.contains(name) && !["true", "false", "null", "in"].contains(name)
  }

  private static func isLetter(_ byte: UInt8) -> Bool {
    (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
  }

  /// What Kubernetes' `IsQualifiedName` finds wrong with `text` (an optional DNS subdomain and
  /// `/`, then a name of at most 63 characters): nothing when it is one.
  public static func qualifiedNameProblems(_ text: String) -> [String] {
    NamedFormat.qualifiedName(text)
  }

  /// What Kubernetes' `IsValidLabelValue` finds wrong with `text` (empty, or at most 63
  /// letters, digits, `-`, `_` and `.`, alphanumeric at both ends): nothing when it is one.
  public static func labelValueProblems(_ text: String) -> [String] {
    NamedFormat.labelValue(text)
  }

  /// What Kubernetes' `IsDNS1123Subdomain` finds wrong with `text` (lowercase letters, digits,
  /// `-` and `.`, alphanumeric at both ends of each part, at most 253 characters): nothing
  /// when it is one. The API server names ValidatingAdmissionPolicies and their bindings so.
  public static func dnsSubdomainProblems(_ text: String) -> [String] {
    NamedFormat.dns1123Subdomain(Array(text.utf8)[...])
  }
}
