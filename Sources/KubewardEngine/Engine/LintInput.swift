import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One file to lint.
public struct LintInput: Sendable {
  public enum Source: Sendable {
    /// Read from this path when linted.
    case file(FilePath)
    /// Already in memory (standard input, an admission request, a test).
    case bytes([UInt8])
    /// Could not be opened or listed; reported as `unreadable-file`.
    case unreadable(reason: String)
    /// Larger than the size limit (standard input): `file-too-large`, or `binary-file` when a
    /// NUL byte (at offset `binaryAt`) shows it is binary.
    case tooLarge(size: Int, limit: Int, binaryAt: Int?)
    /// A symbolic link the folder walk did not follow because it leaves the linted folder;
    /// reported as `symlink-not-followed`. (One to a folder inside it, walked under its own
    /// name, is skipped without a word.)
    case symlinkNotFollowed(reason: String)
    /// A Helm chart found in a folder walk (its `Chart.yaml`; `folder` ends with `/`): its
    /// templates are not linted one by one; reported once as `helm-chart`.
    case helmChart(folder: String)
  }

  /// The name findings carry: the path as the user wrote it, or the name given to stdin.
  public var name: String
  public var source: Source
  /// Named by the user rather than found in a folder: documents that are not Kubernetes
  /// objects are then reported instead of skipped silently.
  public var isExplicit: Bool
  /// A Kustomize patch (a kustomization of the run names it): its objects are partial, so they
  /// are checked for syntax but not linted as manifests. Set by the linter.
  public var isKustomizePatch = false
  /// A patch whose kustomization builds on resources the run does not hold (a remote base, a
  /// folder outside the files linted): what the patch lacks may be there.
  public var patchesBaseOutsideRun = false
  /// A patch its kustomization applies to what a `target` selects, which gives the patch its
  /// apiVersion, kind and name (see `KustomizePatches`). Set by the linter.
  public var patchesTargets = false
  /// A resource of a kustomization of the run: Kustomize may add fields before it is applied
  /// (labels, selectors, patches). Set by the linter.
  public var isKustomizeResource = false
  /// Data a kustomization's generator reads into a ConfigMap or a Secret (`configMapGenerator:
  /// files:`, a helper pod's template that a provisioner fills in): no object of its own, not
  /// linted. Set by the linter.
  public var isGeneratorData = false
  /// The namespace the kustomization that builds the file gives its objects (see
  /// `KustomizePatches.BuildNamespaces`), when known: that of those that name none. Set by
  /// the linter.
  public var buildNamespace: String?
  /// Images the project's build tool (Skaffold, ko) replaces at deploy time. Set by the linter.
  public var builtImages = BuildArtifacts.Built()
  /// The kinds whose apiVersion a kustomization that builds the file rewrites. Set by the
  /// linter.
  public var apiVersionRewrites: [APIVersionRewrite] = []
  /// Context only: its objects inform the cross-object pass (a Service's Deployment elsewhere
  /// in the repository) but none of its findings are reported (`--context`).
  public var isContext = false
  /// The project the file belongs to, for the cross-object policies: objects of different
  /// projects never meet (see `Space`). Set by `InputDiscovery` (the nearest folder holding
  /// `.git`, a kustomization or a `Chart.yaml`, else the folder named on the command line).
  public var scope = ""
  /// A test fixture found in a folder walk (see `Fixtures`): its manifests may be wrong on
  /// purpose, so its findings are information at most.
  public var isFixture = false
  /// Rendered Helm output: findings in a document that follows a `# Source: <template>` comment
  /// are reported against that template, at lines of the rendered document.
  public var attributesHelmSources = false
  /// Where a folder walk that followed symbolic links to files found the file, canonically
  /// (`realpath`); for a link, `linksTo` is set too. Set only in walks that met such a link:
  /// the linter reads a link once its target is read alike (see `droppingRepeatedLinks`).
  public var canonicalPath: [UInt8]?
  /// For a symbolic link to a file that a folder walk followed: the target's canonical path.
  public var linksTo: [UInt8]?

