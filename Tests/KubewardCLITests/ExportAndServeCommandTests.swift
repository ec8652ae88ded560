import Foundation
import Testing

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
    #expect(Set(names) == ["  name: kubeward-image-tag"])
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
}
