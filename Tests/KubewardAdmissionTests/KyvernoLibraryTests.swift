import KubewardCEL
import KubewardEngine
import Testing

@testable import KubewardAdmission

/// Kyverno's CEL libraries that need no cluster, with the cases of their own tests
/// (kyverno/sdk `extensions/cel/libs/*/lib_test.go`) and go-containerregistry's for image
/// references (`pkg/name`).
@Suite("Kyverno libraries")
struct KyvernoLibraryTests {
  func evaluate(_ expression: String) throws -> Value {
    try Program(expression, library: KyvernoLibrary.library, bindings: true)
      .evaluate(DictionaryActivation())
  }

  func text(_ expression: String) throws -> String {
    try evaluate(expression).debugText
  }

  static let digest = "sha256:6aefddb645ee6963afd681b1845c661d0ea4c3b20ab9db86d9e753b203d385f2"

  /// `libs/image/lib_test.go`, case by case.
  @Test func imageReferencesAsKyvernoParsesThem() throws {
    let image = "registry.k8s.io/kube-apiserver-arm64"
    let digest = Self.digest
    let cases: [(String, String)] = [
      ("isImage('\(image):latest')", "true"),
      ("isImage('\(image):@')", "false"),
      ("parseImageReference('\(image)').containsDigest()", "false"),
      ("parseImageReference('\(image):latest').containsDigest()", "false"),
      ("parseImageReference('\(image)@\(digest)').containsDigest()", "true"),
      ("parseImageReference('\(image):latest@\(digest)').containsDigest()", "true"),
      ("parseImageReference('\(image)').registry()", "\"registry.k8s.io\""),
      ("parseImageReference('\(image)').registry().matches('(registry.k8s.io|ghcr.io)')", "true"),
      ("parseImageReference('\(image)').repository()", "\"kube-apiserver-arm64\""),
      ("parseImageReference('\(image):testtag').identifier()", "\"testtag\""),
      ("parseImageReference('\(image)').identifier()", "\"latest\""),
      ("parseImageReference('\(image)@\(digest)').identifier()", "\"\(digest)\""),
      ("parseImageReference('\(image):latest@\(digest)').identifier()", "\"\(digest)\""),
      ("parseImageReference('\(image):testtag').tag()", "\"testtag\""),
      ("parseImageReference('\(image)').tag()", "\"latest\""),
      ("parseImageReference('\(image)@\(digest)').tag()", "\"\""),
      ("parseImageReference('\(image)').digest()", "\"\""),
      ("parseImageReference('\(image):testtag').digest()", "\"\""),
      ("parseImageReference('\(image)@\(digest)').digest()", "\"\(digest)\""),
      // The older name, and equality by what was written.
      ("image('\(image)').registry()", "\"registry.k8s.io\""),
      ("image('nginx') == parseImageReference('nginx')", "true"),
      ("image('nginx') == parseImageReference('nginx:latest')", "false"),
    ]
    for (expression, expected) in cases {
      #expect(try text(expression) == expected, "\(expression)")
    }
    let invalid = try evaluate("parseImageReference('\(image):@')")
    guard case .error(let error) = invalid else {
      Issue.record("an invalid reference parsed: \(invalid.debugText)")
      return
    }
    #expect(error.message == "could not parse reference: \(image):@")
    // Kyverno's compiler refuses it; kubeward's finds no overload when it runs.
    #expect(try evaluate("isImage(0)").isError)
  }

  /// go-containerregistry's defaults: Docker Hub as `index.docker.io` (also when written
  /// `docker.io`), its one-part repositories in `library/`, a registry by a dot, a colon or
  /// `localhost`, a port after a registry's colon, a tag dropped before a digest.
  @Test func imageReferencesFollowGoContainerregistry() throws {
    let cases: [(String, registry: String, repository: String, identifier: String)] = [
      ("nginx", "index.docker.io", "library/nginx", "latest"),
      ("nginx:1.27", "index.docker.io", "library/nginx", "1.27"),
      ("docker.io/nginx", "index.docker.io", "library/nginx", "latest"),
      ("docker.io/bitnami/redis:7.2", "index.docker.io", "bitnami/redis", "7.2"),
      ("bitnami/redis", "index.docker.io", "bitnami/redis", "latest"),
      ("localhost/testimage:mytag", "localhost", "testimage", "mytag"),
      ("localhost:5000/foo", "localhost:5000", "foo", "latest"),
      ("localhost:5000/foo:bar", "localhost:5000", "foo", "bar"),
      ("gcr.io/project-id/some-image:v1.2_3-x", "gcr.io", "project-id/some-image", "v1.2_3-x"),
      ("[::1]:5000/app", "[::1]:5000", "app", "latest"),
      ("nginx:1.27@\(Self.digest)", "index.docker.io", "library/nginx", Self.digest),
    ]
    for (text, registry, repository, identifier) in cases {
      guard case .success(let image) = KyvernoImage.parse(text) else {
        Issue.record("\(text) did not parse")
        continue
      }
      #expect(image.registry == registry, "\(text)")
      #expect(image.repository == repository, "\(text)")
      #expect(image.identifier == identifier, "\(text)")
    }
    // Upper case in a repository, an empty tag, a tag with a slash's worth of text, a bad
    // port, two digests, a digest of another length or algorithm, a space in a registry.
    for text in [
      "Nginx", "nginx:", "nginx:a+b", "gcr.io:x/app", "a@\(Self.digest)@\(Self.digest)",
      "nginx@sha256:abc", "nginx@sha512:\(String(repeating: "a", count: 128))",
      "my registry.io/app", "gcr.io/app:\(String(repeating: "t", count: 129))", "",
      "gcr.io/", "reg%41.io/app",
      // Brackets hold an IPv6 address, first, or nothing (Go's CVE-2025-47912 fix).
      "[foo]:5000/repo", "[1.2.3.4]:5000/repo", "a.b[c/repo", "[[::1]:80/r",
    ] {
      if case .success(let image) = KyvernoImage.parse(text) {
        Issue.record("\(text) parsed as \(image)")
      }
    }
  }