  /// Whether the linter reads this input as it reads `other`, but for the name: the same
  /// project and roles (fixture, Kustomize resource, patch, generator data, context), namespace
  /// and images given, apiVersions rewritten.
  func readsAlike(_ other: LintInput) -> Bool {
    // A file read as named reports all a walk's reading would (and more): a link to it adds
    // nothing.
    scope == other.scope && isFixture == other.isFixture
      && (isExplicit == other.isExplicit || isExplicit)
      && isKustomizePatch == other.isKustomizePatch
      && patchesBaseOutsideRun == other.patchesBaseOutsideRun
      && patchesTargets == other.patchesTargets
      && isKustomizeResource == other.isKustomizeResource
      && isGeneratorData == other.isGeneratorData && buildNamespace == other.buildNamespace
      && builtImages == other.builtImages && apiVersionRewrites == other.apiVersionRewrites
      && isContext == other.isContext && attributesHelmSources == other.attributesHelmSources
  }

  public init(name: String, source: Source, isExplicit: Bool) {
    self.name = name
    self.source = source
    self.isExplicit = isExplicit
  }

  /// A file at `path`, named as the path reads.
  public init(path: String, isExplicit: Bool) {
    self.init(name: path, source: .file(FilePath(path)), isExplicit: isExplicit)
  }
}

extension LintInput {
  /// The bytes of the regular file at `path` (within the standard size limit), or `nil` when
  /// it cannot be read.
  public static func contents(of path: String) -> [UInt8]? {
    contents(of: FilePath(path))
  }

  public static func contents(of path: FilePath) -> [UInt8]? {
    try? readContents(of: path).get()
  }

  /// The bytes of the regular file at `path` (within the standard size limit), or why it
  /// cannot be read, in the words of `unreadable-file`.
  public static func readContents(of path: FilePath) -> Result<[UInt8], UnreadableFile> {
    var reader = FileReader()
    switch reader.read(path) {
    case .success(let count): return .success(Array(reader.buffer[0..<count]))
    case .failure(let error): return .failure(UnreadableFile(reason: error.reason))
    }
  }

  /// Why a file was not read.
  public struct UnreadableFile: Error, Sendable {
    public let reason: String
  }

  /// Why a folder walk's input that is no readable file is not read, as the input policies
  /// say it (`nil` for a file or bytes).
  public var reasonNotRead: String? {
    switch source {
    case .file, .bytes: nil
    case .unreadable(let reason), .symlinkNotFollowed(let reason): reason
    case .tooLarge(let size, let limit, _):
      FileReadError.tooLarge(size: size, limit: limit, binaryAt: nil).reason
    case .helmChart: "it is a Helm chart, whose templates are not read one by one"
    }
  }
}

/// Reads many files one after another into one buffer, for a pass over a run's inputs before
/// the linter's own: a buffer and a copy per file were a 64 KiB allocation, zeroed, for each.
public struct ContentsReader {
  private var reader = FileReader()

  public init() {}

  /// Calls `body` with the bytes of the regular file at `path` (within the standard size
  /// limit); `nil` when it cannot be read. The bytes are valid during the call only.
  public mutating func withContents<Result>(
    of path: FilePath, _ body: (UnsafeBufferPointer<UInt8>) -> Result
  ) -> Result? {
    guard case .success(let count) = reader.read(path) else { return nil }
    return reader.buffer.withUnsafeBufferPointer {
      body(UnsafeBufferPointer(rebasing: $0[0..<count]))
    }
  }
}

/// A path on the command line that does not exist: a usage error.
public struct InputError: Error, CustomStringConvertible, Sendable {
  public let path: String
  public let reason: String

  public var description: String { "\(VisibleText.escaped(path)): \(reason)" }
}

/// Turns the paths a user gives into the files to lint.
public enum InputDiscovery {
  /// `inputs` without the symbolic links to files that are read alike under their own names,
  /// or through an earlier link (see `LintInput.readsAlike`): knative's
  /// `config/500-controller.yaml` links to `core/deployments/controller.yaml`, and every object
  /// read twice reported each finding twice and made the set's cross-object counts (a budget
  /// over its autoscaler) unknown. A link read otherwise than its target (from another project,
  /// into a fixtures folder, as a kustomization's resource where the target is its generator's
  /// data) is read as well. Asked after the roles are set (`Linter.run`).
  static func droppingRepeatedLinks(_ inputs: [LintInput]) -> [LintInput] {
    guard inputs.contains(where: { $0.linksTo != nil }) else { return inputs }
    var read: [[UInt8]: [Int]] = [:]
    for index in inputs.indices where inputs[index].linksTo == nil {
      if let path = inputs[index].canonicalPath { read[path, default: []].append(index) }
    }
    var kept: [LintInput] = []
    kept.reserveCapacity(inputs.count)
    for index in inputs.indices {
      guard let target = inputs[index].linksTo else {
        kept.append(inputs[index])
        continue
      }
      // Of a few readings at most: one per way a target is read.
      let readings = read[target, default: []]
      if readings.contains(where: { inputs[$0].readsAlike(inputs[index]) }) { continue }
      if readings.count < 8 { read[target, default: []].append(index) }
      kept.append(inputs[index])
    }
    return kept
  }

