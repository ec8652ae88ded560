// swift-tools-version: 6.0
// A libFuzzer target for kubeward's reader and whole per-file lint, kept out of the main
// package so that an ordinary build does not need the fuzzer runtime. See README.md here.
import PackageDescription

let package = Package(
  name: "KubewardFuzz",
  dependencies: [.package(name: "kubeward", path: "..")],
  targets: [
    .executableTarget(
      name: "FuzzLint",
      dependencies: [.product(name: "Kubeward", package: "kubeward")])
  ]
)
