import KubewardYAML

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A `.kubeward.yaml` file: which policies run and how seriously, their options, what to
/// exclude, when the run fails. Read with kubeward's own YAML reader, strictly: an unknown
/// key, an unknown policy id or a value of the wrong type is an error with its position, never
/// ignored.
public struct ConfigurationFile: Sendable {
  public static let names = [".kubeward.yaml", ".kubeward.yml"]

  /// The file's path.
  public let path: String
  public let configuration: Configuration
  /// `failOn`; `.some(nil)` is `never`, `nil` when the file does not say.
  public let failOn: Severity??
  /// Path patterns, relative to the file's folder, that are not linted.
  public let exclude: [GlobPattern]
  /// `allowEmpty: true`: a run that reads no Kubernetes object succeeds (`--allow-empty`).
  public let allowsEmpty: Bool
  /// `admissionPolicies:` files and folders of admission policies to evaluate, as paths
  /// (relative ones are relative to the file's folder).
  public let admissionPolicies: [String]
  /// `admissionRequest:` who the imagined admission request comes from, and its operation.
  public let admissionRequest: AdmissionRequestSettings
  /// `webhook:` what `kubeward serve` skips and when it denies.
  public let webhook: WebhookSettings

  /// The folder `exclude` patterns are relative to.
  public var directory: String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  private static let topLevelKeys = [
    "failOn", "defaultNamespace", "exclude", "allowEmpty", "virtualNodes", "policies",
    "admissionPolicies", "admissionRequest", "webhook",
  ]

  public init(path: String, catalogue: PolicyCatalogue) throws(ConfigurationError) {
    guard let bytes = LintInput.contents(of: path) else {
      throw ConfigurationError("cannot read the configuration file \(path)")
    }
    try self.init(path: path, bytes: bytes, catalogue: catalogue)
  }

  public init(path: String, bytes: [UInt8], catalogue: PolicyCatalogue)
    throws(ConfigurationError)
  {
    self.path = path
    let file = YAMLReader().read(bytes)
    if let diagnostic = file.diagnostics.first {
      throw ConfigurationError(diagnostic.message, file: path, position: diagnostic.range.start)
    }
    let documents = file.documents.filter { !$0.isEmpty }
    guard documents.count <= 1 else {
      throw ConfigurationError(
        "a configuration file holds one document", file: path,
        position: SourcePosition(line: documents[1].startLine, column: 1))
    }
    var configuration = Configuration()
    var failOn: Severity??
    var exclude: [GlobPattern] = []
    var allowsEmpty = false
    var admissionPolicies: [String] = []
    var admissionRequest = AdmissionRequestSettings()
    var webhook = WebhookSettings()
    if let root = documents.first?.root {
      let reader = ConfigReader(file: path)
      try reader.rejectUnknownKeys(root, allowed: Self.topLevelKeys)
      for (key, value) in root.pairs {
        switch key.string {
        case "failOn":
          let name = try reader.text(value, "failOn")
          guard name == "never" || Severity(rawValue: name) != nil else {
            throw reader.error(value, "failOn must be error, warning, info or never")
          }
          failOn = .some(Severity(rawValue: name))
        case "defaultNamespace":
          configuration.defaultNamespace = try reader.text(value, "defaultNamespace")
        case "exclude":
          exclude = try reader.texts(value, "exclude").map(GlobPattern.init)
        case "virtualNodes":
          guard let flag = value.bool else {
            throw reader.error(value, "virtualNodes must be true or false")
          }
          configuration.virtualNodes = flag
        case "allowEmpty":
          guard let flag = value.bool else {
            throw reader.error(value, "allowEmpty must be true or false")
          }
          allowsEmpty = flag
        case "admissionPolicies":
          admissionPolicies = try reader.texts(value, "admissionPolicies")
          for (entry, node) in zip(admissionPolicies, value.items)
          where Self.admissionPolicyPath(entry, folder: ".") == nil {
            throw reader.error(
              node,
              "admissionPolicies are paths inside the configuration's folder, relative to it "
                + "(a configuration in a pull request must not read the machine's files; "
                + "use --policy for others), not \"\(entry)\"")
          }
        case "admissionRequest":
          admissionRequest = try Self.admissionRequest(value, reader: reader)
        case "webhook":
          webhook = try Self.webhook(value, reader: reader)
        default:
          configuration.policies = try Self.policies(value, reader: reader, catalogue: catalogue)
        }
      }
    }
    self.configuration = configuration
    self.failOn = failOn
    self.exclude = exclude
    self.allowsEmpty = allowsEmpty
    self.admissionRequest = admissionRequest
    self.webhook = webhook
    let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    self.admissionPolicies = admissionPolicies.compactMap {
      Self.admissionPolicyPath($0, folder: folder)
    }
    // Options are checked against each policy's now, so a typo fails here, with its position.
    for (id, _) in configuration.policies {
      guard let description = catalogue[id] else { continue }
      do {
        _ = try configuration.options(for: description)
      } catch {
        throw ConfigurationError(error.message, file: path, position: error.position)
      }
    }
  }