  /// `a/./b/../c.yaml` → `a/c.yaml`, lexically (no file system access).
  public static func normalizedPath(_ path: String) -> String {
    KustomizePatches.normalized(path)
  }

  /// File extensions read when walking a folder (a file named explicitly is read whatever its
  /// name).
  public static let manifestExtensions = [".yaml", ".yml", ".json"]

  /// Files as given; folders walked recursively in name order, skipping hidden entries (`.git`,
  /// `.github`, …) and files without a manifest extension.
  public static func inputs(for paths: [String]) throws(InputError) -> [LintInput] {
    try inputs(for: paths.map { (FilePath($0), $0) })
  }

  /// Like `inputs(for:)`, for paths given as bytes (a command line's arguments need not be
  /// UTF-8), each with the name it is reported under.
  ///
  /// `excluding` names the files a walk leaves out (a configuration's `exclude:`), before it
  /// leaves out links to files it reads under their own names: a link to an excluded file is
  /// read.
  public static func inputs(
    for paths: [(path: FilePath, name: String)],
    excluding: @escaping (String) -> Bool = { _ in false }
  ) throws(InputError) -> [LintInput] {
    var inputs: [LintInput] = []
    for (path, name) in paths {
      guard let status = FileSystem.status(path) else {
        throw InputError(path: name, reason: String(cString: strerror(errno)))
      }
      if status.st_mode & S_IFMT == S_IFDIR {
        var walk = FolderWalk(
          root: path, displayPrefix: displayPrefix(for: name), excluding: excluding)
        walk.run(into: &inputs)
      } else {
        // A hook passes every staged YAML file: a tool's configuration among them is not a
        // manifest that lacks apiVersion and kind.
        var input = LintInput(
          name: name, source: .file(path), isExplicit: !ToolFiles.isToolFile(name))
        input.scope = ProjectScope.of(file: name)
        inputs.append(input)
      }
    }
    return paths.count > 1 ? readingEachFileOnce(inputs) : inputs
  }

  /// `inputs` without a file read again: arguments that overlap (`lint manifests/
  /// manifests/web.yaml`, `./web.yaml web.yaml`, a folder given twice) reached it twice, and
  /// each of its findings was reported twice. A file is known by its device and inode (a link
  /// named on the command line by its target's), not by a spelling of its path; a link a walk
  /// found is left to `droppingRepeatedLinks`, which knows whether it reads alike. What is not
  /// a file to read (a link not followed, an unreadable folder) is known by its name.
  ///
  /// The first reading's name is kept, and it is explicit if either was (a named file's syntax
  /// errors are reported); a walk's reading gives it its project, fixture folder and canonical
  /// path, whichever came first (`lint apps/web.yaml apps` put web.yaml in a project of its
  /// own, apart from its Services, and read a link to it again).
  public static func readingEachFileOnce(_ inputs: [LintInput]) -> [LintInput] {
    struct Identity: Hashable {
      var device: UInt64
      var inode: UInt64
    }
    var kept: [LintInput] = []
    kept.reserveCapacity(inputs.count)
    var byIdentity: [Identity: Int] = [:]
    var otherNames: Set<String> = []
    for input in inputs {
      guard case .file(let path) = input.source else {
        if otherNames.insert(normalizedPath(input.name)).inserted { kept.append(input) }
        continue
      }
      var status = stat()
      guard input.linksTo == nil, path.withCString({ stat($0, &status) }) == 0,
        status.st_mode & S_IFMT == S_IFREG
      else {
        kept.append(input)
        continue
      }
      let identity = Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
      guard let first = byIdentity[identity] else {
        byIdentity[identity] = kept.count
        kept.append(input)
        continue
      }
      if kept[first].isExplicit && !input.isExplicit {
        kept[first].scope = input.scope
        kept[first].isFixture = input.isFixture
        kept[first].canonicalPath = input.canonicalPath
      }
      kept[first].isExplicit = kept[first].isExplicit || input.isExplicit
    }
    return kept
  }

