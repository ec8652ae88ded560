import KubewardEngine
import KubewardModel

/// `ephemeral-storage-limit`: containers that can fill the node's disk (I-6).
struct EphemeralStorageLimit: ObjectPolicy {
  static let id = "ephemeral-storage-limit"

  /// Images whose job is to keep data (databases, queues, log and metric stores, buffers of
  /// log shippers, build servers): the `dataImages` option.
  let dataImages: Set<String>
  /// Programs that start a data image's server besides its own name: `serverPrograms`.
  let serverPrograms: Set<Substring>
  /// Programs whose work is writing files: the `writingCommands` option.
  let writingCommands: Set<Substring>
  /// Those of them that install software: `installingCommands`.
  let installingCommands: Set<Substring>

  init(options: PolicyOptions) {
    dataImages = Set(options.strings("dataImages"))
    serverPrograms = Set(options.strings("serverPrograms").map { Substring($0) })
    writingCommands = Set(options.strings("writingCommands").map { Substring($0) })
    installingCommands = Set(options.strings("installingCommands").map { Substring($0) })
  }

  /// What shows that the container writes to the node's disk beyond its logs, in two kinds.
  /// (hostPath writes fill the disk too, but no ephemeral-storage limit counts them:
  /// `hostpath-volume` reports those.) `nil` when nothing does: most containers only log, and
  /// a warning there is a guess.
  ///
  /// The first: a writable emptyDir on disk without `sizeLimit`, which `emptydir-size-limit`
  /// reports itself (its `sizeLimit` is the first remedy).
  private func volumeWriteEvidence(
    _ container: Container, _ spec: PodSpec, _ volumes: PodVolumes
  ) -> String? {
    // Read from the command line only when an unbounded emptyDir's mount asks.
    var smallFileFolders: Set<[UInt8]>?
    for mount in container.volumeMounts where !mount.readOnly {
      guard let volume = spec.volume(named: mount.volume) else { continue }
      if let (_, emptyDir) = volume.emptyDir, emptyDir?[.sizeLimit] == nil,
        emptyDir?.scalar(.medium)?.textEquals("Memory") != true
      {
        if volumes.socketFolders.contains(mount.volume) { continue }
        // Where configuration and credentials live, a few small files: a sidecar's
        // certificates, a server's own (`--cert-dir`), as `emptydir-size-limit` judges it.
        if let path = mount.path {
          if Container.holdsSmallFiles(mountedAt: path) { continue }
          let folders = smallFileFolders ?? container.smallFileFolders
          smallFileFolders = folders
          if Container.holdsSmallFiles(mountedAt: path, smallFileFolders: folders) { continue }
        }
        // One configuration file of the volume (`subPath: nginx.conf`): nothing else of it.
        if Container.holdsOneConfigFile(subPath: mount.subPath) { continue }
        // An init container's volume that no container that runs writes, or writes only as
        // configuration (one file of it, a certificates folder), holds what it set up, once
        // (Contour's Envoy bootstrap, Argo CD's copied binary, a config file copied from a
        // ConfigMap), as `emptydir-size-limit` judges it: no growth.
        if !container.isLongRunning, !volumes.growingWhileRunning.contains(mount.volume) {
          continue
        }
        // Said as seen: a writable mount, not a write (a config folder that only an init
        // container fills is mounted writable by the containers that read it too).
        let kind = emptyDir == nil ? "volume" : "emptyDir volume"
        let implied = emptyDir == nil ? " (it sets no source, so it is an emptyDir)" : ""
        return "it mounts \(kind) \"\(mount.volume)\"\(implied) writable, which has no sizeLimit"
      }
    }
    return nil
  }

  /// The others, for a container with no volume of its own to write to: an image whose job
  /// is to store data, or a command that writes files.
  private func layerWriteEvidence(
    _ container: Container, _ spec: PodSpec, _ volumes: PodVolumes
  ) -> String? {
    // With a read-only root file system only volumes take writes; a container with a volume
    // of its own (a claim, a StatefulSet's volumeClaimTemplates) keeps its data there.
    if container.hasReadOnlyRootFilesystem || hasOwnStorage(container, spec) { return nil }
    if let name = keptData(container), !keepsDataOnEmptyDir(container, spec, volumes) {
      return "it runs \(name), which stores data, with no volume of its own to hold it"
    }
    if writesThroughCommand(container) {
      return "its command writes files"
    }
    return nil
  }

