import KubewardTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a whole file, or `nil`.
func readFile(_ path: String) -> [UInt8]? {
  guard let handle = fopen(path, "rb") else { return nil }
  defer { fclose(handle) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let count = fread(&chunk, 1, chunk.count, handle)
    if count <= 0 { break }
    bytes += chunk[0..<count]
  }
  return bytes
}

func readTextFile(_ path: String) -> String? {
  readFile(path).map { String(decoding: $0, as: UTF8.self) }
}

/// A new, empty folder under the system's temporary folder, removed when the tests end.
func temporaryFolder() throws -> String {
  try TemporaryFolders.make(prefix: "kubeward-test")
}

/// Writes `text` to `path`, creating its folders.
func write(_ text: String, to path: String) throws {
  var folder = ""
  for component in path.split(separator: "/").dropLast() {
    folder += "/" + component
    mkdir(folder, 0o755)
  }
  let handle = try #require(fopen(path, "wb"))
  defer { fclose(handle) }
  let bytes = Array(text.utf8)
  #expect(fwrite(bytes, 1, bytes.count, handle) == bytes.count)
}