  /// The project of a file (see `LintInput.scope`), found from its name by looking for a
  /// project's marker in each folder above it, up to the working directory.
  public static func scope(ofFile name: String) -> String {
    ProjectScope.of(file: name)
  }

  /// `manifestExtensions`, compared as bytes: this runs for every directory entry.
  static func hasManifestExtension(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
    manifestExtensions.contains { suffix in
      name.count > suffix.utf8.count && name.reversed().starts(with: suffix.utf8.reversed())
    }
  }

  /// `.` lists its files as `a.yaml`, `manifests/` as `manifests/a.yaml`.
  private static func displayPrefix(for directory: String) -> String {
    if directory == "." || directory == "./" { return "" }
    return directory.hasSuffix("/") ? directory : directory + "/"
  }
}

/// Where projects start, for `LintInput.scope`.
enum ProjectScope {
  /// Files whose presence makes a folder a project of its own.
  static let markers = [
    ".git", "kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml",
  ]

  /// Whether the folder open at `descriptor` holds a marker.
  static func isProjectRoot(_ descriptor: Int32) -> Bool {
    markers.contains { marker in
      var status = stat()
      return fstatat(descriptor, marker, &status, AT_SYMLINK_NOFOLLOW) == 0
    }
  }

  /// Whether the folder open at `descriptor` is a Helm chart: it holds `Chart.yaml` and a
  /// `templates` folder.
  static func isHelmChart(_ descriptor: Int32) -> Bool {
    var status = stat()
    return fstatat(descriptor, "Chart.yaml", &status, 0) == 0
      && fstatat(descriptor, "templates", &status, 0) == 0 && status.st_mode & S_IFMT == S_IFDIR
  }

  /// The scope of a file named on the command line: the nearest folder above it that holds a
  /// marker, up to the working directory (or the top of a path outside it).
  static func of(file name: String) -> String {
    var folder = KustomizePatches.normalized(name)
    while true {
      guard let slash = folder.lastIndex(of: "/") else { return "." }
      folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
      if folder == "/" || folder == ".." || folder.hasSuffix("/..") { return folder }
      let descriptor = FileSystem.open(FilePath(folder), O_RDONLY | O_DIRECTORY)
      guard descriptor >= 0 else { continue }
      defer { close(descriptor) }
      if isProjectRoot(descriptor) { return folder }
    }
  }

  /// The scope of a folder's display prefix (`apps/web/` → `apps/web`, `` → `.`).
  static func name(ofPrefix prefix: String) -> String {
    prefix.isEmpty ? "." : String(prefix.dropLast())
  }
}