  /// `libs/math`: `math.round(x, digits)`; cel-go's math and encoders extensions, which
  /// Kyverno's environment enables (their conformance files run in `ConformanceTests`).
  @Test func mathAndEncoders() throws {
    #expect(try text("math.round(3.14159, 2)") == "3.14")
    // Half away from zero, as Go rounds; negative digits round to tens, hundreds …
    for (expression, expected) in [
      ("math.round(2.5, 0)", 3.0), ("math.round(-2.5, 0)", -3.0), ("math.round(1234.5, -2)", 1200),
      ("math.round(1.5)", 2),
    ] {
      guard case .double(let value) = try evaluate(expression) else {
        Issue.record("\(expression) is no double")
        continue
      }
      #expect(value == expected, "\(expression)")
    }
    #expect(try text("math.greatest(1, 2u, 3.5)") == "3.5")
    // Go's Pow: 10^-323 is a subnormal, so the rounding gives 0, not NaN; its last bit as Go
    // rounds it (6.999999999999999, where repeated multiplication gave 7.000000000000001).
    #expect(try text("math.round(1.5, -323) == 0.0") == "true")
    #expect(try text("math.round(7.0, 26) < 7.0") == "true")
    #expect(try text("math.round(1.5, 9223372036854775807) == 1.5") == "false")
    #expect(try text("base64.decode(base64.encode(b'kyverno')) == b'kyverno'") == "true")
    // Go's decoders: padded, else unpadded; line breaks skipped; anything else an error.
    for (encoded, decoded) in [("aGk=", "hi"), ("aGk", "hi"), ("aG\\nk=\\r\\n", "hi"), ("", "")] {
      #expect(try text("base64.decode('\(encoded)') == b'\(decoded)'") == "true", "\(encoded)")
    }
    for encoded in ["a", "aG=k", "aGk==", "a$Gk", "aGk=x"] {
      #expect(try evaluate("base64.decode('\(encoded)')").isError, "\(encoded)")
    }
    // Not in the API server's environment: a ValidatingAdmissionPolicy cannot call them.
    #expect(throws: CELCompileError.self) {
      try Program("math.greatest(1, 2)", library: .kubernetes)
    }
    #expect(throws: CELCompileError.self) {
      try Program("base64.encode(b'x')", library: .kubernetes)
    }
  }

  /// `libs/time`: `time.truncate` down to a multiple since Go's zero time, `time.toCron`,
  /// `time.now`.
  @Test func time() throws {
    #expect(
      try text("time.truncate(timestamp('2025-01-02T03:45:27Z'), duration('1h'))")
        == "timestamp(\"2025-01-02T03:00:00Z\")")
    #expect(
      try text("time.truncate(timestamp('2025-01-02T03:45:27.5Z'), duration('7m'))")
        == "timestamp(\"2025-01-02T03:43:00Z\")")
    #expect(
      try text("time.truncate(timestamp('2025-01-02T03:45:27Z'), duration('0s'))")
        == "timestamp(\"2025-01-02T03:45:27Z\")")
    #expect(try text("time.toCron(timestamp('2025-01-02T15:30:00Z'))") == "\"30 15 2 1 4\"")
    // Where the time is written, as Go's time.Time keeps its zone.
    #expect(
      try text("time.toCron(timestamp('2024-03-05T23:30:00-05:00'))") == "\"30 23 5 3 2\"")
    #expect(try text("time.now() > timestamp('2026-01-01T00:00:00Z')") == "true")
  }

  /// `libs/transform`: `listObjToMap`, under both its names.
  @Test func listObjectsToMap() throws {
    let arguments = """
      ([{"name": "kyverno", "lfx": "mentorship"}, {"name": "kubernetes", "lfx": "something"}],
       [{"domain": "security"}, {"domain": "orchestration"}], "name", "domain")
      """
    for name in ["transform.listObjToMap", "listObjToMap"] {
      #expect(
        try text("\(name)\(arguments) == {'kyverno': 'security', 'kubernetes': 'orchestration'}")
          == "true")
    }
    guard case .error(let error) = try evaluate("listObjToMap([{'a': 'x'}], [], 'a', 'b')") else {
      Issue.record("lists of different lengths were accepted")
      return
    }
    #expect(error.message.hasPrefix("listObjToMap must take lists of equal length"))
    // Go converts each map whole: a key that is no string fails it.
    #expect(
      try evaluate("listObjToMap([{dyn(1): 'x', dyn('name'): 'a'}], [{'v': 1}], 'name', 'v')")
        .isError)
  }
}
