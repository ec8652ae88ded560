// swift-tools-version: 6.0
import PackageDescription

// Layers, each depending only on the ones above it:
//   CYAML (system libyaml) → KubewardYAML (positioned nodes) → KubewardModel (typed Kubernetes
//   views) → KubewardPolicies (engine, built-in policies, catalogue) → KubewardReporters
//   (text, JSON, …) → KubewardCLI (argument parsing) → kubeward (the executable's entry point).
let package = Package(
  name: "kubeward",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "kubeward", targets: ["kubeward"]),
    .library(
      name: "Kubeward",
      targets: ["KubewardYAML", "KubewardModel", "KubewardPolicies", "KubewardReporters"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
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
    .target(
      name: "KubewardPolicies",
      dependencies: ["KubewardModel"],
      // `EmbeddedPolicies` is a symbolic link to the top-level `policies/` folder: the policy YAML
      // files are compiled into the binary, so `kubeward` needs no files beside it.
      resources: [.embedInCode("EmbeddedPolicies")]),
    .target(name: "KubewardReporters", dependencies: ["KubewardPolicies"]),
    .target(
      name: "KubewardCLI",
      dependencies: [
        "KubewardReporters",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "kubeward", dependencies: ["KubewardCLI"]),
    .testTarget(name: "KubewardYAMLTests", dependencies: ["KubewardYAML"]),
    .testTarget(name: "KubewardCELTests", dependencies: ["KubewardCEL"]),
    .testTarget(name: "KubewardModelTests", dependencies: ["KubewardModel"]),
    .testTarget(name: "KubewardPoliciesTests", dependencies: ["KubewardPolicies"]),
    .testTarget(name: "KubewardReportersTests", dependencies: ["KubewardReporters"]),
    .testTarget(name: "KubewardCLITests", dependencies: ["KubewardCLI", "kubeward"]),
  ],
  swiftLanguageModes: [.v6]
)
