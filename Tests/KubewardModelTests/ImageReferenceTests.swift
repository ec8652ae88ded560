import KubewardModel
import Testing

struct ImageCase: Sendable, CustomTestStringConvertible {
  let reference: String
  let explicitRegistry: String?
  let registry: String
  let repository: String
  let tag: String?
  let digest: String?

  var testDescription: String { reference }
}

private let digest = "sha256:" + String(repeating: "ab", count: 32)

private let valid: [ImageCase] = [
  ImageCase(
    reference: "nginx", explicitRegistry: nil, registry: "docker.io", repository: "library/nginx",
    tag: nil, digest: nil),
  ImageCase(
    reference: "nginx:1.25-alpine", explicitRegistry: nil, registry: "docker.io",
    repository: "library/nginx", tag: "1.25-alpine", digest: nil),
  ImageCase(
    reference: "bitnami/redis:7.2", explicitRegistry: nil, registry: "docker.io",
    repository: "bitnami/redis", tag: "7.2", digest: nil),
  ImageCase(
    reference: "docker.io/nginx:latest", explicitRegistry: "docker.io", registry: "docker.io",
    repository: "library/nginx", tag: "latest", digest: nil),
  ImageCase(
    reference: "index.docker.io/library/busybox", explicitRegistry: "index.docker.io",
    registry: "docker.io", repository: "library/busybox", tag: nil, digest: nil),
  ImageCase(
    reference: "registry-vpc.cn-hangzhou.aliyuncs.com/shop/orders:1.4.2",
    explicitRegistry: "registry-vpc.cn-hangzhou.aliyuncs.com",
    registry: "registry-vpc.cn-hangzhou.aliyuncs.com", repository: "shop/orders", tag: "1.4.2",
    digest: nil),
  ImageCase(
    reference: "localhost:5000/app", explicitRegistry: "localhost:5000",
    registry: "localhost:5000", repository: "app", tag: nil, digest: nil),
  ImageCase(
    reference: "localhost/app:dev", explicitRegistry: "localhost", registry: "localhost",
    repository: "app", tag: "dev", digest: nil),
  ImageCase(
    reference: "registry.example.com:5000/team/sub/app:v2",
    explicitRegistry: "registry.example.com:5000", registry: "registry.example.com:5000",
    repository: "team/sub/app", tag: "v2", digest: nil),
  ImageCase(
    reference: "alpine@\(digest)", explicitRegistry: nil, registry: "docker.io",
    repository: "library/alpine", tag: nil, digest: digest),
  ImageCase(
    reference: "gcr.io/distroless/static:nonroot@\(digest)", explicitRegistry: "gcr.io",
    registry: "gcr.io", repository: "distroless/static", tag: "nonroot", digest: digest),
  ImageCase(
    reference: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:2024.05.01",
    explicitRegistry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
    registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com", repository: "api",
    tag: "2024.05.01", digest: nil),
  ImageCase(
    reference: "Registry.Example/app", explicitRegistry: "Registry.Example",
    registry: "Registry.Example", repository: "app", tag: nil, digest: nil),
  ImageCase(
    reference: "[::1]:5000/app", explicitRegistry: "[::1]:5000", registry: "[::1]:5000",
    repository: "app", tag: nil, digest: nil),
  ImageCase(
    reference: "my_org/my__app-x.y", explicitRegistry: nil, registry: "docker.io",
    repository: "my_org/my__app-x.y", tag: nil, digest: nil),
]

private let invalid = [
  "", "$(IMAGE)", "${REGISTRY}/app", "Nginx", "nginx:", "nginx:-bad", "nginx@sha256:short",
  "repo//double", "-leading/dash", "app:tag with space", "{{ .Values.image }}", "team/App",
  "registry.example.com:port/app", "a___b",
]

@Suite("Image references")
struct ImageReferenceTests {
  @Test(arguments: valid)
  func parses(_ expected: ImageCase) throws {
    let reference = try #require(ImageReference(expected.reference))
    #expect(reference.explicitRegistry == expected.explicitRegistry)
    #expect(reference.registry == expected.registry)
    #expect(reference.repository == expected.repository)
    #expect(reference.tag == expected.tag)
    #expect(reference.digest == expected.digest)
  }

  @Test(arguments: invalid)
  func rejects(_ text: String) {
    #expect(ImageReference(text) == nil)
  }

  @Test func descriptionRoundTrips() throws {
    for text in ["nginx:1.25", "quay.io/prometheus/node-exporter:v1.8.1", "alpine@\(digest)"] {
      let reference = try #require(ImageReference(text))
      #expect(ImageReference(reference.description) == reference)
    }
  }
}
