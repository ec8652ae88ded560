/// Images whose job is keeping data (databases, queues, log and metric stores), told by the
/// last part of their repository: what `ephemeral-storage-limit` asks of a container (it
/// writes its data to the node's disk without a volume of its own) and `single-replica` of a
/// workload (a second replica of a data store is a second store, not a spare). Each policy
/// has its list.
public enum DataImages {
  /// The entry of `names` that `container`'s image is (its repository's last part), also
  /// with a version after it: `postgresql-16`, `mysql-80-c9s` (Red Hat's and others' names).
  public static func name(of container: Container, among names: Set<String>) -> String? {
    guard !names.isEmpty, let repository = container.imageReference?.repository else {
      return nil
    }
    let name = ASCIIText.lastPathComponent(Substring(repository))
    if names.contains(String(name)) { return String(name) }
    // A version has at most one `-` in it: the name ends before one of the last two.
    let dash = UInt8(ascii: "-")
    guard let last = name.utf8.lastIndex(of: dash) else { return nil }
    let previous = name.utf8[..<last].lastIndex(of: dash)
    for found in [previous, last].compactMap({ $0 }) {
      let version = name[name.utf8.index(after: found)...]
      if isVersionSuffix(version), names.contains(String(name[..<found])) {
        return String(name[..<found])
      }
    }
    return nil
  }

  /// `16`, `80-c9s`, `36-rhel7`, `7-el9`, `15-ubi9`: a version, then perhaps a base's name.
  static func isVersionSuffix(_ text: Substring) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count <= 2, let version = parts.first, !version.isEmpty,
      version.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
    else { return false }
    guard parts.count == 2 else { return true }
    let base = parts[1]
    for prefix in ["c", "el", "rhel", "ubi"] where base.hasPrefix(prefix) {
      var digits = base.dropFirst(prefix.count)
      if prefix == "c" {
        guard digits.last == "s" else { continue }
        digits = digits.dropLast()
      }
      if !digits.isEmpty
        && digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
      {
        return true
      }
    }
    return false
  }
}