  private static func policies(_ node: Node, reader: ConfigReader, catalogue: PolicyCatalogue)
    throws(ConfigurationError) -> [String: Configuration.PolicySetting]
  {
    if node.isNull { return [:] }
    guard node.isMapping else {
      throw reader.error(node, "policies must map policy ids to settings")
    }
    var settings: [String: Configuration.PolicySetting] = [:]
    // A group's setting (a Kyverno ClusterPolicy's name: all its rules) is each member's,
    // unless the member is set by its own id, wherever in the map.
    var ownIDs: Set<String> = []
    for (key, _) in node.pairs {
      if let id = key.string, catalogue[id] != nil { ownIDs.insert(id) }
    }
    for (key, value) in node.pairs {
      // A name that is an id too (a ValidatingAdmissionPolicy named as the ClusterPolicy) is
      // both, as on the command line.
      if let name = key.string, case let members = catalogue.members(of: name), !members.isEmpty {
        guard value.isScalar || value.isMapping else {
          throw reader.error(value, "\(name) takes off, info, warning, error or a map of settings")
        }
        if catalogue[name] == nil && value.isMapping {
          // Its rules' options differ: a group takes only what every policy has.
          try reader.rejectUnknownKeys(value, allowed: ["severity", "enabled"])
        }
        let setting =
          value.isScalar
          ? try level(value, reader: reader) : try levelSetting(value, reader: reader)
        for member in members where !ownIDs.contains(member) { settings[member] = setting }
        if catalogue[name] == nil { continue }
      }
      guard let id = key.string, let description = catalogue[id] else {
        let name = key.string ?? "?"
        let near = catalogue.ids.filter { $0.contains(name) || name.contains($0) }
        throw reader.error(
          key,
          "no policy \"\(name)\""
            + (near.isEmpty ? "; `kubeward rules` lists them" : "; did you mean \(near[0])?"))
      }
      if value.isScalar {
        settings[id] = try level(value, reader: reader)
        continue
      }
      guard value.isMapping else {
        throw reader.error(value, "\(id) takes off, info, warning, error or a map of settings")
      }
      let optionNames = description.options.map(\.name)
      try reader.rejectUnknownKeys(value, allowed: ["severity", "enabled"] + optionNames)
      var setting = try levelSetting(value, reader: reader)
      for (name, option) in value.pairs {
        switch name.string {
        case "severity", "enabled": continue
        default:
          guard let value = OptionValue(node: option) else {
            throw reader.error(
              option, "\(name.string ?? "") must be text, a number, a boolean or a list")
          }
          setting.options[name.string ?? ""] = value
          setting.optionPositions[name.string ?? ""] = option.position
        }
      }
      settings[id] = setting
    }
    return settings
  }

