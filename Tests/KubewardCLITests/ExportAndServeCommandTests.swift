import Foundation
import Testing

@testable import KubewardCLI

@Suite("kubeward export vap and kubeward serve on the command line")
struct ExportAndServeCommandTests {
  @Test func exportWritesDocumentsToStandardOutputAndSaysWhatItLeftOut() throws {
    let run = try Kubeward.run(["export", "vap"])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardOutput.contains("name: kubeward-memory-limit\n"))
    #expect(run.standardOutput.contains("kind: ValidatingAdmissionPolicyBinding"))
    #expect(!run.standardOutput.contains("kind: Kustomization"))
    #expect(
      run.standardError.contains("kubeward: schema is not exported: the API server validates"))
  }

  @Test func exportOnePolicy() throws {
    let run = try Kubeward.run(["export", "vap", "--policy", "image-tag"])
    #expect(run.status == 0)
    let names = run.standardOutput.split(separator: "\n").filter { $0.hasPrefix("  name: ") }
    // Its warnings and its information (an Audit binding), its params' ConfigMap and the
    // Namespace that holds it.
    #expect(
      Set(names) == [
        "  name: kubeward-image-tag", "  name: kubeward-image-tag-info", "  name: kubeward",
      ])
    #expect(run.standardError.isEmpty)
  }

  @Test func exportRefusesWhatIsNoPerObjectPolicy() throws {
    let unknown = try Kubeward.run(["export", "vap", "--policy", "no-such\u{1B}[2J"])
    #expect(unknown.status == 2)
    #expect(unknown.standardError.contains("no policy \"no-such\\x1B[2J\""))
    let set = try Kubeward.run(["export", "vap", "--policy", "missing-pdb"])
    #expect(set.status == 2)
    #expect(set.standardError.contains("missing-pdb is not a per-object policy"))
  }

  @Test func exportToAFolderWritesWhatDeployVAPHolds() throws {
    // A folder export makes itself.
    let folder = try Kubeward.temporaryDirectory() + "/vap"
    let run = try Kubeward.run(["export", "vap", "--output", folder])
    #expect(run.status == 0, "\(run.standardError)")
    let committed = Kubeward.repositoryRoot + "/deploy/vap"
    let files = try FileManager.default.contentsOfDirectory(atPath: committed).sorted()
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == files)
    for file in files {
      #expect(
        FileManager.default.contents(atPath: folder + "/" + file)
          == FileManager.default.contents(atPath: committed + "/" + file), "\(file)")
    }
  }

  @Test func serveNeedsACertificateOrSaysInsecure() throws {
    let bare = try Kubeward.run(["serve"])
    #expect(bare.status == 2)
    #expect(bare.standardError.contains("give --tls-cert-file and --tls-private-key-file"))
    let both = try Kubeward.run(
      ["serve", "--insecure-http", "--tls-cert-file", "c.pem", "--tls-private-key-file", "k.pem"])
    #expect(both.status == 2)
    #expect(both.standardError.contains("--insecure-http serves plain HTTP"))
    let timeout = try Kubeward.run(["serve", "--insecure-http", "--request-timeout", "0"])
    #expect(timeout.status == 2)
    let level = try Kubeward.run(["serve", "--insecure-http", "--log-level", "loud"])
    #expect(level.status == 2)
  }

  @Test func serveReportsCertificatesItCannotRead() throws {
    let run = try Kubeward.run(
      [
        "serve", "--tls-cert-file", "/nonexistent/tls.crt", "--tls-private-key-file",
        "/nonexistent/tls.key", "--port", "0",
      ])
    #expect(run.status == 2)
    #expect(run.standardError.contains("cannot serve on 0.0.0.0:0"))
  }

  /// The cores a container may use, from its cgroup's `cpu.max`: the webhook's default
  /// threads, each of which may hold a large review's tree.
  @Test func coresFollowTheCgroupQuota() {
    #expect(cgroupCPULimit("200000 100000\n") == 2)
    #expect(cgroupCPULimit("150000 100000") == 2)
    #expect(cgroupCPULimit("50000 100000") == 1)
    #expect(cgroupCPULimit("max 100000\n") == nil)
    #expect(cgroupCPULimit("garbage") == nil)
    #expect(cgroupCPULimit(nil) == nil)
    // Rounded up without overflowing (a quota near Int.max trapped).
    #expect(cgroupCPULimit("9223372036854775807 2") == Int.max / 2 + 1)
    #expect(availableCores() >= 1)
  }

  /// cgroup v1's CFS quota, for nodes that still mount it: -1 is no limit.
  @Test func coresFollowTheCgroupV1Quota() {
    #expect(cgroupV1CPULimit(quota: "200000\n", period: "100000\n") == 2)
    #expect(cgroupV1CPULimit(quota: "250000", period: "100000") == 3)
    #expect(cgroupV1CPULimit(quota: "-1\n", period: "100000\n") == nil)
    #expect(cgroupV1CPULimit(quota: "200000", period: nil) == nil)
    #expect(cgroupV1CPULimit(quota: "200000 100000", period: "100000") == nil)
    #expect(cgroupV1CPULimit(quota: "x", period: "100000") == nil)
  }

  /// A port another process holds: said once, as a setup problem (no usage text), and the
  /// event loops stop cleanly (the quiescing helper went after them, and SwiftNIO said
  /// "Cannot schedule tasks on an EventLoop that has already shut down").
  @Test func servePortTakenIsSaidCleanly() throws {
    let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(holder >= 0)
    defer { close(holder) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(holder, pointer, length) == 0 && listen(holder, 1) == 0
          && getsockname(holder, pointer, &length) == 0
      }
    }
    #expect(bound)
    let port = Int(UInt16(bigEndian: address.sin_port))
    let run = try Kubeward.run(
      ["serve", "--insecure-http", "--address", "127.0.0.1", "--port", "\(port)"])
    #expect(run.status == 2)
    #expect(run.standardError.contains("cannot serve on 127.0.0.1:\(port)"))
    #expect(!run.standardError.contains("Usage:"))
    #expect(!run.standardError.contains("Cannot schedule tasks"), "\(run.standardError)")
  }
}
