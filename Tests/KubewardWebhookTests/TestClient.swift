import Foundation
import KubewardTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// A raw HTTP/1.1 client over TLS (or plain TCP) that writes exactly the bytes it is given:
/// enough to send what well-behaved clients never do (a half body, a lying length).
final class TestClient: @unchecked Sendable {
  /// What arrived, and whether the server closed the connection.
  final class Collector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let received = NIOLockedValueBox<(bytes: [UInt8], closed: Bool, error: String?)>(
      ([], false, nil))

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let buffer = unwrapInboundIn(data)
      received.withLockedValue { $0.bytes += buffer.readableBytesView }
    }

    func channelInactive(context: ChannelHandlerContext) {
      received.withLockedValue { $0.closed = true }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
      received.withLockedValue { $0.error = "\(error)" }
      context.close(promise: nil)
    }
  }

  struct Response {
    let status: Int
    let headers: [String: String]
    let body: String
    var json: [String: Any]? {
      try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    }
  }

  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  let channel: any Channel
  let collector = Collector()

  /// Connects; with `trusting`, over TLS that trusts only that CA for `localhost`.
  init(port: Int, trusting ca: String?) throws {
    let collector = self.collector
    let context = try ca.map { ca in
      var configuration = TLSConfiguration.makeClientConfiguration()
      configuration.trustRoots = .file(ca)
      configuration.certificateVerification = .fullVerification
      return try NIOSSLContext(configuration: configuration)
    }
    channel = try ClientBootstrap(group: Self.group)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          if let context {
            try channel.pipeline.syncOperations.addHandler(
              NIOSSLClientHandler(context: context, serverHostname: "localhost"))
          }
          try channel.pipeline.syncOperations.addHandler(collector)
        }
      }
      .connect(host: "127.0.0.1", port: port).wait()
  }

  deinit {
    channel.close(promise: nil)
  }

  func send(_ text: String) throws { try send(Array(text.utf8)) }

  func send(_ bytes: [UInt8]) throws {
    var buffer = channel.allocator.buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    try channel.writeAndFlush(buffer).wait()
  }

  /// Sends a whole request.
  func request(
    _ method: String = "POST", _ path: String = "/validate", body: String = "",
    headers: [String] = []
  ) throws {
    var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
    if method == "POST" {
      head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
    }
    for header in headers { head += header + "\r\n" }
    try send(head + "\r\n" + body)
  }

  var isClosed: Bool { collector.received.withLockedValue { $0.closed } }
  var error: String? { collector.received.withLockedValue { $0.error } }

  /// Waits until the connection is closed (or `timeout` passes); whether it was.
  func waitForClose(timeout: Duration = .seconds(5)) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !isClosed && ContinuousClock.now < deadline { usleep(2000) }
    return isClosed
  }

  /// The next whole response (by its Content-Length), taken from what arrived.
  func response(timeout: Duration = .seconds(10)) throws -> Response {
    let deadline = ContinuousClock.now + timeout
    while true {
      let (bytes, closed, error) = collector.received.withLockedValue {
        ($0.bytes, $0.closed, $0.error)
      }
      if let (response, used) = Self.parse(bytes) {
        collector.received.withLockedValue { $0.bytes.removeFirst(used) }
        return response
      }
      if closed || ContinuousClock.now > deadline {
        throw ClientError(
          message: "no whole response (closed: \(closed), error: \(error ?? "none"), "
            + "received: \(String(decoding: bytes, as: UTF8.self)))")
      }
      usleep(1000)
    }
  }

  struct ClientError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
  }

  static func parse(_ bytes: [UInt8]) -> (Response, Int)? {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let end = bytes.firstRange(of: separator) else { return nil }
    let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
    let lines = head.components(separatedBy: "\r\n")
    let status = Int(lines[0].split(separator: " ")[1]) ?? 0
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
        .trimmingCharacters(in: .whitespaces)
    }
    let length = Int(headers["content-length"] ?? "0") ?? 0
    guard bytes.count >= end.upperBound + length else { return nil }
    let body = String(decoding: bytes[end.upperBound..<end.upperBound + length], as: UTF8.self)
    return (Response(status: status, headers: headers, body: body), end.upperBound + length)
  }
}

/// A test CA and serving certificates for `localhost`, made with openssl.
struct TestCertificates {
  let folder: String

  init() throws {
    folder = try TemporaryFolders.make(prefix: "kubeward-tls")
  }

  /// A folder with the certificates named `name` made (see `make`).
  init(making name: String) throws {
    try self.init()
    try make(name)
  }

  /// Makes `name`-ca.pem, `name`.pem and `name`-key.pem: a CA and a certificate it signed.
  func make(_ name: String) throws {
    let script = """
      set -e
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout \(name)-ca-key.pem -out \(name)-ca.pem -days 2 -subj "/CN=\(name) test CA" 2>/dev/null
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout \(name)-key.pem -out \(name).csr -subj "/CN=localhost" 2>/dev/null
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > \(name).ext
      openssl x509 -req -in \(name).csr -CA \(name)-ca.pem -CAkey \(name)-ca-key.pem \
        -CAcreateserial -out \(name).pem -days 2 -extfile \(name).ext 2>/dev/null
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "openssl failed")
  }

  func path(_ file: String) -> String { folder + "/" + file }

  static var opensslAvailable: Bool {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
  }
}