  private static func admissionRequest(_ node: Node, reader: ConfigReader)
    throws(ConfigurationError) -> AdmissionRequestSettings
  {
    try reader.rejectUnknownKeys(node, allowed: ["username", "groups", "operation"])
    var settings = AdmissionRequestSettings()
    if let value = node["username"] { settings.username = try reader.text(value, "username") }
    if let value = node["groups"] { settings.groups = try reader.texts(value, "groups") }
    if let value = node["operation"] {
      let operation = try reader.text(value, "operation")
      guard ["CREATE", "UPDATE"].contains(operation) else {
        throw reader.error(value, "admissionRequest.operation is CREATE or UPDATE")
      }
      settings.operation = operation
    }
    return settings
  }

  private static func webhook(_ node: Node, reader: ConfigReader)
    throws(ConfigurationError) -> WebhookSettings
  {
    try reader.rejectUnknownKeys(
      node, allowed: ["denyOn", "skipNamespaces", "skipUsers", "skipGroups"])
    var settings = WebhookSettings()
    if let value = node["denyOn"] {
      let name = try reader.text(value, "webhook.denyOn")
      guard name == "never" || Severity(rawValue: name) != nil else {
        throw reader.error(value, "webhook.denyOn must be error, warning, info or never")
      }
      settings.denyOn = .some(Severity(rawValue: name))
    }
    if let value = node["skipNamespaces"] {
      settings.skipNamespaces = try reader.texts(value, "webhook.skipNamespaces")
    }
    if let value = node["skipUsers"] {
      settings.skipUsers = try reader.texts(value, "webhook.skipUsers")
    }
    if let value = node["skipGroups"] {
      settings.skipGroups = try reader.texts(value, "webhook.skipGroups")
    }
    return settings
  }

  /// The `admissionPolicies:` of a configuration file, read before the file itself can be
  /// (its `policies:` may name the admission policies these paths hold).
  public static func admissionPolicyPaths(path: String, bytes: [UInt8]) -> [String] {
    let file = YAMLReader().read(bytes)
    guard let root = file.documents.first(where: { !$0.isEmpty })?.root,
      let list = root["admissionPolicies"], list.isSequence
    else { return [] }
    let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    return list.items.compactMap(\.string).compactMap { admissionPolicyPath($0, folder: folder) }
  }

  /// An `admissionPolicies:` entry as a path from the working directory: `nil` for one that is
  /// absolute or climbs out of the configuration's folder. The configuration is one of the
  /// linted files, which a pull request may change, and it named `/`, `/etc/shadow` or
  /// `/dev/stdin` for CI to read.
  static func admissionPolicyPath(_ entry: String, folder: String) -> String? {
    guard !entry.hasPrefix("/"), !entry.isEmpty else { return nil }
    let relative = KustomizePatches.normalized(entry)
    guard relative != "..", !relative.hasPrefix("../") else { return nil }
    return folder == "." ? entry : folder + "/" + entry
  }

  /// `off`, `info`, `warning` or `error` (YAML 1.1 readers see a plain `off` as false).
  /// The `severity:` and `enabled:` of a policy's map of settings, in the order written.
  private static func levelSetting(_ node: Node, reader: ConfigReader)
    throws(ConfigurationError) -> Configuration.PolicySetting
  {
    var setting = Configuration.PolicySetting()
    for (name, option) in node.pairs {
      switch name.string {
      case "severity":
        let level = try level(option, reader: reader)
        setting.enabled = level.enabled
        setting.severity = level.severity
      case "enabled":
        guard let enabled = option.bool else {
          throw reader.error(option, "enabled must be true or false")
        }
        setting.enabled = enabled
      default: continue
      }
    }
    return setting
  }

  private static func level(_ node: Node, reader: ConfigReader) throws(ConfigurationError)
    -> Configuration.PolicySetting
  {
    let text = node.string ?? ""
    if text == "off" || node.bool == false { return Configuration.PolicySetting(enabled: false) }
    guard let severity = Severity(rawValue: text) else {
      throw reader.error(node, "a policy's level is off, info, warning or error, not \"\(text)\"")
    }
    return Configuration.PolicySetting(severity: severity)
  }

