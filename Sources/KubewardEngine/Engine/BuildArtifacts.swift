import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Images that a build tool replaces at deploy time: in a Skaffold project, the images its
/// `skaffold.yaml` builds (`image: contacts` becomes `gcr.io/project/contacts:abc123`); in a
/// Tilt project, the images its `Tiltfile` builds (`docker_build('velero/velero', …)`); in a ko
/// project (`.ko.yaml`), bare names without a registry or tag. Such a name is a placeholder for
/// the built image, not an untagged image from Docker Hub.
public enum BuildArtifacts {
  /// `inputs`, each with the images the build tool of its project replaces.
  static func marking(_ inputs: [LintInput]) -> [LintInput] {
    var projects = ProjectCache()
    // Written only where a build tool builds something: a run without one keeps the caller's
    // array rather than a second copy of every input.
    var marked = inputs
    for index in marked.indices {
      guard case .file = marked[index].source else { continue }
      let built = projects.builtImages(forFileNamed: marked[index].name)
      if !built.isEmpty {
        marked[index].builtImages.images.add(built.images)
        marked[index].builtImages.bareNames = marked[index].builtImages.bareNames || built.bareNames
      }
    }
    return marked
  }

  /// What a folder's build tool builds.
  public struct Built: Sendable, Equatable {
    /// Image names a `skaffold.yaml` or a `Tiltfile` lists (or a kustomization renames).
    public var images = ImageNameSets()
    /// A ko project: bare names are built.
    public var bareNames = false
    /// Image names whose tag a kustomization sets (`images: [{name: …, newTag: …}]`): the
    /// registry and repository stay, the tag written does not. Each is there with the tag it
    /// sets too (`taggedName`), so that the tag set can be judged as a written one is.
    public var retagged = ImageNameSets()

    public init() {}

    public var isEmpty: Bool { images.isEmpty && !bareNames && retagged.isEmpty }

    /// Whether the tag written for the image is replaced (the image too, or only its tag).
    public func replacesTag(of image: String) -> Bool {
      guard !retagged.isEmpty else { return contains(image) }
      return contains(image) || retagged.contains(Self.name(of: image))
    }

    /// Which of `tags` a kustomization sets for `image` (`newTag: latest`), if it sets one of
    /// them.
    public func newTag(of image: String, among tags: some Sequence<String>) -> String? {
      guard !retagged.isEmpty else { return nil }
      let name = Self.name(of: image)
      return tags.first { retagged.contains(Self.taggedName(name, $0)) }
    }

    /// How a retagged name is kept with the tag it is given: a NUL joins them, which no image
    /// name or tag holds.
    public static func taggedName(_ name: String, _ tag: String) -> String { name + "\u{0}" + tag }

    private static func name(of image: String) -> String {
      let end = image.utf8.firstIndex { $0 == UInt8(ascii: "@") } ?? image.endIndex
      let reference = image[..<end]
      // A colon after the last slash starts the tag (one before it is a registry's port).
      let lastSlash = reference.utf8.lastIndex(of: UInt8(ascii: "/"))
      if let colon = reference.utf8.lastIndex(of: UInt8(ascii: ":")),
        lastSlash.map({ colon > $0 }) ?? true
      {
        return String(reference[..<colon])
      }
      return String(reference)
    }

    /// Whether the image reference as written is one of these.
    public func contains(_ image: String) -> Bool {
      // Most projects use neither tool: nothing to compare (this runs for every container).
      guard !images.isEmpty || bareNames else { return false }
      let name = Self.name(of: image)
      if images.contains(name) { return true }
      return bareNames && name == image && !image.utf8.contains(UInt8(ascii: "/"))
    }
  }

  /// Sets of image names, each shared by every file it applies to rather than copied into it:
  /// a kustomization's `images:` applies to every file below it, and a union per file made a
  /// tree of 8 000 images and 8 000 files take 19 s and 2 GB.
  ///
  /// The sets are kept few: each is more than twice the size of the next, merged when not
  /// (as a log-structured merge does). A base that thousands of overlays retag, one name each,
  /// holds a few sets, not thousands to look through for every image of every file; each name
  /// is copied a logarithmic number of times, and a set is copied only into one at most twice
  /// its size.
  ///
  /// Merging stops at `mergedSizeLimit` names. The sets are shared: one of thousands of names,
  /// held by thousands of files, was merged with itself (or with another as large) once per
  /// file, copied each time, when the file's own kustomization named it too (3 000 files took
  /// fourteen times as long as 750). Past the limit a set is held as it is, never copied, and
  /// the sets to look through stay few: two neighbours that do not merge hold more than
  /// `mergedSizeLimit` names together, or the first is over twice the second, so there is
  /// about one set per half of that many names, and a logarithmic tail.
  public struct ImageNameSets: Sendable, Equatable {
    private var sets: [Set<String>] = []

    /// The largest set a merge makes: copying that many names is the most adding a set costs.
    static let mergedSizeLimit = 512

    public init() {}

    public init(_ names: Set<String>) { add(names) }

    public var isEmpty: Bool { sets.isEmpty }

    public func contains(_ name: String) -> Bool {
      sets.contains { $0.contains(name) }
    }

    public mutating func add(_ names: Set<String>) {
      guard !names.isEmpty else { return }
      sets.append(names)
      while sets.count >= 2, sets[sets.count - 2].count <= 2 * sets[sets.count - 1].count,
        sets[sets.count - 2].count + sets[sets.count - 1].count <= Self.mergedSizeLimit
      {
        let last = sets.removeLast()
        sets[sets.count - 1].formUnion(last)
      }
    }

