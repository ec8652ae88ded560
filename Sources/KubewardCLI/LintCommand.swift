import ArgumentParser
import Dispatch
import KubewardAdmission
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardReporters
import KubewardYAML

/// The severity at which a run fails, or `never`.
enum FailureThreshold: String, ExpressibleByArgument, CaseIterable {
  case error, warning, info, never

  var severity: Severity? { Severity(rawValue: rawValue) }
}

/// When to colour the text report.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
  case auto, always, never
}

extension ReportFormat: ExpressibleByArgument {}

extension Severity: ExpressibleByArgument {}

/// A size in bytes: `1048576`, `512KiB`, `64MiB`, `1GiB` (also `K`, `M`, `G`, `KB`, `MB`, `GB`:
/// all powers of 1024).
struct ByteCount: ExpressibleByArgument {
  let bytes: Int

  init?(argument: String) {
    let units: [(suffix: String, shift: Int)] = [
      ("KiB", 10), ("MiB", 20), ("GiB", 30), ("KB", 10), ("MB", 20), ("GB", 30), ("K", 10),
      ("M", 20), ("G", 30),
    ]
    var digits = Substring(argument)
    var shift = 0
    if let unit = units.first(where: { argument.hasSuffix($0.suffix) }) {
      digits = digits.dropLast(unit.suffix.count)
      shift = unit.shift
    }
    guard let value = Int(digits), value > 0, value <= Int.max >> shift else { return nil }
    bytes = value << shift
  }
}