  /// Whether `path` (as given on the command line or found in a folder, relative to
  /// `workingDirectory`) is excluded: a pattern matches it or one of its folders.
  public func excludes(_ path: String, workingDirectory: String) -> Bool {
    guard !exclude.isEmpty else { return false }
    let absolute = path.hasPrefix("/") ? path : workingDirectory + "/" + path
    let base = KustomizePatches.normalized(
      directory.hasPrefix("/") ? directory : workingDirectory + "/" + directory)
    let file = KustomizePatches.normalized(absolute)
    guard file.hasPrefix(base == "/" ? "/" : base + "/") else { return false }
    let relative = String(file.dropFirst(base == "/" ? 1 : base.count + 1))
    var candidate = ""
    for component in relative.split(separator: "/") {
      candidate += candidate.isEmpty ? String(component) : "/" + component
      if exclude.contains(where: { $0.matches(candidate) }) { return true }
    }
    return false
  }

  /// The configuration file that applies in `directory`: the nearest `.kubeward.yaml` in it or
  /// its parents up to the repository root (the nearest folder holding `.git`). Outside a
  /// repository only `directory` itself is looked at: a file in some folder above (a shared
  /// `/tmp`, a home folder) belongs to no one the run can trust.
  public static func find(from directory: String) -> String? {
    let start = KustomizePatches.normalized(directory)
    let root = repositoryRoot(from: start)
    var folder = start
    while true {
      for name in names {
        let candidate = (folder == "/" ? "" : folder) + "/" + name
        if access(candidate, F_OK) == 0 { return candidate }
      }
      guard let root, folder != root, let parent = parent(of: folder) else { return nil }
      folder = parent
    }
  }

  /// The nearest folder at or above `directory` that holds `.git`.
  public static func repositoryRoot(from directory: String) -> String? {
    var folder = directory
    while true {
      if access((folder == "/" ? "" : folder) + "/.git", F_OK) == 0 { return folder }
      guard let parent = parent(of: folder) else { return nil }
      folder = parent
    }
  }

  private static func parent(of folder: String) -> String? {
    guard folder != "/", !folder.isEmpty, let slash = folder.lastIndex(of: "/") else {
      return nil
    }
    return slash == folder.startIndex ? "/" : String(folder[..<slash])
  }
}

/// Typed, positioned reads of configuration values.
struct ConfigReader {
  let file: String

  func error(_ node: Node, _ message: String) -> ConfigurationError {
    ConfigurationError(message, file: file, position: node.position)
  }

  func rejectUnknownKeys(_ node: Node, allowed: [String]) throws(ConfigurationError) {
    guard node.isMapping else { throw error(node, "expected a mapping") }
    for (key, _) in node.pairs where !allowed.contains(key.string ?? "") {
      throw error(
        key,
        "unknown key \"\(key.string ?? "?")\" (expected \(allowed.joined(separator: ", ")))")
    }
  }

  public func text(_ node: Node, _ field: String) throws(ConfigurationError) -> String {
    guard let text = node.text, node.isScalar else {
      throw error(node, "\(field) must be text")
    }
    guard !text.isEmpty else { throw error(node, "\(field) must not be empty") }
    return text
  }

  func texts(_ node: Node, _ field: String) throws(ConfigurationError) -> [String] {
    guard node.isSequence else { throw error(node, "\(field) must be a list") }
    return try node.items.map { item throws(ConfigurationError) in try text(item, field) }
  }
}

/// Who the admission request kubeward imagines comes from (`admissionRequest:`).
public struct AdmissionRequestSettings: Sendable {
  public var username: String?
  public var groups: [String]?
  public var operation: String?

  public init() {}
}

/// What the admission webhook (`kubeward serve`) skips and when it denies (`webhook:`).
public struct WebhookSettings: Sendable {
  /// The least severity that denies a request; `.some(nil)` is `never` (warn only); `nil`
  /// when the file does not say.
  public var denyOn: Severity??
  /// Namespaces whose requests are allowed unlinted; `nil` when the file does not say.
  public var skipNamespaces: [String]?
  /// Users (a trailing `*` matches any rest: `system:serviceaccount:kube-system:*`) and groups
  /// whose requests are allowed unlinted.
  public var skipUsers: [String] = []
  public var skipGroups: [String] = []

  public init() {}
}
