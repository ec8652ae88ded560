import KubewardYAML

/// Which list of the pod spec a container comes from.
public enum ContainerRole: String, Sendable, CaseIterable {
  case initContainer = "initContainers"
  case container = "containers"
  case ephemeral = "ephemeralContainers"

  var key: Key {
    switch self {
    case .initContainer: .initContainers
    case .container: .containers
    case .ephemeral: .ephemeralContainers
    }
  }
}

/// One container of a pod spec.
///
/// A class, though immutable: every policy walks every container, and passing a reference
/// costs one retain where copying the fields (node, image reference) cost a dozen.
public final class Container: Sendable {
  /// The container's mapping (its `- name:` item).
  public let node: Node
  public let role: ContainerRole
  /// The parsed image reference; `nil` when absent or not a valid reference (`$(IMAGE)`).
  /// Parsed once here: several policies look at it.
  public let imageReference: ImageReference?

  /// Its probes (liveness, readiness, startup, as written). Found once here: several policies
  /// look at them.
  public let probes: [Probe]

  /// A container whose whole command is shell built-ins and trivial programs (`sleep 5`,
  /// `echo done && sleep 10`, `true`, `cp /config-ro/app.json /config/`): a hook, a
  /// placeholder, a simulation step or an init container that copies a file in place. It
  /// holds no memory, serves nothing and looks no name up; what it writes, its command says
  /// (`ephemeral-storage-limit` reads it). Found once here: several policies ask.
  public let isTrivial: Bool

  /// The Kubernetes `pause` image (`registry.k8s.io/pause`, `…/kubernetes/pause`, and the
  /// older per-architecture `pause-amd64`): it only sleeps, using no CPU, memory or disk to
  /// speak of. Pods of it reserve capacity (cluster overprovisioning, Karpenter's `inflate`)
  /// or addresses; their requests are the point. Found once here: several policies ask.
  public let runsPauseImage: Bool

  public init(node: Node, role: ContainerRole) {
    self.node = node
    self.role = role
    let imageReference = node.scalar(.image)?.string.flatMap(ImageReference.init)
    self.isTrivial =
      Self.isTrivial(node)
      || Self.agnhostSubcommand(node, imageReference).map(Self.trivialAgnhost.contains) == true
    self.imageReference = imageReference
    self.runsPauseImage = imageReference.map { Self.isPause($0.repository) } ?? false
    self.probes = ProbeKind.allCases.compactMap { kind in
      guard let (key, value) = node.entry(kind.key), value.isMapping else { return nil }
      return Probe(kind: kind, key: key, node: value)
    }
  }

  public var name: String? { node.scalar(.name)?.string }

  /// Where a finding about the container is shown: its `name` key when other keys come first
  /// (`- env: …` before `name: jaeger`), the line a reader looks for; else the container.
  public var findingAnchor: Node {
    let pairs = node.pairs
    guard node.isMapping, let first = pairs.first?.key, !first.textEquals("name"),
      let name = pairs.first(where: { $0.key.isScalar && $0.key.textEquals("name") })?.key
    else { return node }
    return name
  }

  /// A native sidecar: an init container with `restartPolicy: Always`, which runs for the
  /// pod's whole life.
  public var isSidecar: Bool {
    role == .initContainer && node.scalar(.restartPolicy)?.textEquals("Always") == true
  }

  /// Runs for the pod's life: a regular container or a native sidecar.
  public var isLongRunning: Bool { role == .container || isSidecar }

  /// `container "app"`, `init container "setup"`, `sidecar container "proxy"`.
  public var displayName: String {
    var text: [UInt8] = []
    appendDisplayName(named: name, to: &text)
    return String(decoding: text, as: UTF8.self)
  }

