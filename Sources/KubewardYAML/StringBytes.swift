extension String {
  /// Calls `body` with the string's UTF-8 bytes: in place when they are contiguous (native and
  /// small strings, which is all of kubeward's), else in a copy. `withUTF8` needs a `var`, and
  /// copying a string to call it is a retain and a release: on paths that read a field per
  /// call, that was measurable.
  @inlinable
  public func withUTF8Bytes<Result>(
    _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
  ) rethrows -> Result {
    if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = self
    return try copy.withUTF8(body)
  }
}
