import KubewardYAML

/// Finds the files that Kustomize kustomizations in a run use as patches and as resources.
///
/// A patch is a partial object (a Deployment with one changed container field); linted as a
/// whole manifest it would "lack" everything its base defines. A resource is whole, but
/// Kustomize transforms it before it is applied (`commonLabels` adds a selector, patches add
/// fields), so a required field it lacks may be added.
///
/// Being a patch must not become a way to skip a file, so:
/// - a kustomization can only name files in its own folder or below it, as Kustomize itself
///   allows (its default load restrictor): one elsewhere in the run cannot claim a file;
/// - a patch is still checked by the policies that judge the values it sets
///   (`Policy.checksPartialObjects`), and its other findings are reported when the run holds no
///   whole object of the same kind and name for it to patch (see `Linter.run`), unless its
///   kustomization builds on something the run does not hold (a remote base, or a folder
///   outside the files linted, as when one overlay is linted alone).
/// A kustomization's JSON patch that gives the objects of `kind` it builds another
/// apiVersion: what is written is applied so only by builds without that patch.
public struct APIVersionRewrite: Hashable, Sendable {
  public let kind: String
  public let apiVersion: String
  /// The kustomization (as the user named it) whose patch it is.
  public let by: String
}

public enum KustomizePatches {
  static let fileNames: Set<Substring> = [
    "kustomization.yaml", "kustomization.yml", "Kustomization",
  ]

  /// What the kustomizations of a run say about the files they name.
  struct Roles {
    /// Normalised names of patches, and whether their kustomization builds on resources the run
    /// does not hold.
    var patches: [String: Bool] = [:]
    /// Normalised names of patches a kustomization applies to the objects a `target` selects:
    /// Kustomize gives the patch each target's apiVersion, kind and name before merging it
    /// (`ApplySmPatch`), so its own are never applied.
    var targetedPatches: Set<String> = []
    /// Normalised names of local resources.
    var resources: Set<String> = []
    /// By normalised folder: the image names whose tag (or digest) a kustomization there sets
    /// (`images: [{name: app, newTag: v2}]`), and those it renames (`newName`).
    var retaggedImages: [String: BuildArtifacts.ImageNameSets] = [:]
    var renamedImages: [String: BuildArtifacts.ImageNameSets] = [:]
    /// By normalised folder: the local resources (files and folders) its kustomization builds.
    var builds: [String: [String]] = [:]
    /// By normalised folder: the kinds whose apiVersion its kustomization's JSON patches
    /// rewrite (`op: replace, path: /apiVersion`).
    var versionRewrites: [String: [APIVersionRewrite]] = [:]
    /// Normalised names of files a kustomization's generators read as data
    /// (`configMapGenerator: [{files: [helperPod.yaml]}]`).
    var generatorData: Set<String> = []
    /// By normalised folder: the `namespace` its kustomization gives what it builds (empty
    /// when it writes one that names none).
    var namespaces: [String: String] = [:]
    /// By normalised path (a file or a folder): the folders whose kustomizations list it among
    /// their `resources` (or `bases`).
    var builders: [String: [String]] = [:]

    /// The rewrites of each kustomization folder, given to that folder and to what its
    /// kustomization builds, at any remove (within `propagationSteps`).
    func rewritesByTarget() -> [String: [APIVersionRewrite]] {
      var steps = Self.propagationSteps
      var targets: [String: [APIVersionRewrite]] = [:]
      for folder in versionRewrites.keys.sorted() {
        let rewrites = versionRewrites[folder]!
        targets[folder, default: []] += rewrites
        for target in built(from: folder, steps: &steps).sorted() {
          targets[target, default: []] += rewrites
        }
      }
      return targets
    }

    /// Gives what a kustomization's images transformer sets to the resources it builds that
    /// lie outside its folder, and on to what their kustomizations build: kubeflow's
    /// `upstream/base` sets the tag of `../default`, which builds `../manager`. (Inside its
    /// folder the marking finds it.)
    mutating func propagateImages() {
      // Each kustomization with images walks what it builds: a hostile tree of thousands of
      // chained kustomizations, each with images, would make that quadratic, so the walks
      // share a bound, past which the rest is left unmarked (its tags are then reported).
      var steps = Self.propagationSteps
      retaggedImages = spread(retaggedImages, steps: &steps)
      renamedImages = spread(renamedImages, steps: &steps)
    }