    /// Shares `other`'s storage when there is nothing here yet: every file of a folder holds
    /// the folder's list, not a copy of it.
    public mutating func add(_ other: ImageNameSets) {
      guard !sets.isEmpty else {
        sets = other.sets
        return
      }
      for names in other.sets { add(names) }
    }
  }

  /// Folders already looked at, with what their build tools build (the folder's own and those
  /// of the folders above it, up to the repository root).
  private struct ProjectCache {
    var byFolder: [String: Built] = [:]
    /// By the folder as the file's name spells it: files come folder by folder, and making
    /// each name absolute and normal costs more than the lookup.
    var byWrittenFolder: [Substring: Built] = [:]
    /// The working directory, for climbing from relative names.
    let workingDirectory: String = {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      guard getcwd(&buffer, buffer.count) != nil else { return "/" }
      return String(
        decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    mutating func builtImages(forFileNamed name: String) -> Built {
      let written = name[..<(name.utf8.lastIndex(of: UInt8(ascii: "/")) ?? name.startIndex)]
      if let known = byWrittenFolder[written] { return known }
      let built = builtImages(inFolderOf: name)
      byWrittenFolder[written] = built
      return built
    }

    private mutating func builtImages(inFolderOf name: String) -> Built {
      let absolute = KustomizePatches.normalized(
        name.hasPrefix("/") ? name : workingDirectory + "/" + name)
      guard let slash = absolute.lastIndex(of: "/") else { return Built() }
      return built(in: slash == absolute.startIndex ? "/" : String(absolute[..<slash]))
    }

    /// What the build tools of `folder` (absolute) and the folders above it build, up to the
    /// repository's root.
    private mutating func built(in folder: String) -> Built {
      if let known = byFolder[folder] { return known }
      var built = Built()
      // A folder deeper than the system's path limit is not looked in: each look would open
      // the folders above it one at a time, and a chain of thousands took minutes. The
      // folders above it still are.
      let isReachable = folder.utf8.count + 16 < Int(PATH_MAX)
      for file in ["skaffold.yaml", "skaffold.yml"] where isReachable {
        if let bytes = LintInput.contents(of: folder + "/" + file) {
          built.images.add(BuildArtifacts.skaffoldImages(bytes))
        }
      }
      if isReachable, let bytes = LintInput.contents(of: folder + "/Tiltfile") {
        built.images.add(BuildArtifacts.tiltImages(bytes))
      }
      if isReachable, access(folder + "/.ko.yaml", F_OK) == 0 { built.bareNames = true }
      let isRoot = folder == "/" || (isReachable && access(folder + "/.git", F_OK) == 0)
      if !isRoot, let slash = folder.lastIndex(of: "/") {
        let above = self.built(in: slash == folder.startIndex ? "/" : String(folder[..<slash]))
        built.images.add(above.images)
        built.bareNames = built.bareNames || above.bareNames
      }
      byFolder[folder] = built
      return built
    }
  }

  /// The images a `Tiltfile` (Starlark) builds: the reference each `docker_build(…)`,
  /// `custom_build(…)` or `docker_build_with_restart(…)` call names first or as `ref = …`, when
  /// it is a string literal (one computed, `provider.get("image")`, is not known).
  static func tiltImages(_ bytes: [UInt8]) -> Set<String> {
    var images: Set<String> = []
    let calls = ["docker_build(", "custom_build(", "docker_build_with_restart("].map {
      Array($0.utf8)
    }
    let space: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    var index = 0
    // One pass: at each byte, whether a call starts there (a name is a word of its own).
    while index < bytes.count {
      guard
        let call = calls.first(where: { bytes[index...].starts(with: $0) }),
        index == 0 || !(bytes[index - 1] == UInt8(ascii: "_") || isWordByte(bytes[index - 1]))
      else {
        index += 1
        continue
      }
      var cursor = index + call.count
      while cursor < bytes.count && space(bytes[cursor]) { cursor += 1 }
      if bytes[cursor...].starts(with: Array("ref".utf8)) {
        var afterName = cursor + 3
        while afterName < bytes.count && space(bytes[afterName]) { afterName += 1 }
        if afterName < bytes.count && bytes[afterName] == UInt8(ascii: "=") {
          cursor = afterName + 1
          while cursor < bytes.count && space(bytes[cursor]) { cursor += 1 }
        }
      }
      index = cursor
      guard cursor < bytes.count,
        bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'")
      else { continue }
      let quote = bytes[cursor]
      guard let end = bytes[(cursor + 1)...].firstIndex(where: { $0 == quote || $0 == 0x0A })
      else { break }
      if bytes[end] == quote, end > cursor + 1 {
        images.insert(String(decoding: bytes[(cursor + 1)..<end], as: UTF8.self))
      }
      index = end + 1
    }
    return images
  }

  private static func isWordByte(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
  }

  /// The `image` of every artifact a `skaffold.yaml` builds, in its build and its profiles.
  static func skaffoldImages(_ bytes: [UInt8]) -> Set<String> {
    var images: Set<String> = []
    var yaml = YAMLReader()
    yaml.keepsTemplatedDocuments = true
    for document in yaml.read(bytes).documents {
      guard let root = document.root, root.isMapping else { continue }
      let builds = [root["build"]] + (root["profiles"]?.items.map { $0["build"] } ?? [])
      for build in builds.compactMap({ $0 }) {
        for artifact in build["artifacts"]?.items ?? .none {
          if let image = artifact[.image]?.text { images.insert(image) }
        }
      }
    }
    return images
  }
}