  private func writesThroughCommand(_ container: Container) -> Bool {
    Self.commandWritesFiles(
      container.commandLine, writers: writingCommands, installers: installingCommands,
      mountPaths: container.volumeMountPaths.map(\.path),
      environment: container.node.items(.env).compactMap { item in
        guard let name = item.scalar(.name)?.string, let value = item.scalar(.value)?.string
        else { return nil }
        return (name, value)
      })
  }

  /// The data image (`dataImages`) whose server the container runs, which keeps its data. A
  /// data store's image kept idle (`tail -f /dev/null`: a client to `kubectl exec` into), or
  /// running its client tools, runs no server that stores anything.
  private func keptData(_ container: Container) -> String? {
    guard let name = dataImage(container), !container.isIdle, runsServer(container, of: name),
      !Self.keepsNothing(container.commandLine, image: name),
      !Self.runsSentinel(container, image: name)
    else { return nil }
    return name
  }

  /// A Redis (or Valkey) Sentinel: it watches a Redis and runs its failover, and keeps only
  /// its own small configuration file. Told by its ports (all Sentinel's 26379: the
  /// Kubernetes examples' sentinel, which the image's entry point starts from the
  /// environment) or its `--sentinel` switch (`redis-server sentinel.conf --sentinel`);
  /// `redis-sentinel` is no server of the data image already (`runsServer`).
  static func runsSentinel(_ container: Container, image: String) -> Bool {
    guard image.hasPrefix("redis") || image.hasPrefix("valkey") else { return false }
    let ports = container.ports
    if !ports.isEmpty && ports.allSatisfy({ $0.number == 26379 }) { return true }
    return container.commandLine.contains("--sentinel")
  }

  /// A Redis (or Valkey) set to keep nothing, as a cache: snapshots off (`--save ""`) and not
  /// turned on again by another `--save`, no append-only file, not a replica (which writes
  /// what it syncs), and no configuration file that could turn any of them on. It writes no
  /// data. The arguments as given (`[--save, ""]`, or `--save ''` as one): a shell command
  /// line is not taken apart here, and keeps the finding. (The admission policy reads them
  /// the same way: joined by lines, ASCII case ignored.)
  static func keepsNothing(_ commandLine: [String], image: String) -> Bool {
    guard image.hasPrefix("redis") || image.hasPrefix("valkey") else { return false }
    let arguments = commandLine.map(ASCIIText.lowercased)
    let lines = "\n" + arguments.joined(separator: "\n") + "\n"
    func holds(_ needle: String) -> Bool { ASCIIText.firstRange(of: needle, in: lines) != nil }
    let emptySave: Set<String> = ["--save \"\"", "--save ''"]
    let savesNothing = holds("\n--save\n\n") || arguments.contains(where: emptySave.contains)
    // `--save 900 1`, as two arguments or as one.
    let savesSomething =
      ASCIIText.contains("\n--save\n", followedByTextIn: lines)
      || arguments.contains { $0.hasPrefix("--save ") && !emptySave.contains($0) }
    let appends =
      (holds("\n--appendonly\n") && !holds("\n--appendonly\nno\n"))
      || arguments.contains { $0.hasPrefix("--appendonly ") && $0 != "--appendonly no" }
    let replicates = arguments.contains {
      $0.hasPrefix("--replicaof") || $0.hasPrefix("--slaveof")
    }
    let configured = commandLine.contains { $0.hasSuffix(".conf") }
    return savesNothing && !savesSomething && !appends && !replicates && !configured
  }

  /// The entry of `dataImages` the container's image is (see `DataImages`).
  private func dataImage(_ container: Container) -> String? {
    DataImages.name(of: container, among: dataImages)
  }