    /// `images` (by kustomization folder), each folder's also given to what it builds (shared,
    /// not copied: a kustomization can build thousands of files).
    private func spread(
      _ images: [String: BuildArtifacts.ImageNameSets], steps: inout Int
    ) -> [String: BuildArtifacts.ImageNameSets] {
      var spread = images
      for (folder, names) in images {
        for target in built(from: folder, steps: &steps) {
          spread[target, default: BuildArtifacts.ImageNameSets()].add(names)
        }
      }
      return spread
    }

    static let propagationSteps = 1_000_000

    /// The resources `folder`'s kustomization builds, at any remove.
    private func built(from folder: String, steps: inout Int) -> Set<String> {
      var found: Set<String> = []
      var pending = builds[folder] ?? []
      while steps > 0, let path = pending.popLast() {
        steps -= 1
        guard path != folder, found.insert(path).inserted else { continue }
        pending += builds[path] ?? []
      }
      return found
    }
  }

  /// The namespace each resource file of the run is built into: Kustomize's namespace
  /// transformer gives every object a kustomization builds that kustomization's `namespace`,
  /// and an overlay's overrides its base's. Known when every build of the file agrees: the
  /// kustomizations that list it, or, where one sets none, the namespace of every overlay
  /// that builds that one (a base two overlays put in two namespaces has none known).
  struct BuildNamespaces {
    /// What the builds of a kustomization (or a file) give it.
    enum Outcome: Equatable {
      /// No build sets a namespace: it is where it is applied (`kubectl -n`).
      case unset
      case one(String)
      /// Builds disagree, or kubeward could not follow them.
      case unknown

      func merged(with other: Outcome) -> Outcome { self == other ? self : .unknown }
    }

    let roles: Roles
    private var known: [String: Outcome] = [:]

    init(roles: Roles) { self.roles = roles }

    /// The namespace the file `name` (normalised) is built into, when one is known.
    mutating func namespace(of name: String) -> String? {
      guard !roles.namespaces.isEmpty, let listers = roles.builders[name] else { return nil }
      var combined: Outcome?
      for folder in listers {
        let built = outcome(ofFolder: folder)
        combined = combined.map { $0.merged(with: built) } ?? built
      }
      guard case .one(let namespace) = combined else { return nil }
      return namespace
    }

    /// The namespace `folder`'s kustomization builds into: its own, unless every overlay
    /// that builds it sets one. Worked out after its overlays, with a stack of its own (a
    /// chain of thousands of kustomizations would recurse as deep), each folder once; an
    /// overlay met again while it is worked out (a ring, which Kustomize refuses) is unknown.
    private mutating func outcome(ofFolder start: String) -> Outcome {
      if let outcome = known[start] { return outcome }
      var working: Set<String> = [start]
      var stack: [(folder: String, next: Int)] = [(start, 0)]
      while let (folder, next) = stack.last {
        let overlays = roles.builders[folder] ?? []
        if next < overlays.count {
          stack[stack.count - 1].next += 1
          let overlay = overlays[next]
          if known[overlay] == nil, working.insert(overlay).inserted {
            stack.append((overlay, 0))
          }
          continue
        }
        stack.removeLast()
        let own: Outcome =
          roles.namespaces[folder].map { $0.isEmpty ? .unknown : .one($0) } ?? .unset
        var combined: Outcome?
        for overlay in overlays {
          var built = known[overlay] ?? .unknown
          if built == .unset { built = own }
          combined = combined.map { $0.merged(with: built) } ?? built
        }
        known[folder] = combined ?? own
      }
      return known[start] ?? .unknown
    }
  }

