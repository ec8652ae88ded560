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
//   → KubewardReporters (text, JSON, SARIF, …), KubewardCLI (composes the policy sources and
//     the reporters)
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
      name: "KubewardCLI",
      dependencies: [
        "KubewardReporters", "KubewardAdmission",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "kubeward", dependencies: ["KubewardCLI"]),
    .testTarget(name: "KubewardYAMLTests", dependencies: ["KubewardYAML"]),
    .testTarget(name: "KubewardCELTests", dependencies: ["KubewardCEL"]),
    .testTarget(name: "KubewardModelTests", dependencies: ["KubewardModel"]),
    .testTarget(
      name: "KubewardPoliciesTests", dependencies: ["KubewardEngine", "KubewardBuiltInPolicies"]),
    .testTarget(
      name: "KubewardAdmissionTests",
      dependencies: ["KubewardAdmission", "KubewardBuiltInPolicies"]),
    .testTarget(name: "KubewardReportersTests", dependencies: ["KubewardReporters"]),
    .testTarget(name: "KubewardCLITests", dependencies: ["KubewardCLI", "kubeward"]),
  ],
  swiftLanguageModes: [.v6]
)