  /// Appends `displayName`'s UTF-8 to `text`, given the container's `name`: findings write
  /// their whole message into one buffer.
  public func appendDisplayName(named name: String?, to text: inout [UInt8]) {
    let kind: StaticString
    switch role {
    case .container: kind = "container \""
    case .initContainer: kind = isSidecar ? "sidecar container \"" : "init container \""
    case .ephemeral: kind = "ephemeral container \""
    }
    text.append(
      contentsOf: UnsafeBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount))
    text.append(contentsOf: (name ?? "(unnamed)").utf8)
    text.append(UInt8(ascii: "\""))
  }

  /// The `image:` value.
  public var image: Node? { node.scalar(.image) }

  /// `command` then `args`, as one list of words (scalars only).
  public var commandLine: [String] { Self.commandLine(of: node) }

  static func commandLine(of node: Node) -> [String] {
    (Array(node.items(.command)) + Array(node.items(.args))).compactMap(\.text)
  }

  private static func isPause(_ repository: String) -> Bool {
    let name = ASCIIText.lastPathComponent(Substring(repository))
    return name == "pause" || pauseNames.contains(name)
  }

  /// A log shipper (fluentd, Fluent Bit, Filebeat, Promtail, Vector, Logstash), by its image's
  /// name: it reads the node's logs and keeps its read positions beside them (fluentd's
  /// `pos_file`, Fluent Bit's `DB`), so it mounts `/var/log` writable.
  /// Read from the image as written, as the exported policy reads it (an image that does not
  /// parse, `fluent/fluent-bit:3.1+build`, is still Fluent Bit's): its last path component
  /// before any digest, up to its tag.
  public var shipsLogs: Bool {
    guard let image = node.scalar(.image)?.string else { return false }
    let reference = image.split(separator: "@", omittingEmptySubsequences: false)[0]
    let last = reference.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
    let name = last.split(separator: ":", omittingEmptySubsequences: false)[0]
    return Self.logShipperNames.contains { name.hasPrefix($0) }
  }

  /// The names (prefixes of an image's last path component) of log shippers' images.
  public static let logShipperNames = [
    "fluentd", "fluent-bit", "fluentbit", "filebeat", "promtail", "vector", "logstash",
  ]

  /// The architectures of the per-architecture pause images.
  public static let pauseArchitectures = ["amd64", "arm64", "arm", "ppc64le", "s390x", "386"]
  private static let pauseNames = Set(pauseArchitectures.map { Substring("pause-" + $0) })

  /// A container that only keeps the pod alive: the `pause` image, or a command that sleeps
  /// forever (`sleep infinity`, `tail -f /dev/null`, `sleep 3600` and longer). It serves
  /// nothing, so it needs no readiness probe.
  public var isIdle: Bool {
    if runsPauseImage || Self.agnhostSubcommand(node, imageReference) == "pause" { return true }
    // Most containers give no command, and most commands start a server: both are ruled out
    // before any text is joined or split (this runs for every container).
    let commandLine = self.commandLine
    guard commandLine.contains(where: { ASCIIText.contains($0, anyOf: ["sleep", "tail"]) })
    else { return false }
    let words = ASCIIText.words(of: commandLine) {
      $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n")
    }
    let text = words.joined(separator: " ")
    if text.contains("sleep infinity") || text.contains("tail -f /dev/null") { return true }
    // `sleep N` alone (perhaps through a shell), for an hour or more.
    let rest = words.filter { !["sh", "/bin/sh", "bash", "/bin/bash", "-c", "exec"].contains($0) }
    guard rest.count == 2, rest[0].hasSuffix("sleep") else { return false }
    // At most 18 digits, as the exported policies read the number (CEL's `int()` of more may
    // overflow): `sleep` of 19 was idle here and not there.
    let number = rest[1]
    let digits = number.first == "+" || number.first == "-" ? number.dropFirst() : number[...]
    return digits.count <= 18 && (Int(number).map { $0 >= 3600 } ?? false)
  }

  /// The subcommand Kubernetes' test image agnhost runs (its first argument, with the image's
  /// own entry point), which documentation examples use as a stand-in workload.
  static func agnhostSubcommand(_ node: Node, _ image: ImageReference?) -> String? {
    // The image first: this runs for every container. (An empty `command` is left out of what
    // the API server stores, as none.)
    guard let image, image.repository.hasSuffix("agnhost"),
      ASCIIText.lastPathComponent(Substring(image.repository)) == "agnhost",
      node[.command].map({ $0.items.isEmpty }) ?? true
    else { return nil }
    return node.items(.args).first?.text
  }

  /// agnhost's subcommands that do nothing to speak of: `pause` blocks until a signal (idle,
  /// too), `entrypoint-tester` prints its arguments and exits. (The exported admission
  /// policies read this list too.)
  public static let trivialAgnhost: Set<String> = ["pause", "entrypoint-tester"]

  /// Words of a command line that start no program: shells, their flags and the keywords of
  /// their loops (`while true; do echo …; sleep 45; done`). (The exported admission policies
  /// read these lists too.)
  public static let launcherWords: [String] = [
    "sh", "/bin/sh", "bash", "/bin/bash", "-c", "-ec", "exec", "while", "until", "do", "done",
    "if", "then", "else", "fi",
    // The shells' other option clusters before the command string (`bash -lc`, `sh -xec`,
    // `-c --`): KubeRay's and KubeVirt's sleep loops were taken for programs.
    "-e", "-x", "-ce", "-xc", "-cx", "-lc", "-ex", "-xe", "-exc", "-xec", "-ecx", "-cex", "-euc",
    "-euxc", "-eucx", "--",
  ]
  /// Programs that use next to no memory, CPU or disk: a container that runs only these
  /// keeps a pod alive, waits, or sets something up in an instant.
  public static let trivialProgramNames: [String] = [
    "sleep", "echo", "true", "false", "exit", "date", "printf", ":", "wait", "tail", "touch", "tee",
    "sysctl", "ulimit", "df", "ls", "[", "test", "hostname", "uname", "cat", "rm", "printenv",
    "id", "whoami", "seq", "head", "wc", "tr", "cut", "set",
    // Setting files up: what they write, their command says (`ephemeral-storage-limit`).
    "cp", "mv", "ln", "mkdir", "chmod", "chown",
    // What a loop waiting for a dependency asks it: a name, a port, a database's readiness.
    "nslookup", "dig", "getent", "nc", "pg_isready",
  ]
  private static let launchers = Set(launcherWords.map { Substring($0) })
  private static let trivialPrograms = Set(trivialProgramNames.map { Substring($0) })

  private static func isTrivial(_ node: Node) -> Bool {
    // Most containers give no command: answered without building one.
    guard node[.command] != nil || node[.args] != nil else { return false }
    let commandLine = Self.commandLine(of: node)
    guard commandLine.count <= 16 else { return false }
    // Every command's program trivial, and no `nc -l`: `nc -z` checks a port, `nc -l` serves
    // one (a toy web server's loop). Judged command by command, in one buffer of words.
    var sawProgram = false
    var trivial = true
    var command: [Substring] = []
    func judge() {
      // An assignment's command substitution runs its program when the command ends with its
      // `)` (`count=$(cat $file)`); followed by more (`OPTS=$(cat f) java …`), the words after
      // it run another, which the assignment's value does not say: read as before. (A
      // substitution that starts with an assignment, `x=$(LANG=C cat f)`, runs the word after
      // it.) The exported policies read commands the same way.
      let closesSubstitution =
        command.last(where: { !launchers.contains($0) })?.utf8.last == UInt8(ascii: ")")
      var program: Substring?
      for word in command {
        if let program {
          if program == "nc" && isListenFlag(word) { trivial = false }
          continue
        }
        guard !launchers.contains(word) else { continue }
        if isAssignment(word) {
          guard closesSubstitution, let substituted = substitutedProgram(of: word),
            !isAssignment(substituted)
          else { continue }
          program = ASCIIText.lastPathComponent(substituted)
        } else {
          program = ASCIIText.lastPathComponent(word)
        }
        // `for i in 1 2 3`: a loop's header, whose words are values, not programs.
        if program != "for" {
          sawProgram = true
          if !trivialPrograms.contains(program!) { trivial = false }
        }
      }
      command.removeAll(keepingCapacity: true)
    }
    forEachWord(of: commandLine) { word, endsCommand in
      if let word { command.append(word) }
      if endsCommand { judge() }
      return trivial
    }
    judge()
    return trivial && sawProgram
  }

  /// A shell variable's assignment (`i=0`, `i=$((i+1))`, `LANG=C` before a program): it runs
  /// nothing itself, and the program of its command is the word after it (the documentation's
  /// counter, `i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done`, runs
  /// `echo`, `date` and `sleep`). (The exported admission policies read them the same way.)
  static func isAssignment(_ word: Substring) -> Bool {
    guard let equals = word.utf8.firstIndex(of: UInt8(ascii: "=")), equals != word.utf8.startIndex
    else { return false }
    func isNameByte(_ byte: UInt8) -> Bool {
      byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }
    let name = word.utf8[..<equals]
    return isNameByte(name.first!)
      && name.allSatisfy { isNameByte($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
  }

  /// The program an assignment's command substitution runs when its words follow
  /// (`count=$(cat $file)` runs `cat`, whose argument is the next word); `nil` for a plain
  /// value, an arithmetic one (`i=$((i+1))`) and a substitution of one word, which may be
  /// Kubernetes' own `$(VAR)`. The exported admission policies read assignments the same way.
  static func substitutedProgram(of assignment: Substring) -> Substring? {
    guard let equals = assignment.utf8.firstIndex(of: UInt8(ascii: "=")),
      assignment.utf8.last != UInt8(ascii: ")")
    else { return nil }
    let value = assignment.utf8[assignment.utf8.index(after: equals)...]
    guard value.starts(with: "$(".utf8), value.count > 2,
      value[value.index(value.startIndex, offsetBy: 2)] != UInt8(ascii: "(")
    else { return nil }
    return Substring(value.dropFirst(2))
  }

  /// `--listen`, or a cluster of short options with `l` (`-l`, `-lk`, `-lvp`).
  private static func isListenFlag(_ word: Substring) -> Bool {
    word == "--listen" || (word.hasPrefix("-") && !word.hasPrefix("--") && word.contains("l"))
  }

  /// The programs a command line runs, by name: the first word of each of its `commands`
  /// (`sh -c "until pg_isready -h db; do sleep 2; done"` runs `pg_isready` and `sleep`).
  public static func programs(of commandLine: [String]) -> [Substring] {
    // As `commands`, keeping only each one's first word: this runs for every container with a
    // command, and a list of words per command was an allocation each.
    var programs: [Substring] = []
    var atStart = true
    forEachWord(of: commandLine) { word, endsCommand in
      if atStart, let word, !launchers.contains(word) {
        programs.append(ASCIIText.lastPathComponent(word))
        atStart = false
      }
      if endsCommand { atStart = true }
      return true
    }
    return programs
  }

  /// The commands of a command line, each as its words without the shells and the keywords
  /// of loops (`launcherWords`): commands end at `;`, `&&`, `||`, `|` and line breaks. (The
  /// exported admission policies split commands the same way.)
  public static func commands(of commandLine: [String]) -> [[Substring]] {
    var commands: [[Substring]] = []
    var command: [Substring] = []
    forEachWord(of: commandLine) { word, endsCommand in
      if let word, !launchers.contains(word) { command.append(word) }
      if endsCommand && !command.isEmpty {
        commands.append(command)
        command = []
      }
      return true
    }
    if !command.isEmpty { commands.append(command) }
    return commands
  }

  /// Calls `body` with each word of a command line (`nil` for a separator alone) and whether a
  /// command ends after it: at `;`, `&` and `|` (and so `&&`, `||`) wherever they stand in a
  /// word but in a redirection (`2>&1`), and at line breaks; until `body` returns `false`.
  private static func forEachWord(
    of commandLine: [String], _ body: (_ word: Substring?, _ endsCommand: Bool) -> Bool
  ) {
    let lines = withoutShellComments(commandLine.map(separatingShellOperators)).map { word in
      guard word.utf8.contains(0x0A) else { return word }
      return String(
        decoding: word.utf8.flatMap { $0 == 0x0A ? Array(" ; ".utf8) : [$0] }, as: UTF8.self)
    }
    let words = ASCIIText.words(of: lines) {
      $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t")
    }
    for word in words {
      let goesOn: Bool
      if word == "&&" || word == "||" || word == ";" || word == "|" {
        goesOn = body(nil, true)
      } else if word.utf8.last == UInt8(ascii: ";") {
        let bare = word.dropLast()
        goesOn = body(bare.isEmpty ? nil : bare, true)
      } else {
        goesOn = body(word, false)
      }
      if !goesOn { return }
    }
  }

  /// The shell's operators that end a command, wherever they stand in a word, rewritten as
  /// ` ; `, in order: `sleep 1;java -jar app.jar` runs java, as `sleep 1&&java …` does.
  /// Redirections to a descriptor (`2>&1`, `&>`) are kept whole (marked, then restored).
  /// Replaced byte by byte, as the exported admission policies replace them (CEL's
  /// `replace`), so both split alike. A command substitution (`$(…)`, backticks) is not split
  /// out: Kubernetes' own `$(VAR)` references look the same, and telling them apart takes
  /// more than `replace`.
  public static let shellOperatorRewrites: [(operator: String, rewrite: String)] = [
    (">&", "\u{1}"), ("<&", "\u{2}"), ("&>", "\u{3}"),
    (";", " ; "), ("&", " ; "), ("|", " ; "),
    ("\u{1}", ">&"), ("\u{2}", "<&"), ("\u{3}", "&>"),
  ]

  /// `word` (an element of the command line) with `shellOperatorRewrites` applied, when it
  /// is a script: it holds a space, and no quote, inside which an operator is text (`echo
  /// 'config & certs copied'`), which `replace` cannot tell. An argument without a space is
  /// the program's own (`["sleep", "3600;x"]` runs no shell), and is left whole.
  static func separatingShellOperators(_ word: String) -> String {
    // Most words hold none: answered without copying (a switch per byte, not a set lookup).
    var hasOperator = false
    var hasSpace = false
    for byte in word.utf8 {
      switch byte {
      case UInt8(ascii: "'"), UInt8(ascii: "\""): return word
      case UInt8(ascii: " "): hasSpace = true
      case UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), 1, 2, 3: hasOperator = true
      default: break
      }
    }
    guard hasOperator && hasSpace else { return word }
    var bytes = Array(word.utf8)
    for (pattern, rewrite) in shellOperatorRewrites
    where bytes.contains(pattern.utf8.first!) {
      bytes = replacing(Array(pattern.utf8), with: Array(rewrite.utf8), in: bytes)
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Each occurrence of `pattern`, from the left and not overlapping, replaced by `rewrite`.
  private static func replacing(_ pattern: [UInt8], with rewrite: [UInt8], in bytes: [UInt8])
    -> [UInt8]
  {
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      if bytes[index] == pattern[0], bytes[index...].starts(with: pattern) {
        result += rewrite
        index += pattern.count
      } else {
        result.append(bytes[index])
        index += 1
      }
    }
    return result
  }

  /// The command line without the shell's comments: a word that starts with `#` comments out
  /// the rest of its line (`sh -c "cat /config; # dummy application\nsleep 1h"` runs `cat`
  /// and `sleep`, not a program `#`). Joined into one text, as the exported admission
  /// policies join it (`containerCommands`), when there is a `#` at all.
  static func withoutShellComments(_ commandLine: [String]) -> [String] {
    guard commandLine.contains(where: { $0.utf8.contains(UInt8(ascii: "#")) }) else {
      return commandLine
    }
    var kept: [UInt8] = []
    var inComment = false
    var previous = UInt8(ascii: " ")
    for (index, part) in commandLine.enumerated() {
      for byte in (index > 0 ? [UInt8(ascii: " ")] : []) + Array(part.utf8) {
        let byte = byte == UInt8(ascii: "\t") ? UInt8(ascii: " ") : byte
        if byte == UInt8(ascii: "\n") {
          inComment = false
          previous = UInt8(ascii: " ")
          kept.append(byte)
        } else if !inComment {
          if byte == UInt8(ascii: "#") && previous == UInt8(ascii: " ") {
            inComment = true
          } else {
            kept.append(byte)
            previous = byte
          }
        }
      }
    }
    return [String(decoding: kept, as: UTF8.self)]
  }

  private static let resolvers: Set<Substring> = ["nslookup", "dig", "host", "getent"]
  private static let clients: Set<Substring> = [
    "curl", "wget", "nc", "ping", "telnet", "psql", "mysql", "redis-cli", "mongo", "mongosh",
  ]

  /// Whether the container shows that it looks names up: an address given by name in its
  /// environment or arguments (`DATABASE_URL`, `--redis-host=cache`, `http://api:8080`).
  /// Without one, what it connects to is unknown.
  public var showsNameLookups: Bool {
    let hostWords = [
      "host", "addr", "url", "uri", "endpoint", "server", "service", "dsn", "broker",
    ]
    for item in node.items(.env) {
      let written = item.scalar(.value)?.string
      let source = written == nil ? item[.valueFrom] : nil
      guard let name = item.scalar(.name)?.string?.lowercased(),
        let value = written ?? source.map({ _ in "?" })
      else { continue }
      // `DB_HOST: postgres`: a short name is the lookup that musl's search-domain handling
      // gets wrong. Not a name the container is known by (`OTEL_SERVICE_NAME`,
      // `SERVER_NAME`: a label, its own), nor a value from the pod's own fields (its labels,
      // namespace and addresses) or resources, which are no names to look up; a node's name
      // may be one.
      func isPodField(_ source: Node) -> Bool {
        source["resourceFieldRef"] != nil
          || source["fieldRef"].map { $0["fieldPath"]?.string != "spec.nodeName" } == true
      }
      if hostWords.contains(where: name.contains),
        !(name.hasSuffix("_name") && !name.contains("host")),
        !(source.map(isPodField) ?? false),
        value == "?" || Self.namesHost(value)
          || (value != "localhost" && value.contains(where: \.isLetter)
            && value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." })
      {
        return true
      }
      if value.contains("://") { return true }
    }
    for word in commandLine where word.contains("://") || Self.namesHost(word) {
      return true
    }
    // Programs that look names up: a resolver tool, or a client given a host by name
    // (`until nslookup api; …`, `redis-cli -h cache ping`), among the words of its own
    // simple command, not a path (`nc -lk -p 7000 -e /bin/cat`, `…| nc -l -p 7000; done`).
    // A netcat that listens is a server: it looks nothing up.
    // One simple command at a time: a netcat listening in one (`nc -lk … &`) leaves a netcat
    // in the next (`until nc -z db 5432`) a client. Each word is read a bounded number of
    // times (a command of 40 000 `nc` words, each looking ahead to its end, was quadratic).
    for command in Self.simpleCommandWords(commandLine).split(separator: ";") {
      let netcatListens =
        command.firstIndex { ASCIIText.lastPathComponent($0) == "nc" }.map { first in
          command[(first + 1)...].contains(where: Self.isListenOption)
        } ?? false
      for index in command.indices {
        let program = ASCIIText.lastPathComponent(command[index])
        if Self.resolvers.contains(program) { return true }
        guard Self.clients.contains(program), !(program == "nc" && netcatListens) else {
          continue
        }
        for argument in command[(index + 1)...].prefix(6)
        where !argument.hasPrefix("-") && !argument.hasPrefix("/")
          && argument.contains(where: \.isLetter) && argument != "localhost"
          && !argument.contains(where: { $0 == "X" })
        {
          return true
        }
      }
    }
    return false
  }

  /// The command line's words, joined and split at spaces, with `;` standing for where a
  /// simple command ends: at `;`, `|`, `&` and line breaks, and at shell keywords (`do`,
  /// `done`, …). The exported admission policy splits it the same way.
  static func simpleCommandWords(_ line: [String]) -> [Substring] {
    var text = ""
    for (index, part) in line.enumerated() {
      if index > 0 { text += " " }
      for scalar in part.unicodeScalars {
        if scalar == ";" || scalar == "|" || scalar == "&" || scalar == "\n" {
          text += " ; "
        } else {
          text.unicodeScalars.append(scalar)
        }
      }
    }
    return text.split(separator: " ").map { shellKeywords.contains($0) ? ";" : $0 }
  }

  private static let shellKeywords: Set<Substring> = [
    "do", "done", "then", "else", "elif", "fi", "esac", "if", "while", "until",
  ]

  /// netcat's listen mode: `-l`, in a group of short options (`-lk`, `-vlp`), or `--listen`.
  private static func isListenOption(_ word: Substring) -> Bool {
    if word == "--listen" { return true }
    guard word.hasPrefix("-"), word.count > 1 else { return false }
    let letters = word.dropFirst()
    return letters.contains("l") && letters.allSatisfy { $0.isASCII && $0.isLetter }
  }

  /// Text that names a host rather than an address: `api.example.com`, `redis:6379`,
  /// `--host=cache`; not `127.0.0.1`, `localhost`, a path or a plain word.
  static func namesHost(_ text: String) -> Bool {
    var value = Substring(text)
    if let equals = value.firstIndex(of: "=") { value = value[value.index(after: equals)...] }
    if let slashes = value.firstRange(of: "://") { value = value[slashes.upperBound...] }
    let host = value.prefix { $0 != ":" && $0 != "/" && $0 != "," && $0 != " " }
    guard host.count > 1, !text.hasPrefix("/"), host != "localhost",
      host.contains(where: \.isLetter),
      host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
    else { return false }
    // A dotted name, or a name with a port.
    return host.contains(".") && !host.hasSuffix(".") && !host.hasPrefix(".")
      && !["yaml", "yml", "json", "conf", "txt", "sh", "py", "log"].contains(
        String(host.split(separator: ".").last ?? ""))
      || value.dropFirst(host.count).hasPrefix(":")
  }

  /// The port numbers its environment or arguments name as where it serves metrics: an
  /// environment variable whose name holds `METRICS` and `PORT` (`METRICS_PORT=9090`, in any
  /// case), or a `--metrics…=` flag whose value is a port or ends in one
  /// (`--metrics-bind-address=:8080`, `--metrics-port=9090`). A port declared under another
  /// name (`http`) is then a metrics port (Kubeflow Pipelines' scheduled-workflow controller).
  public var metricsPortNumbers: Set<Int> {
    var numbers: Set<Int> = []
    func port(in value: Substring) -> Int? {
      let digits = value.split(separator: ":", omittingEmptySubsequences: false).last ?? value
      guard let number = Int(digits), (1...65535).contains(number) else { return nil }
      return number
    }
    for item in node.items(.env) {
      guard let name = item.scalar(.name)?.string,
        ASCIIText.contains(name, anyOf: ["metrics"]) && ASCIIText.contains(name, anyOf: ["port"]),
        let value = item.scalar(.value)?.string, let number = port(in: Substring(value))
      else { continue }
      numbers.insert(number)
    }
    for word in commandLine where word.hasPrefix("--metrics") || word.hasPrefix("-metrics") {
      guard let equals = word.firstIndex(of: "="),
        let number = port(in: word[word.index(after: equals)...])
      else { continue }
      numbers.insert(number)
    }
    return numbers
  }

  /// The numbers its arguments or environment values give as a whole word, or after the last
  /// `=` or `:` of one, that could be ports (1–65535): `--port "18080"`, `--listen=:9000`,
  /// `PORT=8081`. Where a container listens is often said so rather than declared.
  /// Sorted, each once. Read from the nodes' bytes, without making strings: every container
  /// of every workload is asked.
  public var namedPortNumbers: [Int] {
    var numbers: [Int] = []
    func look(_ word: Node) {
      guard word.isScalar, let number = word.withScalarBytes(Self.portNumber(endingWord:))
      else { return }
      numbers.append(number)
    }
    for word in node.items(.command) { look(word) }
    for word in node.items(.args) { look(word) }
    for variable in node.items(.env) { if let value = variable.scalar(.value) { look(value) } }
    guard numbers.count > 1 else { return numbers }
    numbers.sort()
    var kept = 1
    for index in 1..<numbers.count where numbers[index] != numbers[kept - 1] {
      numbers[kept] = numbers[index]
      kept += 1
    }
    numbers.removeLast(numbers.count - kept)
    return numbers
  }

  /// The port number a word ends with: at most five digits, not led by a zero (`0644` is a
  /// file mode), that are the whole word or follow its `=` or `:`. Only the word's last bytes
  /// are read: this runs for every argument of every container, and a shell script is one
  /// long argument.
  static func portNumber(endingWord word: UnsafeBufferPointer<UInt8>) -> Int? {
    let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
    var start = word.count
    while start > 0, word.count - start < 5, digits.contains(word[start - 1]) { start -= 1 }
    guard start < word.count, word[start] != UInt8(ascii: "0"),
      start == 0 || word[start - 1] == UInt8(ascii: "=") || word[start - 1] == UInt8(ascii: ":")
    else { return nil }
    let value = word[start...].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    return (1...65535).contains(value) ? value : nil
  }

  /// Whether the container's command or environment names a Unix socket under `path` (a
  /// CSI sidecar's `--csi-address=/csi/csi.sock`): a folder that only holds a socket.
  public func namesSocket(under path: String) -> Bool {
    namesSocket(under: path, in: socketCandidates)
  }

  /// The words of its command line and its environment's values that may name a socket (they
  /// hold `.sock`): found once, for every mount of the container to be looked for in.
  public var socketCandidates: [String] {
    (commandLine + node.items(.env).compactMap { $0.scalar(.value)?.string }).filter {
      ASCIIText.firstRange(of: ".sock", in: $0) != nil
    }
  }

  /// The folders its command line names as where it makes its Unix sockets: Cloud SQL
  /// proxy's `--unix-socket=/cloudsql` (v2) and `-dir=/cloudsql` (v1, its image or program
  /// named so), whose socket file names (`project:region:instance`) end in no `.sock`.
  /// Without a trailing `/`.
  public var socketFolderFlags: Set<String> {
    let words = commandLine
    let isCloudSQLProxy =
      node.scalar(.image)?.string.map { ASCIIText.contains($0, anyOf: Self.cloudSQLProxyNames) }
      == true || words.contains { ASCIIText.contains($0, anyOf: Self.cloudSQLProxyNames) }
    return Set(
      words.compactMap { word in
        let flag = word.hasPrefix("--") ? word.dropFirst(2) : word.dropFirst(1)
        guard word.hasPrefix("-"), let equals = flag.firstIndex(of: "=") else { return nil }
        let name = flag[..<equals]
        guard name == "unix-socket" || (name == "dir" && isCloudSQLProxy) else { return nil }
        let folder = flag[flag.index(after: equals)...]
        let trimmed = folder.hasSuffix("/") ? folder.dropLast() : folder
        return trimmed.isEmpty ? nil : String(trimmed)
      })
  }

  public static let cloudSQLProxyNames: [StaticString] = [
    "cloud-sql-proxy", "cloudsql-proxy", "cloud_sql_proxy",
  ]

  /// `namesSocket(under:)` in `candidates` (`socketCandidates`).
  public func namesSocket(under path: String, in candidates: [String]) -> Bool {
    guard !candidates.isEmpty else { return false }
    // Windows paths (`C:\var\lib\kubelet\plugins\ebs.csi.aws.com\csi.sock`) are compared
    // with forward slashes, as the exported policies compare them.
    let slashed = Self.forwardSlashes(path)
    let folder = slashed.hasSuffix("/") ? slashed : slashed + "/"
    return candidates.contains { candidate in
      let value = Self.forwardSlashes(candidate)
      guard let start = ASCIIText.firstRange(of: folder, in: value) else { return false }
      let rest = value.utf8[start.upperBound...].prefix {
        $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: ",")
      }
      return rest.suffix(5).elementsEqual(".sock".utf8)
        || rest.suffix(7).elementsEqual(".socket".utf8)
    }
  }

  /// `path` with its backslashes made forward slashes.
  static func forwardSlashes(_ path: String) -> String {
    guard path.utf8.contains(UInt8(ascii: "\\")) else { return path }
    return String(
      decoding: path.utf8.map { $0 == UInt8(ascii: "\\") ? UInt8(ascii: "/") : $0 }, as: UTF8.self)
  }

  /// `securityContext.readOnlyRootFilesystem: true`: the container's writable layer cannot
  /// grow.
  public var hasReadOnlyRootFilesystem: Bool {
    node.mapping(.securityContext)?["readOnlyRootFilesystem"]?.bool == true
  }

  public var ports: [ContainerPort] {
    node.items(.ports).compactMap { $0.isMapping ? ContainerPort(node: $0) : nil }
  }

  public func probe(_ kind: ProbeKind) -> Probe? {
    probes.first { $0.kind == kind }
  }

  public var resources: Resources { Resources(node: node.mapping(.resources)) }

  /// `volumeMounts:` entries: the volume's name, whether the mount is read-only, where it is
  /// mounted and the part of the volume it mounts (`subPath`).
  public var volumeMounts: [(volume: String, readOnly: Bool, path: String?, subPath: String?)] {
    node.items(.volumeMounts).compactMap { mount in
      mount.scalar(.name)?.string.map {
        (
          $0, mount.scalar(.readOnly)?.bool == true, mount.scalar(.mountPath)?.string,
          mount["subPath"]?.string
        )
      }
    }
  }

  /// The volumes it mounts with `mountPropagation: Bidirectional` (which takes a privileged
  /// container): what it mounts there is seen by the node and the other pods, as a storage
  /// system's node agent mounts the filesystems it serves.
  public var bidirectionallyMountedVolumes: [String] {
    node.items(.volumeMounts).compactMap { mount in
      guard mount["mountPropagation"]?.string == "Bidirectional" else { return nil }
      return mount.scalar(.name)?.string
    }
  }

  /// The volumes it mounts writable, each with whether the mount sees what the node mounts
  /// below it (`mountPropagation: HostToContainer`).
  public var writableMountPropagations: [(volume: String, fromTheNode: Bool)] {
    node.items(.volumeMounts).compactMap { mount in
      guard mount.scalar(.readOnly)?.bool != true, let name = mount.scalar(.name)?.string else {
        return nil
      }
      return (name, mount["mountPropagation"]?.string == "HostToContainer")
    }
  }

  /// Whether a mount of `subPath` mounts one configuration file of the volume (its last name
  /// ends in `.conf`, `.json`, `.yaml` …): the container sees that file and nothing else of
  /// the volume, so it can write nothing else there (an init container's rendered
  /// `nginx.conf` or `env-config.js`). Not a log or a database file, which grow.
  public static func holdsOneConfigFile(subPath: String?) -> Bool {
    guard let subPath else { return false }
    let name = ASCIIText.lowercased(String(ASCIIText.lastPathComponent(Substring(subPath))))
    return configFileExtensions.contains { name.count > $0.count && name.hasSuffix($0) }
  }

  /// The endings of configuration files' names (`holdsOneConfigFile(subPath:)`).
  public static let configFileExtensions = [
    ".conf", ".config", ".cfg", ".cnf", ".ini", ".json", ".yaml", ".yml", ".toml", ".xml",
    ".properties", ".js", ".env",
  ]

  /// Whether a volume mounted at `path` is where configuration, credentials or run-time
  /// state live: in an `etc` folder (`/etc/...`, and `/usr/local/etc/...`, where HAProxy's
  /// image reads its configuration), `/run` or `/var/run` or any folder under them (pid files,
  /// sockets, locks, secrets, a proxy's identity; Argo CD's init container copies its binary
  /// into one once, which does not grow), a folder named for certificates (`/var/run/serving-cert`, `/certs`: its last
  /// name holds `cert`, in any case), where a server writes its own, or one named for keys
  /// (`keys`, a GPG keyring: `keyFolders`). Such a folder holds a few small files.
  public static func holdsSmallFiles(mountedAt path: String) -> Bool {
    // By bytes, as the exported policies' CEL reads it: `String.contains` compares characters,
    // and a combining mark after the slash (`/etc/\u{301}…`) made the folder another one.
    // `ASCIIText`'s, not `utf8.firstRange(of:)`: the generic matcher looked up protocol
    // conformances on every call (34 M instructions of a run on 2 000 documents).
    // Under `/run` (and `/var/run`, its old name) programs keep run-time state: pid files,
    // locks, sockets, a mesh proxy's identity (`/var/run/linkerd/identity/end-entity`).
    if ASCIIText.firstRange(of: "/etc/", in: path) != nil || path.hasPrefix("/var/run/")
      || path.hasPrefix("/run/") || runTimeStateFolders.contains(path)
    {
      return true
    }
    let name = ASCIIText.lastPathComponent(Substring(path))
    return ASCIIText.contains(String(name), anyOf: ["cert"])
      || ASCIIText.equals(name, anyOf: keyFolders)
  }

  /// The last names of folders that hold keys, in any case (`holdsSmallFiles(mountedAt:)`).
  static let keyFolders: [StaticString] = ["keys", "keyring", "keyrings", "gnupg", ".gnupg"]

  /// `holdsSmallFiles(mountedAt:)`, or the mount is one of `smallFileFolders` or inside
  /// one (a certificate folder inside the mount leaves the rest of it to anything). By
  /// bytes, as the exported admission policies compare them.
  public static func holdsSmallFiles(mountedAt path: String, smallFileFolders: Set<[UInt8]>)
    -> Bool
  {
    if holdsSmallFiles(mountedAt: path) { return true }
    guard !smallFileFolders.isEmpty else { return false }
    // The mount and each folder above it, looked up: a scan of the folders for every mount
    // was their product.
    var mount = withoutTrailingSlash(Array(path.utf8))[...]
    while !mount.isEmpty {
      if smallFileFolders.contains(Array(mount)) { return true }
      guard let slash = mount.lastIndex(of: UInt8(ascii: "/")) else { return false }
      mount = mount[..<slash]
    }
    return false
  }

  private static func withoutTrailingSlash(_ path: [UInt8]) -> [UInt8] {
    path.count > 1 && path.last == UInt8(ascii: "/") ? Array(path.dropLast()) : path
  }

  /// The folders the container names for small files of its own: those the command line
  /// names for the certificates the server writes itself (`--cert-dir=/tmp` or `--cert-dir
  /// /tmp`: the flag of Kubernetes' generic API server, which metrics-server and every
  /// aggregated API server take), also inside a shell script, the folder of the configuration
  /// file it names (`--config=/conf/collector.yaml`), and the configuration folders its
  /// environment names (`ROOK_CONFIG_DIR=/var/lib/rook`, a variable whose name ends in
  /// `CONFIG_DIR` or `CONF_DIR`); a trailing slash dropped, and neither an empty folder nor
  /// `/`. Worked out once per container: it reads the whole command line.
  public var smallFileFolders: Set<[UInt8]> {
    var folders: Set<[UInt8]> = []
    func add(_ written: [UInt8]) {
      let folder = Self.withoutTrailingSlash(written)
      if !folder.isEmpty && folder != [UInt8(ascii: "/")] { folders.insert(folder) }
    }
    for variable in node.items(.env) {
      // Both end in `DIR`: most names do not, and are passed over before `hasSuffix`.
      guard let name = variable.scalar(.name)?.string, name.utf8.last == UInt8(ascii: "R"),
        name.hasSuffix("CONFIG_DIR") || name.hasSuffix("CONF_DIR"),
        let value = variable.scalar(.value)?.string
      else { continue }
      add(Array(value.utf8))
    }
    let commandLine = self.commandLine
    // Byte for byte (`ASCIIText.firstRange`): `String.firstRange(of:)` took the generic
    // matcher for every word of every container's command line.
    guard
      commandLine.contains(where: {
        ASCIIText.firstRange(of: "--cert-dir", in: $0) != nil
          || ASCIIText.firstRange(of: "--config=", in: $0) != nil
      })
    else { return folders }
    // Read as the exported policy reads it, so that both find the same folders: the words
    // joined by spaces, tabs and line breaks taken for spaces, each `--cert-dir ` (the flag,
    // its value as the next word) made `--cert-dir=` from left to right, then split at spaces.
    let space = UInt8(ascii: " ")
    var text = Array(commandLine.joined(separator: " ").utf8).map {
      $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t") ? space : $0
    }
    let flag = Array("--cert-dir".utf8)
    let assignment = flag + [UInt8(ascii: "=")]
    var index = 0
    while index + flag.count < text.count {
      if text[index + flag.count] == space && text[index..<index + flag.count].elementsEqual(flag) {
        text[index + flag.count] = UInt8(ascii: "=")
        index += flag.count + 1
      } else {
        index += 1
      }
    }
    let configuration = Array("--config=".utf8)
    for word in text.split(separator: space) {
      if word.starts(with: assignment) {
        add(Array(word.dropFirst(assignment.count)))
      } else if word.starts(with: configuration) {
        // The folder of the configuration file it reads (the OpenTelemetry collector's
        // `--config=/conf/collector.yaml`, which an init container renders there).
        let file = word.dropFirst(configuration.count)
        if let slash = file.lastIndex(of: UInt8(ascii: "/")) { add(Array(file[..<slash])) }
      }
    }
    return folders
  }

  static let runTimeStateFolders: Set<String> = [
    "/run", "/run/", "/var/run", "/var/run/", "/run/lock", "/run/lock/", "/var/lock", "/var/lock/",
  ]

  /// `volumeMounts:` entries: the volume's name and where it is mounted.
  public var volumeMountPaths: [(volume: String, path: String)] {
    node.items(.volumeMounts).compactMap { mount in
      guard let name = mount.scalar(.name)?.string, let path = mount.scalar(.mountPath)?.string
      else { return nil }
      return (name, path)
    }
  }
}

/// One `ports:` entry of a container.
public struct ContainerPort: Sendable {
  public let node: Node

  public var number: Int? { node.scalar(.containerPort)?.int }
  public var name: String? { node.scalar(.name)?.string }
  /// `TCP` unless written.
  public var `protocol`: String { node.scalar(.protocol)?.string ?? "TCP" }
}

/// `resources:` of a container or pod.
public struct Resources: Sendable {
  public let node: Node?

  public init(node: Node?) {
    self.node = node
  }

  /// `limits.<resource>`, e.g. `limit(.memory)`; `nil` when unset.
  public func limit(_ resource: Key) -> Node? {
    node?.mapping(.limits)?.scalar(resource)
  }

  /// `requests.<resource>`; `nil` when unset.
  public func request(_ resource: Key) -> Node? {
    node?.mapping(.requests)?.scalar(resource)
  }
}