  /// `inputs`, with the patch and resource files among them marked. Files are related by their
  /// names (the paths the user knows), which may differ from where they are read
  /// (`--read-from`).
  static func marking(_ inputs: [LintInput]) -> [LintInput] {
    let roles = roles(among: inputs)
    guard
      !roles.patches.isEmpty || !roles.resources.isEmpty || !roles.retaggedImages.isEmpty
        || !roles.renamedImages.isEmpty || !roles.versionRewrites.isEmpty
        || !roles.generatorData.isEmpty
    else { return inputs }
    var folderImages = FolderImages(roles: roles)
    var namespaces = BuildNamespaces(roles: roles)
    let rewrites = roles.versionRewrites.isEmpty ? [:] : roles.rewritesByTarget()
    return inputs.map { input in
      var input = input
      let name = normalized(input.name)
      // A kustomization's images transformer rewrites the images of what it builds: the
      // files of its folder and below, and the resources it names elsewhere (see
      // `propagateImages`).
      if !roles.retaggedImages.isEmpty || !roles.renamedImages.isEmpty {
        let slash = name.utf8.lastIndex(of: UInt8(ascii: "/"))
        let inFolder = folderImages.images(in: slash.map { name[..<$0] })
        input.builtImages.retagged.add(inFolder.retagged)
        input.builtImages.images.add(inFolder.renamed)
        // The file itself may be a resource a kustomization elsewhere builds.
        if let own = roles.retaggedImages[name] { input.builtImages.retagged.add(own) }
        if let own = roles.renamedImages[name] { input.builtImages.images.add(own) }
      }
      if let baseOutsideRun = roles.patches[name] {
        input.isKustomizePatch = true
        // A targeted patch's name identifies no object: what it lacks is its targets'.
        let targeted = roles.targetedPatches.contains(name)
        input.patchesBaseOutsideRun = baseOutsideRun || targeted
        input.patchesTargets = targeted
      }
      if roles.generatorData.contains(name) && !roles.resources.contains(name) {
        input.isGeneratorData = true
      }
      if roles.resources.contains(name) {
        input.isKustomizeResource = true
        input.buildNamespace = namespaces.namespace(of: name)
      }
      if !rewrites.isEmpty { input.apiVersionRewrites = Self.rewrites(of: name, in: rewrites) }
      return input
    }
  }

  /// The rewrites that apply to the file `name`: its own and its folders', up to
  /// `maximumRewriteDepth` folders up (kustomizations sit a few folders above their files; a
  /// walk of every folder of a path thousands deep, for each file, would be quadratic).
  private static func rewrites(of name: String, in targets: [String: [APIVersionRewrite]])
    -> [APIVersionRewrite]
  {
    var found = targets[name] ?? []
    var folder = Substring(name)
    for _ in 0..<maximumRewriteDepth {
      guard let slash = folder.utf8.lastIndex(of: UInt8(ascii: "/")) else { break }
      folder = folder[..<slash]
      found += targets[String(folder)] ?? []
    }
    found += targets[""] ?? []
    return found
  }

  static let maximumRewriteDepth = 32

  /// What the images transformers of a folder and of the folders above it set, found once per
  /// folder and shared by the files in it.
  private struct FolderImages {
    typealias Images = (
      retagged: BuildArtifacts.ImageNameSets, renamed: BuildArtifacts.ImageNameSets
    )
    let roles: Roles
    private var known: [Substring: Images] = [:]

    init(roles: Roles) { self.roles = roles }

    /// `folder` is `nil` for the top of the run.
    mutating func images(in folder: Substring?) -> Images {
      let none = BuildArtifacts.ImageNameSets()
      var images: Images = (roles.retaggedImages[""] ?? none, roles.renamedImages[""] ?? none)
      // Up to the nearest folder already known, then down again, without recursion: a chain of
      // folders can be thousands deep.
      var unknown: [Substring] = []
      var current = folder
      while let folder = current {
        if let found = known[folder] {
          images = found
          break
        }
        unknown.append(folder)
        current = folder.utf8.lastIndex(of: UInt8(ascii: "/")).map { folder[..<$0] }
      }
      for folder in unknown.reversed() {
        images.retagged.add(roles.retaggedImages[String(folder)] ?? none)
        images.renamed.add(roles.renamedImages[String(folder)] ?? none)
        known[folder] = images
      }
      return images
    }
  }