/// `kubeward lint [PATH…]`
struct LintCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lint",
    abstract: "Lint manifest files and folders (recursively: .yaml, .yml, .json).",
    discussion: """
      Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 for usage and \
      configuration errors.

      Use - to read standard input: `helm template . | kubeward lint -` reports findings \
      against the chart's templates, `kubectl kustomize overlays/prod | kubeward lint -` lints \
      an overlay.

      Settings come from the nearest .kubeward.yaml (see `kubeward init`) or --config.
      """)

  @Argument(help: "Files and folders to lint, or - for standard input.")
  var paths: [String] = ["."]

  @Option(
    help: ArgumentHelp(
      "Report format: text, json, sarif, junit, github or markdown. Repeat with --output for "
        + "several.",
      valueName: "format"))
  var format: [ReportFormat] = []

  @Option(
    help: ArgumentHelp("Write the preceding --format's report to this file.", valueName: "file"))
  var output: [String] = []

  @Option(
    help:
      "Fail (exit status 1) on findings of this severity or worse: error, warning, info or never (default: the configuration's failOn, else warning)."
  )
  var failOn: FailureThreshold?

  @Option(
    help: ArgumentHelp(
      "The configuration file (default: the nearest .kubeward.yaml).", valueName: "file"))
  var config: String?

  @Option(help: ArgumentHelp("Report only findings not in this baseline.", valueName: "file"))
  var baseline: String?

  @Option(help: ArgumentHelp("Record this run's findings as a baseline.", valueName: "file"))
  var writeBaseline: String?

  @Option(
    help: ArgumentHelp(
      "A folder whose manifests inform cross-object policies without being reported (a pre-commit hook lints the staged files with the repository as context).",
      valueName: "folder"))
  var context: [String] = []

  @Option(
    help: ArgumentHelp(
      "Read the listed files (and --config) from this folder, a copy of the working directory, reporting them under the names given (the pre-commit hook reads the staged versions this way).",
      valueName: "folder"))
  var readFrom: String?

  @Flag(help: "Also show findings that a suppression or the baseline accepts.")
  var showSuppressed = false

  @Option(
    help: ArgumentHelp(
      "Show only findings of this severity or worse: info, warning or error (the summary still counts all).",
      valueName: "severity"))
  var minSeverity: Severity?

  @Option(
    help: ArgumentHelp(
      "Turn a policy on, whatever the configuration says (repeatable).", valueName: "policy"))
  var enable: [String] = []

  @Option(
    help: ArgumentHelp(
      "Turn a policy off, whatever the configuration says (repeatable).", valueName: "policy"))
  var disable: [String] = []

  @Flag(
    help:
      "Text report: group findings by file, one short line each, each policy's reason and fix once at the end."
  )
  var compact = false

  @Flag(
    help:
      "Succeed when no Kubernetes object was read (default: a run that read none fails with exit status 3, as an empty pipe is usually a mistake)."
  )
  var allowEmpty = false

  @Option(
    help: "Colour the text report: auto (on a terminal, unless NO_COLOR is set), always or never.")
  var color: ColorChoice = .auto

  @Option(help: "Files linted in parallel (default: the number of cores).")
  var jobs: Int?

  @Option(
    name: .customLong("policy"),
    help: ArgumentHelp(
      "ValidatingAdmissionPolicies (with their bindings and params) or Kyverno ValidatingPolicies to evaluate on every object, as the API server would (a file or folder; repeatable; also `admissionPolicies:` in the configuration).",
      valueName: "path"))
  var policyPaths: [String] = []

  @Flag(
    help:
      "Run only the admission policies of --policy (and the checks of the input itself), not the built-in catalogue: a policy's own tests."
  )
  var admissionOnly = false

  @Option(help: "The file name to report for standard input.")
  var stdinFilename: String?

  @Option(
    help: ArgumentHelp(
      "Files (and standard input) larger than this are reported, not read: bytes, or with a suffix KiB, MiB or GiB (default: 64MiB).",
      valueName: "size"))
  var maxFileSize: ByteCount?

  /// The reports, paired from the raw arguments by `KubewardMain`.
  var reports: [ReportRequest] = []

  func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    if paths.filter({ $0 == "-" }).count > 1 {
      // Read once, it would be an empty file the second time.
      throw ValidationError("- (standard input) is given more than once")
    }
    if stdinFilename != nil && !paths.contains("-") {
      throw ValidationError("--stdin-filename names standard input, which is read only with -")
    }
    // Policies' ids are known once the admission policies' files are read (see `run`): a
    // configuration may name them too.
    if let both = enable.first(where: disable.contains) {
      throw ValidationError("--enable and --disable both name \(both)")
    }
  }

  /// The policies `--enable` and `--disable` name, each once: a policy's id, and a Kyverno
  /// ClusterPolicy of several CEL rules by its name (its findings are `name/rule`), every rule
  /// of it. A policy named by its own id wins over a group that holds it (`--disable NAME
  /// --enable NAME/rule`: all rules but one).
  static func policies(
    enabling enabled: [String], disabling disabled: [String], in catalogue: PolicyCatalogue
  ) throws -> (enable: [String], disable: [String]) {
    func expanded(_ ids: [String]) throws -> (direct: [String], grouped: [String]) {
      var direct: [String] = []
      var grouped: [String] = []
      var seen: Set<String> = []
      for id in ids where seen.insert(id).inserted {
        let members = catalogue.members(of: id)
        guard catalogue[id] != nil || !members.isEmpty else {
          throw ValidationError(
            "no policy \"\(VisibleText.escaped(id))\"; run `kubeward rules` to list them")
        }
        if catalogue[id] != nil { direct.append(id) }
        grouped += members
      }
      return (direct, grouped)
    }
    // Named alike on both sides, a usage error, is refused by `validate()`.
    let enable = try expanded(enabled)
    let disable = try expanded(disabled)
    let enabledDirectly = Set(enable.direct)
    let disabledDirectly = Set(disable.direct)
    func once(_ ids: [String]) -> [String] {
      var seen: Set<String> = []
      return ids.filter { seen.insert($0).inserted }
    }
    return (
      once(enable.direct + enable.grouped.filter { !disabledDirectly.contains($0) }),
      once(disable.direct + disable.grouped.filter { !enabledDirectly.contains($0) })
    )
  }

  func run() throws {
    let jobs = self.jobs ?? availableCores()
    if jobs > 1 {
      // The built-in catalogue is read (39 YAML files) while the inputs are found.
      DispatchQueue.global().async { _ = PolicyCatalogue.builtIn }
    }
    let workingDirectory = currentDirectory()
    var admission = try loadAdmissionPolicies(workingDirectory: workingDirectory)
    if admissionOnly && admission == nil {
      // A configuration whose admissionPolicies are refused names none: its error is the one
      // to see, not that there are none.
      _ = try loadConfiguration(workingDirectory: workingDirectory, catalogue: .builtIn)
      throw ValidationError(
        "--admission-only needs admission policies (--policy, or admissionPolicies: in the configuration)"
      )
    }
    var catalogue = PolicyCatalogue.builtIn
    var enable = self.enable
    var disable = self.disable
    if let admission {
      catalogue = PolicyCatalogue(
        descriptions: catalogue.descriptions + AdmissionPolicySource(admission).descriptions,
        groups: AdmissionPolicySource(admission).groups)
    }
    (enable, disable) = try Self.policies(enabling: enable, disabling: disable, in: catalogue)
    let configFile = try loadConfiguration(workingDirectory: workingDirectory, catalogue: catalogue)
    let threshold = failOn.map(\.severity) ?? configFile?.failOn ?? .warning
    let inputs = try collectInputs(configFile, workingDirectory: workingDirectory)

    var configuration = configFile?.configuration ?? Configuration()
    for id in enable { configuration.policies[id, default: .init()].enabled = true }
    for id in disable { configuration.policies[id, default: .init()].enabled = false }
    var sources: [any PolicySource] = [
      admissionOnly ? BuiltInPolicies.inputSource : BuiltInPolicies.source
    ]
    if var set = admission {
      set.learnContext(from: inputs)
      set.workBudget = WorkBudget(inputSize: set.inputSize)
      let settings = configFile?.admissionRequest ?? AdmissionRequestSettings()
      if let username = settings.username { set.request.username = username }
      if let groups = settings.groups { set.request.groups = groups }
      if let operation = settings.operation { set.request.operation = operation }
      // Read for every object until the run ends.
      set.keepForTheProcess()
      admission = set
      sources.append(AdmissionPolicySource(set))
    }
    var linter = try Linter(configuration: configuration, sources: sources)
    linter.readerLimits.maximumFileSize = fileSizeLimit
    let requests = reports.isEmpty ? [ReportRequest(format: .text, output: output.first)] : reports
    linter.computePaths =
      baseline != nil || writeBaseline != nil || requests.contains { $0.format == .sarif }
    let reportPaths = requests.compactMap(\.output)
    try refuseToOverwrite(
      inputs.compactMap { input in
        if case .file(let path) = input.source { return path }
        return nil
      }, with: reportPaths + [writeBaseline].compactMap { $0 },
      "one of the files being linted")
    // Nor to what tells it how: the configuration and the admission policies; and a report
    // never replaces the baseline it reads (`--write-baseline` may: that is how it is
    // brought up to date).
    try refuseToOverwrite(
      [configurationSource(workingDirectory: workingDirectory)?.path].compactMap { $0 }
        .map(FilePath.init) + (admission?.files ?? []),
      with: reportPaths + [writeBaseline].compactMap { $0 },
      "the configuration or an admission policy file this run reads")
    try refuseToOverwrite(
      [baseline].compactMap { $0 }.map(FilePath.init), with: reportPaths,
      "the baseline this run reads")
    try refuseToWriteTwice(reportPaths + [writeBaseline].compactMap { $0 })

    let severities = Dictionary(
      uniqueKeysWithValues: linter.catalogue.descriptions.compactMap { description in
        linter.configuration.severity(of: description).map { (description.id, $0) }
      })
    var sinks: [FindingSink] = []
    var outputs: [Output] = []
    for request in requests {
      let destination = try request.output.map(Output.file) ?? Output.standardOutput
      outputs.append(destination)
      let interactive =
        request.output == nil && color != .never
        && (color == .always || destination.isTerminal)
      var options = ReportOptions(
        catalogue: linter.catalogue, severities: severities, showSuppressed: showSuppressed,
        color: interactive && (color == .always || !environmentHas("NO_COLOR")),
        codeFrames: interactive, sources: interactive ? SourceLines(inputs) : nil,
        sourceRoot: ConfigurationFile.repositoryRoot(from: workingDirectory),
        workingDirectory: workingDirectory,
        failOn: threshold)
      options.minimumSeverity = minSeverity
      options.compact = compact
      let reporter = request.format.reporter(to: destination, options: options)
      sinks.append(minSeverity.map { SeverityFilterSink(reporter, minimum: $0) } ?? reporter)
    }
    if let writeBaseline {
      let destination = try Output.file(writeBaseline)
      outputs.append(destination)
      sinks.append(BaselineWriter(output: destination))
    }
    let baseline = try self.baseline.map { path throws(ConfigurationError) in
      try Baseline(contentsOf: path)
    }
    // The process exits after the run: what the run built is left for the system to reclaim.
    let summary = linter.run(
      inputs,
      options: runOptions(jobs: jobs, baseline: baseline, admission: admission),
      into: FanOutSink(sinks))
    // A report that could not be written whole is an error, never a silent success.
    for output in outputs { try output.commit() }
    if let writeBaseline {
      Output.standardError.write(
        "kubeward: wrote \(summary.findingCount + summary.suppressed) finding"
          + "\(summary.findingCount + summary.suppressed == 1 ? "" : "s") to the baseline "
          + "\(VisibleText.escaped(writeBaseline))\n")
      // Recording a baseline is the point of the run, not a failure.
      return
    }
    if let threshold, summary.hasFindings(atLeast: threshold) { throw ExitCode(1) }
    // An empty pipe (`kubectl kustomize … | kubeward lint -` with nothing rendered) or a
    // folder without manifests lints nothing: that is not a pass.
    if summary.objects == 0 && !allowEmpty && configFile?.allowsEmpty != true {
      Output.standardError.write(
        "kubeward: no Kubernetes objects were read (\(summary.files) file"
          + "\(summary.files == 1 ? "" : "s"), \(summary.documents) document"
          + "\(summary.documents == 1 ? "" : "s")); pass --allow-empty if that is expected\n")
      throw ExitCode(3)
    }
  }

  private var fileSizeLimit: Int { maxFileSize?.bytes ?? ReaderLimits.standard.maximumFileSize }

  private func runOptions(jobs: Int, baseline: Baseline?, admission: AdmissionPolicySet?)
    -> RunOptions
  {
    // The process exits after the run: what the run built is left for the system to reclaim.
    var options = RunOptions(jobs: jobs, baseline: baseline, freesMemoryAtEnd: false)
    options.additionalFindings = admission?.policyFileFindings() ?? []
    return options
  }

  /// The configuration file's path and bytes (from `--read-from`'s copy when there is one).
  private func configurationSource(workingDirectory: String) -> (path: String, bytes: [UInt8]?)? {
    if let config {
      guard let readFrom else { return (config, LintInput.contents(of: config)) }
      return (config, LintInput.contents(of: mirrored(config, in: readFrom)))
    }
    guard let found = ConfigurationFile.find(from: workingDirectory) else { return nil }
    return (found, LintInput.contents(of: found))
  }

  private func loadConfiguration(workingDirectory: String, catalogue: PolicyCatalogue)
    throws(ConfigurationError) -> ConfigurationFile?
  {
    guard let (path, bytes) = configurationSource(workingDirectory: workingDirectory) else {
      return nil
    }
    guard let bytes else { return try ConfigurationFile(path: path, catalogue: catalogue) }
    return try ConfigurationFile(path: path, bytes: bytes, catalogue: catalogue)
  }

  /// The admission policies of `--policy` and the configuration's `admissionPolicies:`, read
  /// and compiled; `nil` when there are none.
  private func loadAdmissionPolicies(workingDirectory: String) throws -> AdmissionPolicySet? {
    var paths = policyPaths
    // The configuration's entries are the linted tree's: they may not lead out of its folder.
    var confinement: [String: String] = [:]
    if let (path, bytes) = configurationSource(workingDirectory: workingDirectory),
      let bytes
    {
      var folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
      if folder.isEmpty { folder = "/" }
      for entry in ConfigurationFile.admissionPolicyPaths(path: path, bytes: bytes) {
        paths.append(entry)
        confinement[entry] = folder
      }
    }
    guard !paths.isEmpty else { return nil }
    do {
      return try AdmissionPolicySet.load(
        paths: paths, confinement: confinement, reservedNames: Set(PolicyCatalogue.builtIn.ids))
    } catch {
      throw ValidationError(error.description)
    }
  }

  /// kubeward never writes to the files it reads: a report or baseline path that is one of
  /// `read` (by any name: the same file, not the same text) is a usage error.
  private func refuseToOverwrite(_ read: [FilePath], with outputs: [String], _ what: String)
    throws
  {
    // Only a file that exists can be read; most runs write new files and stat nothing.
    let existing = outputs.compactMap { path in FileIdentity(path).map { (path, $0) } }
    guard !existing.isEmpty else { return }
    for path in read {
      guard let identity = FileIdentity(path) else { continue }
      if let (output, _) = existing.first(where: { $0.1 == identity }) {
        throw CommandError(
          "\(VisibleText.escaped(output)) is \(what); kubeward never writes to them")
      }
    }
  }

  /// Two reports (or a report and the baseline) to one file: the last would replace the
  /// others without a word. The same file by any name: its text, or what it is on disk.
  private func refuseToWriteTwice(_ outputs: [String]) throws {
    guard outputs.count > 1 else { return }
    for (index, path) in outputs.enumerated() {
      let identity = FileIdentity(path)
      let normalized = InputDiscovery.normalizedPath(path)
      for earlier in outputs[..<index]
      where InputDiscovery.normalizedPath(earlier) == normalized
        || (identity != nil && FileIdentity(earlier) == identity)
      {
        throw CommandError(
          "\(VisibleText.escaped(path)) is named as the output of two reports (\(VisibleText.escaped(earlier))); give each its own file"
        )
      }
    }
  }

  /// Where `path` (relative to the working directory) is in the copy at `folder`.
  private func mirrored(_ path: String, in folder: String) -> String {
    path.hasPrefix("/") ? path : (folder.hasSuffix("/") ? folder : folder + "/") + path
  }

  /// The files to lint, then the context files that inform them, minus excluded paths.
  private func collectInputs(_ configFile: ConfigurationFile?, workingDirectory: String) throws
    -> [LintInput]
  {
    var inputs: [LintInput] = []
    // Left out while folders are walked too, before the walk leaves out links to files it
    // reads: a link to an excluded file is read (it was read zero times).
    let excludedName = { (name: String) -> Bool in
      configFile?.excludes(name, workingDirectory: workingDirectory) ?? false
    }
    for path in paths {
      if path == "-" {
        var input = LintInput(
          name: stdinFilename ?? "-", source: readStandardInput(limit: fileSizeLimit),
          isExplicit: true)
        input.attributesHelmSources = true
        inputs.append(input)
      } else {
        do {
          guard let readFrom else {
            inputs += try InputDiscovery.inputs(
              for: [(CommandLinePaths.path(for: path), path)], excluding: excludedName)
            continue
          }
          // Found in the copy, named as in the working directory.
          let copy = mirrored(path, in: readFrom)
          let excludedInCopy = { (name: String) -> Bool in
            excludedName(name.hasPrefix(copy) ? path + name.dropFirst(copy.count) : name)
          }
          for var input in try InputDiscovery.inputs(
            for: [(FilePath(copy), copy)], excluding: excludedInCopy)
          {
            if input.name.hasPrefix(copy) { input.name = path + input.name.dropFirst(copy.count) }
            // Projects are found in the working tree, which has what the copy may lack (the
            // kustomizations of staged files, say).
            input.scope = InputDiscovery.scope(ofFile: input.name)
            inputs.append(input)
          }
        } catch {
          throw ValidationError("\(error)")
        }
      }
    }
    let excluded = { (input: LintInput) -> Bool in
      guard let configFile, case .file = input.source else { return false }
      return configFile.excludes(input.name, workingDirectory: workingDirectory)
    }
    inputs.removeAll(where: excluded)
    // After the exclusions: a file excluded under one name is read under another it was given.
    if paths.count > 1 { inputs = InputDiscovery.readingEachFileOnce(inputs) }
    guard !context.isEmpty else { return inputs }
    let linted = Set(inputs.map { InputDiscovery.normalizedPath($0.name) })
    for folder in context {
      let prefix = InputDiscovery.normalizedPath(folder)
      let found: [LintInput]
      do {
        found = try InputDiscovery.inputs(
          for: [(FilePath(folder), folder)], excluding: excludedName)
      } catch {
        throw ValidationError("\(error)")
      }
      // The folder stands for the working directory (a hook's context is the repository the
      // staged files are named in): paths and projects below it are relative to it.
      func relative(_ path: String) -> String {
        let normalized = InputDiscovery.normalizedPath(path)
        if normalized.isEmpty || normalized == prefix { return "." }
        if prefix.isEmpty || prefix == "." { return normalized }
        return normalized.hasPrefix(prefix + "/")
          ? String(normalized.dropFirst(prefix.count + 1)) : normalized
      }
      for var input in found where !excluded(input) {
        // A context file that is also linted (the staged version of it) is replaced by it.
        let normalized = InputDiscovery.normalizedPath(input.name)
        guard !linted.contains(relative(input.name)), !linted.contains(normalized) else {
          continue
        }
        input.isContext = true
        input.scope = relative(input.scope)
        inputs.append(input)
      }
    }
    return inputs
  }
}
