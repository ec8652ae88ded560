import KubewardEngine
import KubewardModel

/// `alpine-image`: Alpine-based images, whose musl resolver broke in-cluster DNS (I-7).
struct AlpineImage: ObjectPolicy {
  static let id = "alpine-image"
  static let checksPartialObjects = true

  init(options: PolicyOptions) {}

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    for container in object.podSpec?.containers ?? [] {
      guard let image = container.image, let reference = container.imageReference,
        Self.namesAlpine(reference), !Self.runsTheHostsPrograms(container)
      else { continue }
      // The failures are name lookups: a container that shows none (a standalone Redis, a
      // client of 127.0.0.1) may never make one, and one that only sleeps or echoes makes
      // none (a loop waiting with `nslookup api` is all lookups).
      let resolves = container.showsNameLookups
      if container.isTrivial && !resolves { continue }
      report.report(
        image,
        """
        uses \(image.string ?? ""), an Alpine-based image: its musl resolver has caused DNS \
        resolution failures inside clusters (search domains, ndots; no TCP fallback before \
        Alpine 3.18)\
        \(resolves ? "; build" : " for containers that look names up; this one shows no sign of it, so if it does, build") \
        on a glibc-based image such as Debian slim or distroless
        """,
        container: container, adjustment: resolves ? .standard : .info)
    }
  }

  /// Whether its command enters another root to run what it runs there (`nsenter
  /// --mount=/proc/1/ns/mnt -- bash -c …`, `chroot /host …`): the host's programs and C
  /// library then run, not the image's musl (Longhorn's node installers).
  static func runsTheHostsPrograms(_ container: Container) -> Bool {
    guard let program = container.node.items(.command).first?.string else { return false }
    return EphemeralStorageLimit.otherRoots.contains(
      ASCIIText.lastPathComponent(Substring(program)))
  }

  /// Whether a repository path component or the tag has `alpine` (or `alpine3.19`) as one of
  /// its `-`/`_`/`.`/`/`-separated tokens; `alpinejs` does not.
  static func namesAlpine(_ reference: ImageReference) -> Bool {
    hasAlpineToken(reference.repository) || reference.tag.map(hasAlpineToken) == true
  }

  private static func hasAlpineToken(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { bytes in
      var tokenStart = 0
      for index in 0...bytes.count {
        let isSeparator =
          index == bytes.count || bytes[index] == UInt8(ascii: "-")
          || bytes[index] == UInt8(ascii: "_") || bytes[index] == UInt8(ascii: ".")
          || bytes[index] == UInt8(ascii: "/")
        guard isSeparator else { continue }
        if isAlpineToken(bytes[tokenStart..<index]) { return true }
        tokenStart = index + 1
      }
      return false
    }
  }

  /// `alpine` optionally followed by a version's leading digits (`alpine3`, from `alpine3.19`).
  private static func isAlpineToken(_ token: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
    guard token.starts(with: "alpine".utf8) else { return false }
    return token.dropFirst(6).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
  }
}