  /// The patch and resource files named by the kustomizations among `inputs`.
  static func roles(among inputs: [LintInput]) -> Roles {
    var roles = Roles()
    guard inputs.contains(where: { fileNames.contains(fileName(of: $0.name)) }) else {
      return roles
    }
    // What the run holds: its files, and the folders they are in.
    var held: Set<String> = []
    var files: Set<String> = []
    for input in inputs {
      var name = normalized(input.name)
      files.insert(name)
      held.insert(name)
      while let slash = name.lastIndex(of: "/") {
        name = String(name[..<slash])
        guard held.insert(name).inserted else { break }
      }
    }
    var retagged: [String: Set<String>] = [:]
    var renamed: [String: Set<String>] = [:]
    /// By folder, the components its kustomization includes (in the run).
    var components: [String: [String]] = [:]
    var reader = FileReader()
    var patchFiles = PatchFiles(inputs: inputs)
    for input in inputs {
      guard fileNames.contains(fileName(of: input.name)), case .file(let path) = input.source,
        case .success(let count) = reader.read(path)
      else { continue }
      // Its values may be a chart generator's placeholders (`namespace: "{{ … }}"`); the
      // paths it names are what matter here.
      var yaml = YAMLReader()
      yaml.keepsTemplatedDocuments = true
      let file = reader.buffer.withUnsafeBufferPointer {
        yaml.read(UnsafeBufferPointer(rebasing: $0[0..<count]))
      }
      guard let root = file.documents.first?.root, root.isMapping else { continue }
      // Normalised, as the names the marking looks its folders up by (`../repo/app`).
      let folder = normalized(directory(of: input.name))
      var baseOutsideRun = false
      for key in ["resources", "bases", "components"] {
        for item in root[key]?.items ?? .none {
          guard let reference = item.text else { continue }
          if !isRemote(reference), let path = outside(folder, reference), held.contains(path) {
            roles.resources.insert(path)
            roles.builds[folder, default: []].append(path)
            // A component is applied by the kustomization that includes it, in its namespace.
            // A file outside the folder is refused by Kustomize's load restrictor: it is
            // built by none (a kustomization elsewhere cannot move it to its namespace).
            if !files.contains(path) || inside(folder, reference) != nil {
              roles.builders[path, default: []].append(folder)
            }
            if key == "components" { components[folder, default: []].append(path) }
          } else {
            baseOutsideRun = true
          }
        }
      }
      // A generator's files are a ConfigMap's or a Secret's data (`key=path` names the key).
      for key in ["configMapGenerator", "secretGenerator"] {
        for generator in root[key]?.items ?? .none {
          for field in ["files", "envs"] {
            for item in generator[field]?.items ?? .none {
              guard let entry = item.text,
                let reference = field == "envs" ? entry : Self.generatorFile(entry),
                let path = inside(folder, reference)
              else { continue }
              roles.generatorData.insert(path)
            }
          }
        }
      }
      // One that names no namespace (a placeholder) replaces its bases' all the same: which
      // it is, is unknown ("").
      if let written = root[.namespace] {
        roles.namespaces[folder] = written.text.flatMap { isNamespaceName($0) ? $0 : nil } ?? ""
      }
      for image in root["images"]?.items ?? .none {
        guard let name = image[.name]?.text else { continue }
        if image["newName"]?.text != nil {
          renamed[folder, default: []].insert(name)
        } else if image["newTag"]?.text != nil || image["digest"]?.text != nil {
          retagged[folder, default: []].insert(name)
        }
        // The tag it runs, judged as a written one (`latest`, a branch's: Argo CD's base
        // sets `latest`), unless a digest pins the image whatever the tag.
        if let tag = image["newTag"]?.text, image["digest"]?.text == nil {
          retagged[folder, default: []].insert(BuildArtifacts.Built.taggedName(name, tag))
        }
      }
      for (reference, targeted) in references(in: root) {
        guard let path = inside(folder, reference) else { continue }
        roles.patches[path] = baseOutsideRun || roles.patches[path] == true
        if targeted { roles.targetedPatches.insert(path) }
      }
      let rewrites = versionRewrites(
        in: root, folder: folder, file: input.name, files: &patchFiles)
      if !rewrites.isEmpty { roles.versionRewrites[folder, default: []] += rewrites }
      // Scaffolds (kubebuilder's) list optional patches commented out (`#- patch.yaml`):
      // such a file is a patch someone may enable, never applied on its own.
      let bytes = reader.buffer.prefix(count)
      for reference in commentedEntries(in: bytes) {
        guard let path = inside(folder, reference), roles.patches[path] == nil else { continue }
        roles.patches[path] = true
      }
    }
    roles.retaggedImages = retagged.mapValues(BuildArtifacts.ImageNameSets.init)
    roles.renamedImages = renamed.mapValues(BuildArtifacts.ImageNameSets.init)
    // A component's `images:` are applied by the kustomization that includes it, to all it
    // builds (redis-operator's overlays take their tag from `components/version`). Shared,
    // not copied: thousands of overlays may include one component of thousands of images.
    for (folder, included) in components {
      for component in included {
        if let names = roles.retaggedImages[component] {
          roles.retaggedImages[folder, default: BuildArtifacts.ImageNameSets()].add(names)
        }
        if let names = roles.renamedImages[component] {
          roles.renamedImages[folder, default: BuildArtifacts.ImageNameSets()].add(names)
        }
      }
    }
    roles.propagateImages()
    return roles
  }