  /// Whether a container of a data image runs the image's server: its own entry point (no
  /// `command`), or a command whose program starts it (`redis-server`, `mysqld`, `postgres`,
  /// `docker-entrypoint.sh`; after a wrapper such as `tini --` or `gosu redis`), or that runs
  /// a script of a folder named for it (Bitnami's `/opt/bitnami/scripts/redis/run.sh`). A
  /// command of another program (`psql -f seed.sql`, `until pg_isready -h db`, a script of
  /// the client tools) uses the image for its tools.
  private func runsServer(_ container: Container, of image: String) -> Bool {
    // (An empty `command` is left out of what the API server stores, as none.)
    guard let command = container.node[.command], !command.items.isEmpty else { return true }
    func startsServer(_ word: Substring) -> Bool {
      let program = ASCIIText.lastPathComponent(word)
      return program == image || program == image + "d" || program.hasPrefix(image + "-server")
        || program.contains("entrypoint") || serverPrograms.contains(program)
    }
    let folder = "/" + image + "/"
    return Container.commands(of: container.commandLine).contains { words in
      if words.contains(where: { $0.hasSuffix(".sh") && $0.contains(folder) }) { return true }
      // The program: past wrappers, their options, and a user switch's user.
      let rest = words.filter {
        !Self.wrappers.contains(ASCIIText.lastPathComponent($0))
          && $0.utf8.first != UInt8(ascii: "-")
      }
      let switchesUser = words.contains {
        Self.userSwitches.contains(ASCIIText.lastPathComponent($0))
      }
      return rest.first.map(startsServer) == true
        || (switchesUser && rest.count > 1 && startsServer(rest[1]))
    }
  }

  /// Programs that start the one after them (`tini -- redis-server`).
  static let wrappers: Set<Substring> = [
    "tini", "tini-static", "dumb-init", "gosu", "su-exec", "env", "nice", "nohup", "setpriv",
  ]
  /// Wrappers whose first argument is a user (`gosu redis redis-server`).
  static let userSwitches: Set<Substring> = ["gosu", "su-exec"]

  /// Whether the container mounts an emptyDir writable where files grow (not where
  /// configuration and credentials live: `PodSpec.volumesGrowingWhileRunning`): a data
  /// store's data goes there (MySQL's `/var/lib/mysql`), which `emptydir-size-limit` judges,
  /// not to its layer.
  private func keepsDataOnEmptyDir(
    _ container: Container, _ spec: PodSpec, _ volumes: PodVolumes
  ) -> Bool {
    container.volumeMounts.contains { mount in
      !mount.readOnly && volumes.growingWhileRunning.contains(mount.volume)
        && spec.volume(named: mount.volume)?.emptyDir != nil
    }
  }

  /// Whether the container mounts a writable volume that can hold data: not config, secrets
  /// or the downward API (mounted read-only whatever the manifest says), nor an emptyDir.
  private func hasOwnStorage(_ container: Container, _ spec: PodSpec) -> Bool {
    container.volumeMounts.contains { mount in
      guard !mount.readOnly else { return false }
      guard let volume = spec.volume(named: mount.volume) else {
        return true
      }
      let type = volume.source?.type ?? "emptyDir"
      return !["emptyDir", "configMap", "secret", "projected", "downwardAPI"].contains(type)
    }
  }

  /// Where a redirection writes to no disk: devices, and the kernel's virtual file systems.
  static let virtualPrefixes = ["/dev/", "/proc/", "/sys/"]

  /// Programs that run a command in another root or in the host's mount namespace (`chroot
  /// /host`, `nsenter -t 1 -m`), as the command's program: what it writes lands there, not in
  /// the container's layer.
  static let otherRoots: Set<Substring> = ["nsenter", "chroot"]

  /// Writing programs that read every operand but the last, which they write: a copy.
  static let copiers: Set<Substring> = ["cp", "mv", "rsync"]

  /// Shells: only a command line one of them runs has redirections; in an exec-form command
  /// (`--nodes=<min>:<max>`) a `>` is an argument's character.
  static let shells: Set<Substring> = ["sh", "bash", "ash", "dash", "zsh", "ksh"]

