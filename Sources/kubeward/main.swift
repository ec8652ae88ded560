import KubewardCLI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The arguments as bytes: `CommandLine.arguments` would replace bytes that are not UTF-8.
let arguments = (1..<Int(CommandLine.argc)).map { index in
  let argument = CommandLine.unsafeArgv[index]!
  return Array(UnsafeRawBufferPointer(start: argument, count: strlen(argument)))
}
exit(KubewardMain.run(rawArguments: arguments))