  /// The apiVersions the JSON patches of `kustomization` (the file `name`) give the kinds they target: an entry of
  /// `patches` or `patchesJson6902` with a `target.kind`, whose operations (inline, or in its
  /// `path` file of the run) replace or add `/apiVersion` (metrics-server's 1.21+ overlay turns
  /// its `policy/v1beta1` budget into `policy/v1`).
  private static func versionRewrites(
    in kustomization: Node, folder: String, file name: String, files: inout PatchFiles
  ) -> [APIVersionRewrite] {
    var rewrites: [APIVersionRewrite] = []
    for key in ["patches", "patchesJson6902"] {
      for item in kustomization[key]?.items ?? .none {
        guard let kind = item["target"]?[.kind]?.text, !kind.isEmpty else { continue }
        var operations: [String: String] = [:]
        if let inline = item["patch"]?.text {
          operations = files.operations(inText: inline)
        } else if let path = item["path"]?.text, let file = inside(folder, path) {
          operations = files.operations(inFile: file)
        }
        if let apiVersion = operations["/apiVersion"] {
          rewrites.append(APIVersionRewrite(kind: kind, apiVersion: apiVersion, by: name))
        }
      }
    }
    return rewrites
  }

  /// The JSON patch files of a run, read when a kustomization names one (each once).
  struct PatchFiles {
    private let sources: [String: FilePath]
    private var known: [String: [String: String]] = [:]
    private var reader = FileReader(maximumSize: PatchFiles.maximumSize)

    /// Patches are a few lines; one larger is not read for this.
    static let maximumSize = 64 * 1024

    init(inputs: [LintInput]) {
      var sources: [String: FilePath] = [:]
      for input in inputs {
        if case .file(let path) = input.source { sources[normalized(input.name)] = path }
      }
      self.sources = sources
    }

    /// The values that the operations of the patch file `name` (normalised) replace or add,
    /// by path.
    mutating func operations(inFile name: String) -> [String: String] {
      if let found = known[name] { return found }
      var found: [String: String] = [:]
      if let path = sources[name], case .success(let count) = reader.read(path) {
        found = reader.buffer.withUnsafeBufferPointer {
          Self.operations(in: UnsafeBufferPointer(rebasing: $0[0..<count]))
        }
      }
      known[name] = found
      return found
    }

    /// `operations(inFile:)` of a patch written inline.
    func operations(inText text: String) -> [String: String] {
      guard text.utf8.count <= Self.maximumSize else { return [:] }
      return Array(text.utf8).withUnsafeBufferPointer(Self.operations(in:))
    }

    private static func operations(in bytes: UnsafeBufferPointer<UInt8>) -> [String: String] {
      let yaml = YAMLReader()
      let file = yaml.read(bytes)
      var found: [String: String] = [:]
      for item in file.documents.first?.root?.items ?? .none {
        guard let op = item["op"]?.text, op == "replace" || op == "add",
          let path = item["path"]?.text, let value = item["value"]?.text
        else { continue }
        found[path] = value
      }
      return found
    }
  }