  /// Whether a command line visibly writes files to the container's writable layer: a
  /// redirection to a file, `curl -o` a file, or a program whose work is writing (`mkdir`,
  /// `cp`, `wget`, `tar`, package installs: `installers`). A file under one of `mountPaths` is
  /// on a volume (judged as a volume, or not on the node's disk at all: a memory-backed
  /// emptyDir).
  static func commandWritesFiles(
    _ words: [String], writers: Set<Substring>, installers: Set<Substring>,
    mountPaths: [String] = [], environment: [(name: String, value: String)] = []
  ) -> Bool {
    guard let first = words.first,
      !otherRoots.contains(ASCIIText.lastPathComponent(Substring(first)))
    else { return false }
    let tokens = ASCIIText.words(of: words) { byte in
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: ";"),
        UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "("), UInt8(ascii: ")"):
        true
      default: false
      }
    }
    let programs = tokens.map(ASCIIText.lastPathComponent)
    func writesFile(_ target: Substring) -> Bool {
      guard !target.isEmpty, !virtualPrefixes.contains(where: { target.hasPrefix($0) }) else {
        return false
      }
      // (A volume mounted at `/` is no exemption: it would be every file.)
      return !mountPaths.contains { path in
        path != "/" && (target == path || target.hasPrefix(path.hasSuffix("/") ? path : path + "/"))
      }
    }
    var assignments = Assignments()
    let runsCurl = programs.contains("curl")
    // `args: [-c, …]` with no command: the image's entry point is the shell.
    let throughShell = programs.contains(where: shells.contains) || first == "-c"
    if runsWriter(words, writers: writers, installers: installers, writesFile: writesFile) {
      return true
    }
    for (index, token) in tokens.enumerated() {
      // `curl -O` names the file after the URL; `curl -o /dev/null` writes nothing.
      if runsCurl && token == "-O" { return true }
      if runsCurl && (token == "-o" || token == "--output"), index + 1 < tokens.count,
        writesFile(tokens[index + 1])
      {
        return true
      }
      // `> file`, `>>file`, `2> log`: a redirection whose target is a file, not a device,
      // a kernel setting (`echo 1 > /proc/sys/…`) or another descriptor (`2>&1`, split at
      // its `&`). Every one in a word (`>$A>/var/log/x`), as the exported policy finds them.
      guard throughShell, token.utf8.contains(UInt8(ascii: ">")) else { continue }
      let pieces = token.split(separator: ">", omittingEmptySubsequences: false).dropFirst()
      var targets = pieces.filter { !$0.isEmpty }
      if pieces.last?.isEmpty == true {
        let base = token.base
        let toDescriptor =
          token.endIndex < base.endIndex && base.utf8[token.endIndex] == UInt8(ascii: "&")
        if !toDescriptor, index + 1 < tokens.count { targets.append(tokens[index + 1]) }
      }
      for target in targets {
        let files = Self.values(ofTarget: target) {
          assignments.values(of: $0, in: tokens, environment: environment)
        }
        if files.contains(where: { writesFile($0[...]) }) { return true }
      }
    }
    return false
  }

  /// The files a redirection's target names, its quotes dropped: itself; or, when it starts
  /// with a shell variable (`> ${KEYRING_FILE}`, `>"$DIR/log"`), each value `assigned` gives
  /// the variable, followed by the rest of the target. None when nothing assigns it, the
  /// variable is no plain name (`$1`, `${X:-/tmp}`) or its value is no known path
  /// (`isKnownPath`): kubeward cannot tell where it writes, and does not guess. The exported
  /// policy reads targets so too.
  static func values(ofTarget target: Substring, assigned: (Substring) -> [Substring])
    -> [String]
  {
    // By Unicode scalar, as the exported policy reads code points: a combining mark after a
    // name's letter ends the name there as it does there (by Character it joined the letter).
    let unquoted = String(
      String.UnicodeScalarView(target.unicodeScalars.filter { $0 != "\"" && $0 != "'" }))
    let scalars = unquoted.unicodeScalars
    guard scalars.first == "$" else { return isKnownPath(unquoted) ? [unquoted] : [] }
    let afterDollar = scalars.dropFirst()
    let name: Substring.UnicodeScalarView
    let rest: Substring.UnicodeScalarView
    if afterDollar.first == "{" {
      guard let closing = afterDollar.firstIndex(of: "}") else { return [] }
      name =
        Substring(unquoted)[afterDollar.index(after: afterDollar.startIndex)..<closing]
        .unicodeScalars
      rest = Substring(unquoted)[afterDollar.index(after: closing)...].unicodeScalars
    } else {
      let end = afterDollar.firstIndex { !isNameScalar($0) } ?? afterDollar.endIndex
      name = Substring(unquoted)[afterDollar.startIndex..<end].unicodeScalars
      rest = Substring(unquoted)[end...].unicodeScalars
    }
    guard let first = name.first, !("0"..."9").contains(first), name.allSatisfy(isNameScalar)
    else { return [] }
    return assigned(Substring(name)).map { String($0) + String(Substring(rest)) }
      .filter(isKnownPath)
  }

  /// A value that is itself a variable (`LOG_DIR=$DATA_DIR/logs`) or a command's output
  /// (`` `mktemp` ``) is a path kubeward does not know: no evidence, as the exported policy
  /// reads it (it took `$DATA_DIR/logs/x` for a file in the writable layer when `DATA_DIR`
  /// was a volume).
  private static func isKnownPath(_ path: String) -> Bool {
    !path.hasPrefix("$") && !path.hasPrefix("`")
  }

  /// A letter, digit or `_` of ASCII: what a shell variable's name is made of.
  private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "_" || ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar)
      || ("A"..."Z").contains(scalar)
  }

  /// The values a command line assigns its variables (`KEYRING_FILE="/etc/ceph/keyring"`, a
  /// word of its own, quotes dropped) and the container's `env` gives them: read once, and
  /// only when a redirection names a variable. At most `kept` different values of a name,
  /// the first: every value for every redirection to it made a script that assigns one name
  /// and redirects to it thousands of times quadratic. (The exported policy reads them all:
  /// past 16 values of one name the two may differ.)
  private struct Assignments {
    private var byName: [Substring: [Substring]]?
    static let kept = 16

    mutating func values(
      of name: Substring, in tokens: [Substring], environment: [(name: String, value: String)]
    ) -> [Substring] {
      if byName == nil {
        var found: [Substring: [Substring]] = [:]
        func add(_ value: Substring, to name: Substring) {
          let values = found[name, default: []]
          if values.count < Self.kept && !values.contains(value) {
            found[name, default: []].append(value)
          }
        }
        for token in tokens {
          guard let equals = token.firstIndex(of: "="), equals != token.startIndex else {
            continue
          }
          let value = token[token.index(after: equals)...].filter { $0 != "\"" && $0 != "'" }
          add(Substring(value), to: token[..<equals])
        }
        for (name, value) in environment { add(Substring(value), to: Substring(name)) }
        byName = found
      }
      return byName?[name] ?? []
    }
  }

  /// Whether a command line runs a program of `writers` that writes files outside the
  /// container's volumes: an installer always; another (`mkdir`, `cp`, `mv`, `tar`) unless it
  /// is its command's program, the only writer there, and every operand it is given is an
  /// absolute path on a volume or a device (`mv /tmp/a /tmp/b` with `/tmp` mounted). An
  /// operand that is relative, or no operand at all, may be the writable layer.
  private static func runsWriter(
    _ commandLine: [String], writers: Set<Substring>, installers: Set<Substring>,
    writesFile: (Substring) -> Bool
  ) -> Bool {
    // The program a word names: `$(wget` and `` `mkdir `` run one too.
    func program(_ word: Substring) -> Substring {
      let opening = word.utf8.lastIndex { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "`") }
      return ASCIIText.lastPathComponent(
        opening.map { word[word.utf8.index(after: $0)...] } ?? word)
    }
    return Container.commands(of: commandLine).contains { words in
      let written = words.filter { writers.contains(program($0)) }
      guard !written.isEmpty else { return false }
      let program = program(words[0])
      guard written.count == 1, writers.contains(program), !installers.contains(program) else {
        return true
      }
      if writesToStandardOutput(words) { return false }
      // `dd of=/data/x`: the path after the `=`; a URL is read from, not written.
      let operands = words.filter { $0 != words[0] && $0.utf8.first != UInt8(ascii: "-") }
        .map { word in
          word.utf8.lastIndex(of: UInt8(ascii: "=")).map { word[word.utf8.index(after: $0)...] }
            ?? word
        }
        .filter { !$0.contains("://") }
      // A copy writes only where it copies to, its last operand: what it copies from is read
      // (`cp -r /defaults/* /data/` fills a volume from the image).
      let targets = copiers.contains(program) ? Array(operands.suffix(1)) : operands
      return targets.isEmpty
        || targets.contains { $0.utf8.first != UInt8(ascii: "/") || writesFile($0) }
    }
  }

  /// Whether a writing program's words send what it fetches to standard output, or nowhere:
  /// `wget -qO- URL`, `-O -`, `--output-document=-`, `--spider` (a wait loop's check).
  static func writesToStandardOutput(_ words: [Substring]) -> Bool {
    func outputFlag(_ word: Substring, then suffix: String) -> Bool {
      // `-O`, or a cluster of short options ending in it (`-qO`), then `suffix`.
      guard word.hasSuffix("O" + suffix), word.utf8.first == UInt8(ascii: "-") else {
        return false
      }
      let letters = word.utf8.dropFirst().dropLast(1 + suffix.utf8.count)
      return letters.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20) }
    }
    if words.contains(where: {
      $0 == "--spider" || $0 == "--output-document=-" || outputFlag($0, then: "-")
    }) {
      return true
    }
    return zip(words, words.dropFirst()).contains { outputFlag($0, then: "") && $1 == "-" }
  }

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    guard let spec = object.podSpec else { return }
    let volumes = PodVolumes(spec)
    let virtualNode = report.virtualNodeEvidence(for: object)
    // Ephemeral containers cannot declare resources, so there is nothing to ask of them; a
    // trivial container writes nothing, unless its command does (`while true; do date >>
    // /tmp/log; sleep 5; done`).
    for container in spec.containers
    where container.role != .ephemeral && !container.runsPauseImage
      && (!container.isTrivial || writesThroughCommand(container))
    {
      let resources = container.resources
      guard resources.limit(.ephemeralStorage) == nil else { continue }
      let requestOnly =
        resources.request(.ephemeralStorage) != nil
        ? " (a request alone does not bound it)" : ""
      if let virtualNode {
        report.report(
          container.node,
          """
          has no resources.limits.ephemeral-storage\(requestOnly); the pod runs on a virtual \
          node (\(virtualNode)) with storage of its own, which only its own containers can \
          fill; set resources.limits.ephemeral-storage to keep one container from filling it \
          for the others
          """,
          container: container, adjustment: .info)
        continue
      }
      let layerEvidence = layerWriteEvidence(container, spec, volumes)
      if layerEvidence == nil, let volumeEvidence = volumeWriteEvidence(container, spec, volumes) {
        // The volume is what grows, and `emptydir-size-limit` warns about it: one warning
        // for one problem.
        report.report(
          container.node,
          """
          has no resources.limits.ephemeral-storage\(requestOnly), and \(volumeEvidence): \
          emptydir-size-limit reports that volume, whose sizeLimit bounds what is written \
          there; set resources.limits.ephemeral-storage too, to bound the container's writes \
          as a whole
          """,
          container: container, adjustment: .info)
        continue
      }
      guard let evidence = layerEvidence else {
        // Without evidence of writes, what can grow is worth knowing, not a warning: the logs
        // (which the kubelet rotates) and whatever the program writes to its layer; with a
        // read-only root, only the volumes a data image declares, which the runtime makes
        // writable on the node's disk (and many such programs are set to keep nothing).
        let why: String
        if !container.hasReadOnlyRootFilesystem {
          why =
            "kubeward sees no unbounded volume, data image or command of it that writes to "
            + "disk, so its logs and writable layer are what can grow"
        } else if let image = keptData(container), !hasOwnStorage(container, spec),
          !keepsDataOnEmptyDir(container, spec, volumes)
        {
          why =
            "\(image) keeps data in the volumes its image declares, which the container "
            + "runtime makes writable on the node's disk even with a read-only root (unless the "
            + "program is set to keep nothing)"
        } else {
          // A read-only root and no unbounded volume leave only the rotated logs.
          continue
        }
        report.report(
          container.node,
          """
          has no resources.limits.ephemeral-storage\(requestOnly); \(why); set \
          resources.limits.ephemeral-storage to bound them
          """,
          container: container, adjustment: .info)
        continue
      }
      report.report(
        container.node,
        """
        has no resources.limits.ephemeral-storage\(requestOnly), and \(evidence): its writes \
        can fill the node's disk until the kubelet starts evicting its pods (DiskPressure); set \
        resources.limits.ephemeral-storage
        """,
        container: container)
    }
  }
}
