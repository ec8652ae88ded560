// swift-tools-version: 6.0
import PackageDescription

// Layers, each depending only on the ones above it (arrows point at dependencies' users):
//
//   CYAML (system libyaml) → KubewardYAML (positioned nodes) → KubewardModel (typed
//   Kubernetes views) → KubewardEngine (what a policy is; inputs, parallel runs, facts and the
//   cross-object set, suppressions, baselines, configuration, the catalogue's format)
//     → KubewardBuiltInPolicies (the built-in policies and their catalogue)
//     → KubewardAdmission (ValidatingAdmissionPolicies and Kyverno ValidatingPolicies, on
//       KubewardCEL, which depends on nothing)
//   → KubewardReporters (text, JSON, SARIF, …)
//   → KubewardWebhook (AdmissionReviews in, answers out; no server) → KubewardServer (the
//     webhook over HTTPS on SwiftNIO, metrics, logs)
//   → KubewardCLI (composes the policy sources, the reporters and the server)
//   → kubeward (the executable's entry point).
let package = Package(
  name: "kubeward",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "kubeward", targets: ["kubeward"]),
    .library(
      name: "Kubeward",
      targets: [
        "KubewardYAML", "KubewardModel", "KubewardEngine", "KubewardBuiltInPolicies", "KubewardCEL",
        "KubewardAdmission", "KubewardReporters",
      ]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // The webhook's server stack: SwiftNIO's HTTP/1.1 and TLS (BoringSSL), its quiescing helper
    // for graceful drains, swift-log, swift-metrics with the Prometheus exposition.
    .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
    .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CYAML",
      path: "Sources/CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]),
    .target(name: "KubewardYAML", dependencies: ["CYAML"]),
    .target(name: "KubewardCEL"),
    .target(name: "KubewardModel", dependencies: ["KubewardYAML"]),
    .target(name: "KubewardEngine", dependencies: ["KubewardModel"]),
    .target(
      name: "KubewardBuiltInPolicies",
      dependencies: ["KubewardEngine"],
      // `EmbeddedPolicies` is a symbolic link to the top-level `policies/` folder: the policy YAML
      // files are compiled into the binary, so `kubeward` needs no files beside it.
      resources: [.embedInCode("EmbeddedPolicies")]),
    .target(name: "KubewardAdmission", dependencies: ["KubewardEngine", "KubewardCEL"]),
    .target(name: "KubewardReporters", dependencies: ["KubewardBuiltInPolicies"]),
    .target(
      name: "KubewardWebhook",
      dependencies: ["KubewardReporters", "KubewardAdmission"]),
    .target(
      name: "KubewardServer",
      dependencies: [
        "KubewardWebhook",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOExtras", package: "swift-nio-extras"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]),
    .target(
      name: "KubewardCLI",
      dependencies: [
        "KubewardReporters", "KubewardAdmission", "KubewardWebhook", "KubewardServer",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "kubeward", dependencies: ["KubewardCLI"]),
    // The tests' own helpers (temporary folders they clean up), outside the product.
    .target(name: "KubewardTestSupport", path: "Tests/KubewardTestSupport"),
    .testTarget(name: "KubewardYAMLTests", dependencies: ["KubewardYAML"]),
    .testTarget(name: "KubewardCELTests", dependencies: ["KubewardCEL"]),
    .testTarget(name: "KubewardModelTests", dependencies: ["KubewardModel"]),
    .testTarget(
      name: "KubewardPoliciesTests",
      dependencies: ["KubewardEngine", "KubewardBuiltInPolicies", "KubewardTestSupport"]),
    .testTarget(
      name: "KubewardAdmissionTests",
      dependencies: ["KubewardAdmission", "KubewardBuiltInPolicies", "KubewardTestSupport"]),
    .testTarget(name: "KubewardReportersTests", dependencies: ["KubewardReporters"]),
    .testTarget(
      name: "KubewardWebhookTests",
      dependencies: [
        "KubewardServer", "KubewardWebhook", "KubewardBuiltInPolicies", "KubewardAdmission",
        "KubewardReporters", "KubewardTestSupport",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
      ]),
    .testTarget(
      name: "KubewardCLITests", dependencies: ["KubewardCLI", "kubeward", "KubewardTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
