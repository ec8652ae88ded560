import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The serving certificate and key, reloaded when their files change (cert-manager rewrites
/// the Secret's files before a certificate expires).
///
/// Each new connection takes the context current when it is accepted; connections already
/// open keep theirs, so a rotation drops none. A change that does not load (a half-written
/// pair, a key that does not match) is logged and the previous pair kept.
public final class TLSReloader: Sendable {
  public let certificatePath: String
  public let privateKeyPath: String
  private let state: NIOLockedValueBox<(context: NIOSSLContext, signature: [FileSignature])>
  private let logger: Logger

  public init(certificatePath: String, privateKeyPath: String, logger: Logger) throws {
    self.certificatePath = certificatePath
    self.privateKeyPath = privateKeyPath
    self.logger = logger
    let signature = Self.signature(certificatePath, privateKeyPath)
    let context = try Self.context(certificatePath: certificatePath, privateKeyPath: privateKeyPath)
    state = NIOLockedValueBox((context, signature))
  }

  /// The context for a connection accepted now.
  public var context: NIOSSLContext { state.withLockedValue { $0.context } }

  /// Reloads the pair when either file changed since it was loaded. Returns whether it did.
  @discardableResult
  public func reloadIfChanged() -> Bool {
    let signature = Self.signature(certificatePath, privateKeyPath)
    guard signature != state.withLockedValue({ $0.signature }) else { return false }
    do {
      let context = try Self.context(
        certificatePath: certificatePath, privateKeyPath: privateKeyPath)
      state.withLockedValue { $0 = (context, signature) }
      logger.info("reloaded the serving certificate", metadata: ["file": "\(certificatePath)"])
      return true
    } catch {
      // Remember the pair that failed, so it is not retried every tick; a later write retries.
      state.withLockedValue { $0.signature = signature }
      logger.error(
        "the changed certificate or key does not load; serving the previous one",
        metadata: ["error": "\(error)"])
      return false
    }
  }

  /// Checks the files every `interval` on `loop` until the loop shuts down.
  public func watch(on loop: any EventLoop, every interval: TimeAmount) -> RepeatedTask {
    loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
      reloadIfChanged()
    }
  }

  static func context(certificatePath: String, privateKeyPath: String) throws -> NIOSSLContext {
    let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
    guard !chain.isEmpty else {
      throw TLSFileError(message: "\(certificatePath) holds no PEM certificate")
    }
    let key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
    var configuration = TLSConfiguration.makeServerConfiguration(
      certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    configuration.minimumTLSVersion = .tlsv12
    configuration.applicationProtocols = ["http/1.1"]
    return try NIOSSLContext(configuration: configuration)
  }

  /// What identifies a file's content without reading it: its inode, size and modification
  /// time (a Secret's files are replaced through a symbolic link swap, which changes inode).
  struct FileSignature: Equatable, Sendable {
    let inode: UInt64
    let size: Int64
    let seconds: Int
    let nanoseconds: Int
  }

  static func signature(_ paths: String...) -> [FileSignature] {
    paths.map { path in
      var info = stat()
      guard stat(path, &info) == 0 else {
        return FileSignature(inode: 0, size: -1, seconds: 0, nanoseconds: 0)
      }
      #if canImport(Darwin)
        let modified = info.st_mtimespec
      #else
        let modified = info.st_mtim
      #endif
      return FileSignature(
        inode: UInt64(info.st_ino), size: Int64(info.st_size), seconds: Int(modified.tv_sec),
        nanoseconds: Int(modified.tv_nsec))
    }
  }
}

struct TLSFileError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
