import KubewardYAML

/// Finds the files that Kustomize kustomizations in a run use as patches. A patch is a partial
/// object (a Deployment with one changed container field); linted as a whole manifest it would
/// "lack" everything its base defines, so its objects are not linted on their own.
enum KustomizePatches {
  static let fileNames: Set<Substring> = [
    "kustomization.yaml", "kustomization.yml", "Kustomization",
  ]

  /// `inputs`, with the patch files among them marked. Files are related by their names (the
  /// paths the user knows), which may differ from where they are read (`--read-from`).
  static func marking(_ inputs: [LintInput]) -> [LintInput] {
    let patches = patchPaths(among: inputs)
    guard !patches.isEmpty else { return inputs }
    return inputs.map { input in
      var input = input
      if patches.contains(normalized(input.name)) { input.isKustomizePatch = true }
      return input
    }
  }

  /// The normalised names of patch files named by the kustomizations among `inputs`.
  static func patchPaths(among inputs: [LintInput]) -> Set<String> {
    var patches: Set<String> = []
    var reader = FileReader()
    for input in inputs {
      guard fileNames.contains(fileName(of: input.name)), case .file(let path) = input.source,
        case .success(let count) = reader.read(path)
      else { continue }
      let file = reader.buffer.withUnsafeBufferPointer {
        YAMLReader().read(UnsafeBufferPointer(rebasing: $0[0..<count]))
      }
      guard let root = file.documents.first?.root, root.isMapping else { continue }
      let folder = directory(of: input.name)
      for reference in references(in: root) {
        patches.insert(normalized(folder.isEmpty ? reference : folder + "/" + reference))
      }
    }
    return patches
  }

  /// Patch file references: `patchesStrategicMerge` entries that are paths, and the `path` of
  /// `patches` and `patchesJson6902` entries.
  private static func references(in kustomization: Node) -> [String] {
    var paths: [String] = []
    for item in kustomization["patchesStrategicMerge"]?.items ?? .none {
      // An entry may also be an inline patch (a YAML document in a string).
      if let text = item.text, !text.contains("\n") { paths.append(text) }
    }
    for key in ["patches", "patchesJson6902"] {
      for item in kustomization[key]?.items ?? .none {
        if let path = item["path"]?.text {
          paths.append(path)
        } else if let text = item.text, !text.contains("\n") {
          paths.append(text)
        }
      }
    }
    return paths
  }

  /// `a/./b/../c.yaml` → `a/c.yaml`, lexically, so that references and inputs compare equal.
  static func normalized(_ path: String) -> String {
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