  /// The paths of list entries that are commented out: `# - file.yaml`, `#- dir/file.yml`,
  /// and the `path` of a `patches` entry (`#- path: manager_webhook_patch.yaml`, or
  /// `#  path: …` under a commented `#- target:`), as kubebuilder's scaffolds write them.
  static func commentedEntries(in bytes: ArraySlice<UInt8>) -> [String] {
    var paths: [String] = []
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
      let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
      let text = String(decoding: line, as: UTF8.self).drop(while: blank)
      guard text.hasPrefix("#") else { continue }
      var entry = text.dropFirst().drop(while: blank)
      let isListed = entry.hasPrefix("-")
      if isListed { entry = entry.dropFirst().drop(while: blank) }
      let isPath = entry.hasPrefix("path:")
      if isPath { entry = entry.dropFirst("path:".count).drop(while: blank) }
      guard isListed || isPath else { continue }
      var path = entry
      while let last = path.last, blank(last) { path = path.dropLast() }
      guard !path.contains(" "), path.hasSuffix(".yaml") || path.hasSuffix(".yml") else { continue }
      paths.append(String(path))
    }
    return paths
  }

  /// The file a generator's `files:` entry reads: `path`, or `key=path` (Kustomize's
  /// `ParseFileSource`); `nil` for what Kustomize refuses (an empty key or path, two `=`).
  static func generatorFile(_ entry: String) -> String? {
    let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
    switch parts.count {
    case 1: return entry
    case 2 where !parts[0].isEmpty && !parts[1].isEmpty: return String(parts[1])
    default: return nil
    }
  }

  /// Whether `text` can name a namespace (a DNS-1123 label): not a chart generator's
  /// placeholder (`"{{ .Release.Namespace }}"`) or a variable (`$(NAMESPACE)`).
  static func isNamespaceName(_ text: String) -> Bool {
    let bytes = text.utf8
    guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"),
      bytes.last != UInt8(ascii: "-")
    else { return false }
    return bytes.allSatisfy { byte in
      (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
    }
  }

  /// A resource Kustomize fetches (`github.com/org/repo/path?ref=v1`, `https://…`).
  private static func isRemote(_ reference: String) -> Bool {
    reference.contains("://") || reference.hasPrefix("github.com/")
      || reference.hasPrefix("git@") || reference.hasPrefix("gitlab.com/")
  }

  /// `folder/reference` normalised, for resources, which may climb to a shared base.
  private static func outside(_ folder: String, _ reference: String) -> String? {
    guard !reference.hasPrefix("/") else { return nil }
    return normalized(folder.isEmpty ? reference : folder + "/" + reference)
  }

  /// Patch file references: `patchesStrategicMerge` entries that are paths, and the `path` of
  /// `patches` and `patchesJson6902` entries.
  private static func references(in kustomization: Node) -> [(path: String, targeted: Bool)] {
    var paths: [(path: String, targeted: Bool)] = []
    for item in kustomization["patchesStrategicMerge"]?.items ?? .none {
      // An entry may also be an inline patch (a YAML document in a string).
      if let text = item.text, !text.contains("\n") { paths.append((text, false)) }
    }
    for key in ["patches", "patchesJson6902"] {
      for item in kustomization[key]?.items ?? .none {
        if let path = item["path"]?.text {
          paths.append((path, item["target"]?.isMapping == true))
        } else if let text = item.text, !text.contains("\n") {
          paths.append((text, false))
        }
      }
    }
    return paths
  }

  /// `folder/reference`, normalised, when it stays inside `folder`; `nil` for an absolute
  /// reference or one that climbs out with `..`.
  static func inside(_ folder: String, _ reference: String) -> String? {
    guard !reference.hasPrefix("/") else { return nil }
    let relative = normalized(reference)
    guard !relative.isEmpty, relative != "..", !relative.hasPrefix("../") else { return nil }
    return normalized(folder.isEmpty ? relative : folder + "/" + relative)
  }

  /// `a/./b/../c.yaml` → `a/c.yaml`, lexically, so that references and inputs compare equal.
  public static func normalized(_ path: String) -> String {
    if isNormalized(path) { return path }
    var components: [Substring] = []
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
      if component == "." { continue }
      if component == "..", let last = components.last, last != ".." {
        components.removeLast()
      } else {
        components.append(component)
      }
    }
    return (path.hasPrefix("/") ? "/" : "") + components.joined(separator: "/")
  }

  /// No empty, `.` or `..` component and no trailing `/`: the common case, answered without
  /// splitting the path (this runs for every input).
  private static func isNormalized(_ path: String) -> Bool {
    var length = 0  // bytes in the current component
    var onlyDots = true
    func isPlain() -> Bool { !(onlyDots && (length == 1 || length == 2)) }
    for (index, byte) in path.utf8.enumerated() {
      guard byte == UInt8(ascii: "/") else {
        length += 1
        if byte != UInt8(ascii: ".") { onlyDots = false }
        continue
      }
      if index > 0 && (length == 0 || !isPlain()) { return false }
      length = 0
      onlyDots = true
    }
    return length == 0 ? path.utf8.count <= 1 : isPlain()
  }

  private static func fileName(of path: String) -> Substring {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
    return path[path.utf8.index(after: slash)...]
  }

  private static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[..<slash])
  }
}
