import KubewardCLI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

exit(KubewardMain.run(Array(CommandLine.arguments.dropFirst())))
