#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// libFuzzer's driver, run from our own entry point (SwiftPM gives every executable target
// one): `-sanitize=fuzzer` links the fuzzer runtime, and LLVMFuzzerRunDriver takes the usual
// libFuzzer arguments (corpus folders, -max_total_time=…, crash files to replay).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, fuzzLint))
