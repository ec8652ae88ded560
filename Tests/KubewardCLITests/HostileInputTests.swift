import Foundation
import Testing

/// A Pod named `name`, with `image`.
private func pod(named name: String, image: String = "nginx:1.27") -> String {
  """
  apiVersion: v1
  kind: Pod
  metadata:
    name: \(name)
  spec:
    containers:
      - name: app
        image: \(image)
  """
}

/// Whether `output` holds a line that GitHub Actions would read as a workflow command other
/// than kubeward's own annotations (`::error file=…`, `::warning file=…`, `::notice file=…`).
private func hasInjectedCommand(_ output: String) -> Bool {
  output.split(separator: "\n", omittingEmptySubsequences: false).contains { line in
    let trimmed = line.drop { $0 == " " || $0 == "\t" }
    guard trimmed.hasPrefix("::") else { return false }
    return
      !(trimmed.hasPrefix("::error file=") || trimmed.hasPrefix("::warning file=")
      || trimmed.hasPrefix("::notice file="))
  }
}

/// `output` without kubeward's own colours (SGR sequences `ESC [ … m`): what is left must hold
/// no escape character and no bidi override.
private func withoutOwnColours(_ output: String) -> String {
  output.replacing(/\u{1B}\[[0-9;]*m/, with: "")
}

/// Makes the folder `name` in the folder open at `directory`, closes `directory` and returns
/// the new folder's descriptor: trees deeper than PATH_MAX are made a level at a time.
private func descend(into name: String, from directory: Int32) -> Int32 {
  mkdirat(directory, name, 0o755)
  let next = openat(directory, name, O_RDONLY | O_DIRECTORY)
  close(directory)
  return next
}

/// Writes `text` to the file `name` of the folder open at `directory`.
private func write(_ text: String, named name: String, in directory: Int32) {
  let bytes = Array(text.utf8)
  let file = openat(directory, name, O_WRONLY | O_CREAT, 0o644)
  _ = bytes.withUnsafeBytes { Foundation.write(file, $0.baseAddress, $0.count) }
  close(file)
}

private func write(_ text: String, to path: String) throws {
  try FileManager.default.createDirectory(
    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
  try text.write(toFile: path, atomically: false, encoding: .utf8)
}

@Suite("Hostile input: the command line")
struct HostileInputCommandTests {
  /// 65 Deployments without a budget and `--jobs 12` crashed; so did any default run on a
  /// 12-core laptop with that many cross-object findings.
  @Test func manyJobsAndManyCrossObjectFindings() throws {
    let folder = try Kubeward.temporaryDirectory()
    for index in 0..<65 {
      try write(
        Fixtures.webDeployment.replacing("web", with: "d\(index)"), to: folder + "/d\(index).yaml")
    }
    var reports: Set<String> = []
    for jobs in ["1", "12", "64"] {
      let run = try Kubeward.run(
        ["lint", "--jobs", jobs, "--format", "json", "--fail-on", "never", "."], in: folder)
      #expect(run.status == 0, "--jobs \(jobs): \(run.standardError.prefix(300))")
      reports.insert(run.standardOutput)
    }
    #expect(reports.count == 1)
  }

  /// Endless devices, pipes and huge files are reported, not read until memory runs out.
  @Test func endlessAndHugeFilesAreReportedNotRead() throws {
    let folder = try Kubeward.temporaryDirectory()
    let run = try Kubeward.run(["lint", "--format", "json", "/dev/zero"])
    #expect(run.status == 1)
    #expect(run.standardOutput.contains("\"unreadable-file\""))
    #expect(run.standardOutput.contains("character device"))

    #expect(mkfifo(folder + "/pipe.yaml", 0o644) == 0)
    let pipe = try Kubeward.run(
      ["lint", "--format", "json", "--fail-on", "never", "--allow-empty", "."], in: folder)
    #expect(pipe.status == 0)
    #expect(pipe.standardOutput.contains("named pipe"))

    // A sparse 2 GB file: a finding, without reading 2 GB.
    let sparse = folder + "/sparse.yaml"
    #expect(FileManager.default.createFile(atPath: sparse, contents: nil))
    #expect(truncate(sparse, 2 << 30) == 0)
    let started = Date()
    let huge = try Kubeward.run(["lint", "--format", "json", sparse])
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(huge.standardOutput.contains("\"binary-file\""))

    // Text over a lowered limit; standard input over the limit.
    try write(pod(named: "big"), to: folder + "/big.yaml")
    let limited = try Kubeward.run(
      ["lint", "--max-file-size", "64", "--format", "json", "big.yaml"], in: folder)
    #expect(limited.status == 1)
    #expect(limited.standardOutput.contains("\"file-too-large\""))
    let stdin = try Kubeward.run(
      ["lint", "--max-file-size", "64", "--format", "json", "-"], stdin: pod(named: "big"))
    #expect(stdin.standardOutput.contains("\"file-too-large\""))
    let badSize = try Kubeward.run(["lint", "--max-file-size", "lots", "-"], stdin: "")
    #expect(badSize.status == 2)
  }

  /// A name holding a newline and a workflow command, or escape sequences, is shown visibly in
  /// every report people read: never a command on stdout, never an escape on the terminal.
  @Test func inputTextNeverBecomesACommandOrAnEscape() throws {
    let folder = try Kubeward.temporaryDirectory()
    let hostile = [
      "\"rc\\n::error file=README.md,line=1::INJECTED\"",
      "\"x\\e]0;pwned\\a\\e[2J\\u202Eevil\"",
    ]
    try write(
      hostile.map { pod(named: $0, image: "\"nginx:latest\\n::warning::INJECTED\"") }
        .joined(separator: "\n---\n"), to: folder + "/pods.yaml")
    try write(pod(named: "web"), to: folder + "/name\nwith\u{1B}[31mbreak.yaml")
    try write(pod(named: "web2"), to: folder + "/::error title=x::INJECTED.yaml")
    for format in ["text", "github"] {
      let run = try Kubeward.run(
        ["lint", "--format", format, "--fail-on", "never", "."], in: folder)
      #expect(!hasInjectedCommand(run.standardOutput), "\(format):\n\(run.standardOutput)")
      if format == "text" {
        #expect(!run.standardOutput.split(separator: "\n").contains { $0.hasPrefix("::") })
      }
      #expect(!run.standardOutput.contains("\u{1B}"), "\(format)")
      #expect(!run.standardOutput.contains("\u{202E}"), "\(format)")
      #expect(run.standardOutput.contains("INJECTED"))
    }
    // On a terminal (forced colour): kubeward's colours only, code frames included.
    let colour = try Kubeward.run(
      ["lint", "--color", "always", "--fail-on", "never", "."], in: folder)
    let stripped = withoutOwnColours(colour.standardOutput)
    #expect(!stripped.contains("\u{1B}") && !stripped.contains("\u{202E}"))
    #expect(!stripped.contains("\u{07}"))
    #expect(!hasInjectedCommand(colour.standardOutput))
  }

  /// Configuration errors quote the file's keys: written visibly on standard error.
  @Test func configurationErrorsAreEscaped() throws {
    let folder = try Kubeward.temporaryDirectory()
    try write("\"\\e]0;pwned\\a::error::x\": 1\n", to: folder + "/.kubeward.yaml")
    try write(pod(named: "web"), to: folder + "/pod.yaml")
    let run = try Kubeward.run(["lint", "."], in: folder)
    #expect(run.status == 2)
    #expect(run.standardError.contains("unknown key"))
    #expect(!run.standardError.contains("\u{1B}") && !run.standardError.contains("\u{07}"))
    #expect(!hasInjectedCommand(run.standardError))
  }

  /// One 100 KB string aliased into 600 containers (within the alias budget, which counts a
  /// scalar's bytes), and a one-line JSON file with thousands of findings: reports stay
  /// proportional to their input.
  @Test func reportsStayProportionalToTheirInput() throws {
    let folder = try Kubeward.temporaryDirectory()
    var lines = ["apiVersion: v1", "kind: Pod", "metadata: {name: p}", "spec:", "  containers:"]
    lines.append(
      "  - name: c0\n    image: &img registry.example.com/\(String(repeating: "x", count: 100_000)):latest"
    )
    for index in 1..<600 { lines.append("  - name: c\(index)\n    image: *img") }
    let amplified = lines.joined(separator: "\n") + "\n"
    try write(amplified, to: folder + "/amp.yaml")
    let json = try Kubeward.run(
      ["lint", "--format", "json", "--fail-on", "never", "amp.yaml"], in: folder)
    #expect(json.status == 0)
    #expect(
      json.standardOutput.utf8.count < 30 * amplified.utf8.count,
      "\(json.standardOutput.utf8.count) bytes")

    let containers = (0..<1500).map { "{\"name\": \"c\($0)\", \"image\": \"nginx\"}" }
    let oneLine =
      "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, "
      + "\"spec\": {\"containers\": [\(containers.joined(separator: ", "))]}}"
    try write(oneLine, to: folder + "/one.json")
    let started = Date()
    let frames = try Kubeward.run(
      ["lint", "--color", "always", "--fail-on", "never", "one.json"], in: folder)
    #expect(Date().timeIntervalSince(started) < 20)
    // Each finding shows a window of its line, not the whole line.
    let longest = frames.standardOutput.split(separator: "\n").map(\.utf8.count).max() ?? 0
    #expect(longest < 1000, "\(longest)")
    #expect(frames.standardOutput.utf8.count < 200 * oneLine.utf8.count)
  }

  /// A link to `/`, to a folder above, to a folder already walked and to a file outside the
  /// tree: none is followed; those that leave the tree are said (the folders inside it are
  /// linted under their own names, once).
  @Test func symbolicLinksDoNotLeaveTheTree() throws {
    let folder = try Kubeward.temporaryDirectory()
    let outside = try Kubeward.temporaryDirectory()
    try write(pod(named: "secret"), to: outside + "/secret.yaml")
    try write(pod(named: "web"), to: folder + "/app/pod.yaml")
    let manager = FileManager.default
    try manager.createSymbolicLink(atPath: folder + "/root", withDestinationPath: "/")
    try manager.createSymbolicLink(atPath: folder + "/app/up", withDestinationPath: "..")
    try manager.createSymbolicLink(atPath: folder + "/again", withDestinationPath: "app")
    try manager.createSymbolicLink(
      atPath: folder + "/leak.yaml", withDestinationPath: outside + "/secret.yaml")
    let started = Date()
    let run = try Kubeward.run(["lint", "--format", "json", "--fail-on", "never", "."], in: folder)
    #expect(Date().timeIntervalSince(started) < 20)
    let findings = try #require(run.json?["findings"] as? [[String: Any]])
    let notFollowed = Set(
      findings.filter { $0["policy"] as? String == "symlink-not-followed" }.compactMap {
        $0["file"] as? String
      })
    #expect(notFollowed == ["leak.yaml", "root"], "\(notFollowed)")
    #expect(!run.standardOutput.contains("Pod default/secret"))
    let files = Set(findings.compactMap { $0["file"] as? String })
    #expect(files.contains("app/pod.yaml"))
    #expect(!files.contains { $0.hasPrefix("again/") || $0.hasPrefix("app/up/") }, "\(files)")
  }

  /// A link to a file the walk reads under its own name is left out, and of two links to one
  /// file outside the walk (a hidden folder) the first is read: knative's `config/` links
  /// each of its files from `core/`, and every finding was reported twice.
  @Test func aFileReachedThroughALinkIsReadOnce() throws {
    let folder = try Kubeward.temporaryDirectory()
    try write(pod(named: "web", image: "nginx:latest"), to: folder + "/core/pod.yaml")
    try write(pod(named: "db", image: "redis:latest"), to: folder + "/.shared/db.yaml")
    let manager = FileManager.default
    try manager.createSymbolicLink(
      atPath: folder + "/500-pod.yaml", withDestinationPath: "core/pod.yaml")
    try manager.createSymbolicLink(
      atPath: folder + "/a.yaml", withDestinationPath: ".shared/db.yaml")
    try manager.createSymbolicLink(
      atPath: folder + "/b.yaml", withDestinationPath: ".shared/db.yaml")
    // Read otherwise than its target, a link is read too: from outside a fixtures folder into
    // it (its findings are not lowered), and from another project.
    try write(pod(named: "cache", image: "memcached:latest"), to: folder + "/testdata/cache.yaml")
    try manager.createSymbolicLink(
      atPath: folder + "/cache.yaml", withDestinationPath: "testdata/cache.yaml")
    try write("resources: [pod.yaml]\n", to: folder + "/apps/kustomization.yaml")
    try manager.createSymbolicLink(
      atPath: folder + "/apps/pod.yaml", withDestinationPath: "../core/pod.yaml")
    func tagged(_ arguments: [String] = []) throws -> [String] {
      let run = try Kubeward.run(
        ["lint", "--format", "json", "--fail-on", "never"] + arguments + ["."], in: folder)
      let findings = try #require(
        run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
      return findings.filter { $0["policy"] as? String == "image-tag" }.compactMap {
        $0["file"] as? String
      }.sorted()
    }
    #expect(
      try tagged() == [
        "a.yaml", "apps/pod.yaml", "cache.yaml", "core/pod.yaml", "testdata/cache.yaml",
      ])
    // A link to a file the configuration excludes is read (it was read zero times), from a
    // copy of the working directory too (`--read-from`, which walked the copy unexcluded).
    try write("exclude: [\"core/**\"]\n", to: folder + "/.kubeward.yaml")
    let expected = ["500-pod.yaml", "a.yaml", "apps/pod.yaml", "cache.yaml", "testdata/cache.yaml"]
    #expect(try tagged() == expected)
    let copy = try Kubeward.temporaryDirectory()
    try manager.removeItem(atPath: copy)
    try manager.copyItem(atPath: folder, toPath: copy)
    // (Named from the copy as `./500-pod.yaml`: the argument `.` with the copy's rest.)
    #expect(
      try tagged(["--read-from", copy]).map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : $0 }
        == expected)
  }

  /// Arguments that overlap read each file once, under the name of its first reading: a
  /// folder and a file in it, two spellings of one path, a folder given twice, a link named
  /// with its target (each finding was reported once per argument that reached it). Two files
  /// alike are both read. A file named before its folder takes the walk's project, so that a
  /// link to it in the folder is still read once (it was read again).
  @Test func overlappingArgumentsReadEachFileOnce() throws {
    let folder = try Kubeward.temporaryDirectory()
    try write(pod(named: "web", image: "nginx:latest"), to: folder + "/apps/web.yaml")
    try write(pod(named: "web", image: "nginx:latest"), to: folder + "/apps/copy.yaml")
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/link.yaml", withDestinationPath: "apps/web.yaml")
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/apps/same.yaml", withDestinationPath: "web.yaml")
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/apps/dangling.yaml", withDestinationPath: "gone.yaml")
    func files(_ arguments: [String]) throws -> [String] {
      let run = try Kubeward.run(
        ["lint", "--format", "json", "--fail-on", "never"] + arguments, in: folder)
      let findings = try #require(
        run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
      return findings.compactMap { $0["file"] as? String }
    }
    #expect(try files(["apps", "apps/"]).filter { $0.hasSuffix("dangling.yaml") }.count == 1)
    func tagged(_ arguments: [String]) throws -> [String] {
      let run = try Kubeward.run(
        ["lint", "--format", "json", "--fail-on", "never"] + arguments, in: folder)
      let findings = try #require(
        run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
      return findings.filter { $0["policy"] as? String == "image-tag" }.compactMap {
        $0["file"] as? String
      }
    }
    #expect(
      try tagged(["apps", "apps/web.yaml", "./apps/web.yaml", "apps/"]).sorted() == [
        "apps/copy.yaml", "apps/web.yaml",
      ])
    #expect(
      try tagged(["./apps/web.yaml", "apps"]).sorted() == ["./apps/web.yaml", "apps/copy.yaml"])
    #expect(try tagged(["apps"]).sorted() == ["apps/copy.yaml", "apps/web.yaml"])
    #expect(try tagged(["link.yaml", "apps/web.yaml"]) == ["link.yaml"])
    // The staged copy a hook reads from is one file per path too.
    let copy = try Kubeward.temporaryDirectory()
    try write(pod(named: "web", image: "nginx:latest"), to: copy + "/apps/web.yaml")
    #expect(
      try tagged(["--read-from", copy, "apps/web.yaml", "apps/web.yaml"]) == ["apps/web.yaml"])
  }

  /// A link a kustomization lists as a resource is read, though its target is the data of the
  /// kustomization's generator (it was left out for the target, which is never linted).
  @Test func aLinkReadInAnotherRoleThanItsTargetIsRead() throws {
    let folder = try Kubeward.temporaryDirectory()
    try write(pod(named: "web", image: "nginx:latest"), to: folder + "/data/pod.yaml")
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/pod.yaml", withDestinationPath: "data/pod.yaml")
    try write(
      "resources: [pod.yaml]\nconfigMapGenerator: [{name: m, files: [data/pod.yaml]}]\n",
      to: folder + "/kustomization.yaml")
    let run = try Kubeward.run(["lint", "--format", "json", "--fail-on", "never", "."], in: folder)
    let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
    let tagged = findings.filter { $0["policy"] as? String == "image-tag" }.compactMap {
      $0["file"] as? String
    }
    #expect(tagged == ["pod.yaml"], "\(tagged)")
  }

  /// A link out of the folder is said as the repository writes it, and whether or not its
  /// target is there (knative links `vendor/`, which a checkout may leave out): information,
  /// never the error of a broken file, which a dangling link inside the folder is.
  @Test func linksOutOfTheTreeAreSaidAsWrittenTargetOrNot() throws {
    let top = try Kubeward.temporaryDirectory()
    try write(pod(named: "web"), to: top + "/outside.yaml")
    try write(pod(named: "app"), to: top + "/repo/app.yaml")
    let manager = FileManager.default
    try manager.createSymbolicLink(
      atPath: top + "/repo/out.yaml", withDestinationPath: "../outside.yaml")
    try manager.createSymbolicLink(
      atPath: top + "/repo/vendored.yaml", withDestinationPath: "../vendor/missing.yaml")
    try manager.createSymbolicLink(
      atPath: top + "/repo/absent.yaml", withDestinationPath: "/nonexistent-kubeward/x.yaml")
    try manager.createSymbolicLink(
      atPath: top + "/repo/broken.yaml", withDestinationPath: "sub/../gone.yaml")
    let run = try Kubeward.run(
      ["lint", "--format", "json", "--fail-on", "never", "."], in: top + "/repo")
    let findings = try #require(run.json?["findings"] as? [[String: Any]], "\(run.standardError)")
    func said(_ file: String) -> (policy: String, severity: String, message: String)? {
      findings.first { $0["file"] as? String == file }.map {
        (
          $0["policy"] as? String ?? "", $0["severity"] as? String ?? "",
          $0["message"] as? String ?? ""
        )
      }
    }
    let out = try #require(said("out.yaml"))
    #expect(out.policy == "symlink-not-followed" && out.severity == "info")
    #expect(out.message.contains("a symbolic link to ../outside.yaml, outside"), "\(out.message)")
    #expect(!out.message.contains(top), "the runner's folders: \(out.message)")
    for file in ["vendored.yaml", "absent.yaml"] {
      let missing = try #require(said(file), "\(file)")
      #expect(missing.policy == "symlink-not-followed" && missing.severity == "info", "\(missing)")
    }
    #expect(said("vendored.yaml")?.message.contains("to ../vendor/missing.yaml, outside") == true)
    let broken = try #require(said("broken.yaml"))
    #expect(broken.policy == "unreadable-file" && broken.severity == "error", "\(broken)")
  }

  /// Outside a repository, a `.kubeward.yaml` in a folder above the working directory (a shared
  /// `/tmp`) is not applied.
  @Test func configurationIsFoundOnlyUpToTheRepositoryRoot() throws {
    let top = try Kubeward.temporaryDirectory()
    try write("failOn: never\nexclude: [\"**\"]\n", to: top + "/.kubeward.yaml")
    try write(pod(named: "web", image: "nginx:latest"), to: top + "/work/pod.yaml")
    let run = try Kubeward.run(["lint", "."], in: top + "/work")
    #expect(run.status == 1, "\(run.standardOutput)")
    #expect(run.standardOutput.contains("[image-tag]"))
  }

  /// A chain of 3 000 folders (6 000 bytes of path) with a manifest at the bottom: every
  /// folder past PATH_MAX was opened from the root a component at a time, in the walk and in
  /// the search for build tools, so the time grew with the square of the depth (70 s for
  /// 4 000 in a release build).
  @Test func deepFolderChainsAreWalkedInLinearTime() throws {
    let folder = try Kubeward.temporaryDirectory()
    var directory = open(folder, O_RDONLY | O_DIRECTORY)
    for _ in 0..<3000 { directory = descend(into: "a", from: directory) }
    #expect(directory >= 0)
    write(pod(named: "deep", image: "nginx:latest"), named: "deep.yaml", in: directory)
    close(directory)
    let start = ContinuousClock.now
    let run = try Kubeward.run(["lint", "--fail-on", "never", "--jobs", "1", "."], in: folder)
    let elapsed = ContinuousClock.now - start
    #expect(elapsed < .seconds(15), "\(elapsed)")
    #expect(run.standardOutput.contains("/deep.yaml:"), "\(run.standardError)")
    #expect(run.standardOutput.contains("[image-tag]"))
  }

  /// A chain of 1 500 folders with a link to a manifest in each: each link's target was
  /// resolved with `realpath(3)`, a system call per folder above it, each as long as its path,
  /// so the time grew with the cube of the depth (1 200 levels: 20 s in a release build). Each
  /// link is now resolved from its folder's descriptor. Every link reads its neighbour alike,
  /// so each manifest is reported once.
  @Test func linksInDeepFolderChainsAreResolvedInLinearTime() throws {
    let folder = try Kubeward.temporaryDirectory()
    var directory = open(folder, O_RDONLY | O_DIRECTORY)
    for _ in 0..<1500 {
      directory = descend(into: "a", from: directory)
      write(pod(named: "deep", image: "nginx:latest"), named: "pod.yaml", in: directory)
      #expect(symlinkat("pod.yaml", directory, "link.yaml") == 0)
    }
    #expect(directory >= 0)
    close(directory)
    let start = ContinuousClock.now
    let run = try Kubeward.run(
      ["lint", "--format", "json", "--fail-on", "never", "--jobs", "1", "."], in: folder)
    let elapsed = ContinuousClock.now - start
    #expect(elapsed < .seconds(15), "\(elapsed)")
    let files = (run.json?["findings"] as? [[String: Any]] ?? []).filter {
      $0["policy"] as? String == "image-tag"
    }.compactMap { ($0["file"] as? String)?.split(separator: "/").last }
    #expect(files.count == 1500, "\(run.standardError)")
    #expect(Set(files) == ["pod.yaml"])
  }

  /// File names that are not UTF-8, and paths longer than PATH_MAX, are linted and named.
  @Test func pathsAreBytesOfAnyLength() throws {
    let folder = try Kubeward.temporaryDirectory()
    // caf\xE9.yaml
    let name = Array(folder.utf8) + Array("/caf".utf8) + [0xE9] + Array(".yaml".utf8)
    let text = Array(pod(named: "cafe", image: "nginx:latest").utf8)
    let descriptor = (name + [0]).withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
    }
    #expect(descriptor >= 0)
    _ = text.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
    // A chain of folders longer than PATH_MAX (4096).
    var deep = folder
    let component = String(repeating: "d", count: 200)
    for _ in 0..<25 {
      deep += "/" + component
      #expect(mkdir(deep, 0o755) == 0 || errno == ENAMETOOLONG)
    }
    _ = deep
    let chain = (0..<25).map { _ in component }.joined(separator: "/")
    // Create the deep file relative to its folder, a component at a time.
    var directory = open(folder, O_RDONLY | O_DIRECTORY)
    for _ in 0..<25 { directory = descend(into: component, from: directory) }
    write(pod(named: "cafe", image: "nginx:latest"), named: "deep.yaml", in: directory)
    // A link there: the system gives no path that long, so where it leads is unknown, which
    // is what is said (it was said to lead outside the folder).
    #expect(symlinkat("deep.yaml", directory, "inlink.yaml") == 0)
    close(directory)

    let run = try Kubeward.run(["lint", "--format", "json", "--fail-on", "never", "."], in: folder)
    let link = (run.json?["findings"] as? [[String: Any]] ?? []).first {
      ($0["file"] as? String)?.hasSuffix("/inlink.yaml") == true
    }
    let said = link?["message"] as? String ?? ""
    #expect(
      link?["policy"] as? String == "symlink-not-followed"
        && said.contains("whose target's place the system does not give")
        && !said.contains("outside"),
      "\(said)")
    let files = Set(
      (run.json?["findings"] as? [[String: Any]] ?? []).filter {
        $0["policy"] as? String == "image-tag"
      }.compactMap { $0["file"] as? String })
    #expect(files == ["caf\\xE9.yaml", chain + "/deep.yaml"], "\(files) \(run.standardError)")
    // Walked by its own name, where the name shown starts as the path does: the file is read
    // by its bytes, not by the name shown (`\xE9` names another file).
    let named = try Kubeward.run(["lint", "--format", "json", "--fail-on", "never", folder])
    let found = (named.json?["findings"] as? [[String: Any]] ?? []).map {
      "\($0["policy"] as? String ?? "") \($0["file"] as? String ?? "")"
    }
    #expect(found.contains("image-tag \(folder)/caf\\xE9.yaml"), "\(found)")
    #expect(!found.contains { $0.hasPrefix("unreadable-file") }, "\(found)")
  }

  /// Reports are written whole or not at all: a full disk is an error, a baseline can be read
  /// and rewritten in one run, and a link in the repository is not written through.
  @Test func reportsAreWrittenSafely() throws {
    let folder = try Kubeward.temporaryDirectory()
    try write(pod(named: "web", image: "nginx:latest"), to: folder + "/pod.yaml")
    let full = try Kubeward.run(
      ["lint", "--format", "sarif", "--output", "/dev/full", "."], in: folder)
    #expect(full.status == 2)
    #expect(full.standardError.contains("No space left on device"))

    // (Named so that it is not linted itself.)
    // Recording a baseline is what the run is for: it succeeds, and says what it wrote.
    let first = try Kubeward.run(["lint", "--write-baseline", "baseline.kw", "."], in: folder)
    #expect(first.status == 0)
    #expect(first.standardError.contains("to the baseline baseline.kw"))
    let again = try Kubeward.run(
      ["lint", "--baseline", "baseline.kw", "--write-baseline", "baseline.kw", "."], in: folder)
    #expect(again.status == 0, "\(again.standardError)")
    let baseline = try String(contentsOfFile: folder + "/baseline.kw", encoding: .utf8)
    #expect(baseline.contains("image-tag"))

    // Names holding the characters YAML forbids (U+FFFE, U+FFFF) are written as escapes: the
    // baseline reads back, and accepts what it recorded.
    let odd = try Kubeward.temporaryDirectory()
    try write(
      pod(named: "\"web\\uFFFE\"", image: "nginx:latest"),
      to: odd + "/pod\u{FFFF}.yaml")
    let recorded = try Kubeward.run(["lint", "--write-baseline", "baseline.kw", "."], in: odd)
    #expect(recorded.status == 0, "\(recorded.standardError)")
    let written = try String(contentsOfFile: odd + "/baseline.kw", encoding: .utf8)
    #expect(!written.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0xFFFF })
    let accepted = try Kubeward.run(["lint", "--baseline", "baseline.kw", "."], in: odd)
    #expect(accepted.status == 0, "\(accepted.standardError)")

    let victim = try Kubeward.temporaryDirectory() + "/victim.txt"
    try "keep".write(toFile: victim, atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/out.sarif", withDestinationPath: victim)
    let link = try Kubeward.run(
      ["lint", "--format", "sarif", "--output", "out.sarif", "."], in: folder)
    #expect(link.status == 2)
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy {
        !$0.contains(".kubeward-")
      })
  }
}