/// One folder argument's walk: every folder below it, depth first in byte order of names,
/// without recursion (a tree can be deeper than a thread's stack) and without following
/// symbolic links out of the folder or into a folder already walked.
private struct FolderWalk {
  private struct DirectoryIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
  }

  private struct Entry {
    var name: [UInt8]
    var type: UInt8
  }

  /// A folder being listed: its entries, sorted, and the next one to look at.
  private struct Frame {
    var path: FilePath
    var displayPrefix: String
    /// The project its files belong to (`LintInput.scope`).
    var scope: String
    /// A Helm chart's folder (it holds `Chart.yaml`): its `templates/` and `files/` are not
    /// manifests.
    var isChart = false
    /// A folder of test fixtures, or one inside such a folder (`Fixtures.isFixtureFolder`).
    var holdsFixtures = false
    var descriptor: Int32
    var entries: [Entry]
    var next = 0
  }

  let root: FilePath
  let rootDisplayPrefix: String
  /// The root's canonical path: symbolic links are followed only to targets below it.
  let rootRealPath: [UInt8]?
  private var visited: Set<DirectoryIdentity> = []
  private let excluding: (String) -> Bool
  /// The inputs of the files walked, and of the links to files followed (with their targets'
  /// canonical paths): see `recordCanonicalPaths`.
  private var walkedFiles: [Int] = []
  private var linkedFiles: [(target: [UInt8], input: Int)] = []

  init(root: FilePath, displayPrefix: String, excluding: @escaping (String) -> Bool) {
    self.root = root
    self.rootDisplayPrefix = displayPrefix
    self.rootRealPath = FileSystem.realPath(root)
    self.excluding = excluding
  }

  mutating func run(into inputs: inout [LintInput]) {
    var stack: [Frame] = []
    if let frame = open(
      root, displayPrefix: rootDisplayPrefix,
      scope: ProjectScope.name(ofPrefix: rootDisplayPrefix), into: &inputs)
    {
      stack.append(frame)
    }
    while !stack.isEmpty {
      let top = stack.count - 1
      guard stack[top].next < stack[top].entries.count else {
        close(stack.removeLast().descriptor)
        continue
      }
      let entry = stack[top].entries[stack[top].next]
      stack[top].next += 1
      let frame = stack[top]
      if let child = visit(entry, in: frame, into: &inputs) { stack.append(child) }
    }
    recordCanonicalPaths(in: &inputs)
  }

  /// Records where the walk found each file and where each link leads, for the linter to
  /// read a link once its target is read alike (`InputDiscovery.droppingRepeatedLinks`): only
  /// in a walk that met a link, so that others make no path per file.
  private func recordCanonicalPaths(in inputs: inout [LintInput]) {
    guard !linkedFiles.isEmpty else { return }
    guard let rootRealPath else { return }
    let rootBytes = root.bytes
    for index in walkedFiles {
      // Below the root, the walk's path is the canonical one: it follows no link into a
      // folder. (Worked out here, not kept per folder: a tree thousands deep held a copy of
      // each folder's path for every folder below it.)
      guard case .file(let path) = inputs[index].source else { continue }
      let bytes = path.bytes
      guard bytes.starts(with: rootBytes) else { continue }
      let below = bytes.dropFirst(rootBytes.count).drop { $0 == UInt8(ascii: "/") }
      inputs[index].canonicalPath = Self.joined(rootRealPath, Array(below))
    }
    for link in linkedFiles {
      inputs[link.input].canonicalPath = link.target
      inputs[link.input].linksTo = link.target
    }
  }

  /// Handles one entry of `folder`; returns the folder to walk next when it is one.
  private mutating func visit(_ entry: Entry, in folder: Frame, into inputs: inout [LintInput])
    -> Frame?
  {
    var path = entry.name.withUnsafeBufferPointer { folder.path.appending($0) }
    let shown = folder.displayPrefix + FilePath.displayName(entry.name[...])
    // Usually the name shown is the path: one string then serves as both, for every file
    // until the end of the run.
    if path.isSpelled(shown) { path = FilePath(shown) }
    let isManifest = entry.name.withUnsafeBufferPointer(InputDiscovery.hasManifestExtension)
    var type = entry.type
    if type == UInt8(DT_UNKNOWN) {
      var status = stat()
      guard fstatat(folder.descriptor, entry.name.cString, &status, AT_SYMLINK_NOFOLLOW) == 0
      else { return nil }
      type = Self.direntType(status.st_mode)
    }
    switch type {
    case UInt8(DT_DIR):
      // Dependencies vendored into a repository are not its manifests; a chart's templates
      // are not manifests at all (the chart is reported once, below).
      guard !Self.skippedFolders.contains(entry.name),
        !(folder.isChart && Self.chartTemplateFolders.contains(entry.name))
      else { return nil }
      // Relative to the folder's own descriptor: opened from the root, each folder of a
      // chain thousands deep (past PATH_MAX) cost a system call per folder above it.
      let descriptor = entry.name.cString.withUnsafeBufferPointer {
        openat(
          folder.descriptor, $0.baseAddress!,
          O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
      }
      return open(
        path, descriptor: descriptor, displayPrefix: shown + "/", scope: folder.scope,
        holdsFixtures: folder.holdsFixtures || Fixtures.isFixtureFolder(entry.name),
        into: &inputs)
    case UInt8(DT_LNK):
      guard !(isManifest && excluding(shown)) else { return nil }
      return followLink(
        entry.name, path: path, shown: shown, isManifest: isManifest, in: folder, into: &inputs)
    default:
      // Devices, pipes and sockets with a manifest's name are reported when read.
      if isManifest && !excluding(shown) {
        walkedFiles.append(inputs.count)
        inputs.append(input(shown, .file(path), in: folder))
      }
      return nil
    }
  }

  /// Follows the link `name` of `folder` (at `path`). Every call is relative to the folder's
  /// descriptor: a path from the root costs a step per folder above, which a tree with a link
  /// in each of thousands of nested folders multiplied (and past PATH_MAX it fails).
  private mutating func followLink(
    _ name: [UInt8], path: FilePath, shown: String, isManifest: Bool, in folder: Frame,
    into inputs: inout [LintInput]
  ) -> Frame? {
    // The target as the link writes it: what the repository says, not where this machine
    // keeps it (a runner's folders do not belong in a CI log). Read only for a link that is
    // said: documentation trees link folders to each other by the dozen.
    func shownTarget(_ written: [UInt8]?) -> String {
      (written ?? FileSystem.realPath(of: name, in: folder.descriptor, path: path)).map {
        FilePath.displayName($0[...])
      } ?? "?"
    }
    var status = stat()
    guard
      name.cString.withUnsafeBufferPointer({
        fstatat(folder.descriptor, $0.baseAddress!, &status, 0)
      }) == 0
    else {
      let failure = String(cString: strerror(errno))
      guard isManifest else { return nil }
      // A link out of the folder is not read whether or not its target is here (`vendor/`
      // left out of a checkout): said as such. A dangling one inside is a broken file.
      let written = FileSystem.linkText(of: name, in: folder.descriptor)
      if let written, let leads = lexicalTarget(in: folder, written: written), !isInsideRoot(leads)
      {
        inputs.append(
          LintInput(
            name: shown,
            source: .symlinkNotFollowed(
              reason: "a symbolic link to \(shownTarget(written)), outside the folder being "
                + "linted (and not there: \(failure))"),
            isExplicit: false))
      } else {
        inputs.append(
          LintInput(
            name: shown,
            source: .unreadable(
              reason: "a symbolic link to a file that cannot be reached (\(failure))"),
            isExplicit: false))
      }
      return nil
    }
    let isFolder = status.st_mode & S_IFMT == S_IFDIR
    guard isFolder || isManifest else { return nil }
    // Only targets inside the folder being linted are read: a link committed to a repository
    // must not make kubeward walk the whole file system or show files from outside it.
    let written = FileSystem.linkText(of: name, in: folder.descriptor)
    guard let target = FileSystem.realPath(of: name, in: folder.descriptor, path: path) else {
      // It exists (its status was read): the system cannot say where it is, which happens
      // to a target whose path is longer than a page. Where it leads is not known, so it is
      // not read, and not said to be outside either.
      let failure = String(cString: strerror(errno))
      inputs.append(
        LintInput(
          name: shown,
          source: .symlinkNotFollowed(
            reason: "a symbolic link to \(shownTarget(written)), whose target's place the "
              + "system does not give (\(failure))"),
          isExplicit: false))
      return nil
    }
    guard isInsideRoot(target) else {
      inputs.append(
        LintInput(
          name: shown,
          source: .symlinkNotFollowed(
            reason: "a symbolic link to \(shownTarget(written)), outside the folder being linted"),
          isExplicit: false))
      return nil
    }
    guard isFolder else {
      linkedFiles.append((target, inputs.count))
      inputs.append(input(shown, .file(path), in: folder))
      return nil
    }
    // A folder inside the tree is walked under its own name; through the link it would be
    // walked twice (or forever, for a link to a folder above). Nothing is skipped, so nothing
    // is said: documentation trees link folders to each other by the dozen.
    return nil
  }

  /// `name` in the canonical `folder` (`/` is not doubled).
  private static func joined(_ folder: [UInt8], _ name: [UInt8]) -> [UInt8] {
    folder == [UInt8(ascii: "/")] ? folder + name : folder + [UInt8(ascii: "/")] + name
  }

  /// Whether the resolved absolute `target` is the folder being linted or inside it.
  private func isInsideRoot(_ target: [UInt8]) -> Bool {
    guard let rootRealPath else { return false }
    return target == rootRealPath
      || (target.starts(with: rootRealPath)
        && (rootRealPath == [UInt8(ascii: "/")]
          || target[rootRealPath.count] == UInt8(ascii: "/")))
  }

  /// Where a link of `folder` that reads `written` leads when its target does not exist:
  /// from the folder (resolved), `.` and `..` taken as written.
  private func lexicalTarget(in folder: Frame, written: [UInt8]) -> [UInt8]? {
    if written.first == UInt8(ascii: "/") { return FileSystem.lexicallyNormalized(written) }
    guard let resolved = FileSystem.realPath(ofFolder: folder.descriptor, path: folder.path)
    else { return nil }
    return FileSystem.lexicallyNormalized(resolved + [UInt8(ascii: "/")] + written)
  }

  /// Folders of vendored dependencies, never a project's own manifests.
  static let skippedFolders: Set<[UInt8]> = [Array("vendor".utf8), Array("node_modules".utf8)]
  /// A chart's folders of templates: `templates/`, which Helm renders, and `files/`, which a
  /// chart reads with `.Files.Get` (istio keeps the templates istiod renders there).
  static let chartTemplateFolders: Set<[UInt8]> = [Array("templates".utf8), Array("files".utf8)]

  private func input(_ name: String, _ source: LintInput.Source, in folder: Frame) -> LintInput {
    var input = LintInput(name: name, source: source, isExplicit: false)
    input.scope = folder.scope
    input.isFixture = folder.holdsFixtures || Fixtures.isFixtureFile(name)
    return input
  }

  /// Opens and lists a folder, unless it was walked already; an unlistable folder is reported.
  /// A folder that holds a project marker starts a scope of its own; others keep `scope`.
  /// `descriptor` is the folder's, opened by the caller, or `nil` to open `path`.
  private mutating func open(
    _ path: FilePath, descriptor: Int32? = nil, displayPrefix: String, scope: String,
    holdsFixtures: Bool = false, into inputs: inout [LintInput]
  ) -> Frame? {
    let descriptor = descriptor ?? FileSystem.open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK)
    var status = stat()
    guard descriptor >= 0, fstat(descriptor, &status) == 0,
      let handle = fdopendir(descriptor)
    else {
      let reason = String(cString: strerror(errno))
      if descriptor >= 0 { close(descriptor) }
      let name = displayPrefix.isEmpty ? "." : String(displayPrefix.dropLast())
      inputs.append(LintInput(name: name, source: .unreadable(reason: reason), isExplicit: false))
      return nil
    }
    // A bind mount or a link back up the tree would make the walk endless.
    guard visited.insert(Self.identity(status)).inserted else {
      closedir(handle)
      return nil
    }
    let entries = Self.sortedEntries(of: handle)
    // The descriptor stays open (for fstatat) until the folder's entries are done.
    let listing = dup(descriptor)
    closedir(handle)
    let isRoot = displayPrefix == rootDisplayPrefix
    let ownScope =
      !isRoot && ProjectScope.isProjectRoot(listing)
      ? ProjectScope.name(ofPrefix: displayPrefix) : scope
    var frame = Frame(
      path: path, displayPrefix: displayPrefix, scope: ownScope, descriptor: listing,
      entries: entries)
    frame.holdsFixtures =
      holdsFixtures
      || (entries.contains { $0.name == Fixtures.suiteFileName }
        && Fixtures.holdsTestSuite(listing))
    if ProjectScope.isHelmChart(listing) {
      frame.isChart = true
      var chart = LintInput(
        name: displayPrefix + "Chart.yaml", source: .helmChart(folder: displayPrefix),
        isExplicit: false)
      chart.scope = ownScope
      inputs.append(chart)
    }
    return frame
  }

  /// The names in a folder, hidden ones left out, with their type when `readdir` knows it (so
  /// that plain files need no `stat`), in byte order: the walk is the same on every machine and
  /// in every locale.
  private static func sortedEntries(of handle: OpaquePointer) -> [Entry] {
    var entries: [Entry] = []
    while let entry = readdir(handle) {
      withUnsafeBytes(of: &entry.pointee.d_name) { raw in
        let name = raw.bindMemory(to: UInt8.self)
        guard name[0] != 0 && name[0] != UInt8(ascii: ".") else { return }
        let length = strlen(UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self))
        entries.append(Entry(name: Array(name.prefix(length)), type: entry.pointee.d_type))
      }
    }
    // Byte order (what strcmp gives), not Unicode or locale order.
    entries.sort { $0.name.lexicographicallyPrecedes($1.name) }
    return entries
  }

  private static func identity(_ status: stat) -> DirectoryIdentity {
    DirectoryIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
  }

  private static func direntType(_ mode: mode_t) -> UInt8 {
    switch mode & S_IFMT {
    case S_IFDIR: UInt8(DT_DIR)
    case S_IFLNK: UInt8(DT_LNK)
    case S_IFREG: UInt8(DT_REG)
    default: UInt8(DT_UNKNOWN)
    }
  }
}

extension [UInt8] {
  /// The bytes with a terminating NUL, for C calls.
  fileprivate var cString: [CChar] { map { CChar(bitPattern: $0) } + [0] }
}
