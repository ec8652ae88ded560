import KubewardWebhook
import KubewardYAML
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What every connection's handler shares.
final class ServerShared: Sendable {
  let reviewer: AdmissionReviewer
  let metrics: ServerMetrics
  let logger: Logger
  let limits: ServerLimits
  let draining: ManagedAtomicFlag
  /// Request bodies being received, in bytes, over every connection: bounded, so that many
  /// slow uploads cannot take more memory than the pod has.
  let bufferedBytes = NIOLockedValueBox(0)
  /// Where large reviews run (see `HTTPHandler.reviewedElsewhere`); `nil`: all on the loops.
  let pool: NIOThreadPool?

  init(
    reviewer: AdmissionReviewer, metrics: ServerMetrics, logger: Logger, limits: ServerLimits,
    draining: ManagedAtomicFlag, pool: NIOThreadPool? = nil
  ) {
    self.reviewer = reviewer
    self.metrics = metrics
    self.logger = logger
    self.limits = limits
    self.draining = draining
    self.pool = pool
  }
}

/// One HTTP/1.1 connection's requests: `POST /validate`, `GET /healthz`, `/readyz`,
/// `/metrics`. Bodies are bounded (413 before the body is read when its length is declared
/// too large, or as soon as it grows too large), and a request that is not complete within
/// the request timeout gets 408 and the connection is closed.
final class HTTPHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private enum State {
    case idle
    case receiving(Route, keepAlive: Bool)
    /// The request is in, and its review runs on the pool.
    case reviewing
    /// An answer was sent before the request ended; the connection closes.
    case closing
  }

  private var isClosing: Bool {
    if case .closing = state { return true }
    return false
  }

  enum Route {
    case validate, healthz, readyz, metrics
    case notFound, methodNotAllowed
  }

  private let shared: ServerShared
  private let clock: ConnectionClock
  private var state = State.idle
  private var body: ByteBuffer?
  /// Bytes of `shared.bufferedBytes` this connection holds.
  private var reserved = 0
  /// The connection is gone: a review that ends later answers no one.
  private var removed = false
  /// A review of this connection's body is on the pool (or waiting for it). Its bytes stay
  /// counted in the body budget until it ends, connection or not: released when the client
  /// left, a client that sent large bodies and hung up, again and again, queued reviews
  /// without bound. Set when the connection goes, so that a review still waiting is skipped.
  private var reviewInFlight: NIOLockedValueBox<Bool>?

  init(shared: ServerShared, clock: ConnectionClock) {
    self.shared = shared
    self.clock = clock
  }

  func handlerAdded(context: ChannelHandlerContext) {
    clock.onExpiry = { [weak self] in self?.timedOut(context: context) }
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      guard case .idle = state else { return }
      let route = Self.route(head)
      // A response to CONNECT has no length (the connection would become a tunnel): the
      // refusal ends the connection, which the client waited on forever.
      let keepAlive = head.isKeepAlive && head.method != .CONNECT
      if case .validate = route {
        let declared = head.headers.first(name: "content-length").flatMap { Int($0) }
        if let declared, declared > shared.limits.maximumBodySize {
          refuseTooLarge(context: context, size: declared)
          return
        }
        // A client that waits to be told to send its body is told at once (an HTTP/1.0
        // one's expectation is ignored, as RFC 9110 says).
        if head.version.minor >= 1 || head.version.major > 1,
          head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" })
        {
          let proceed = HTTPResponseHead(version: head.version, status: .continue)
          context.writeAndFlush(wrapOutboundOut(.head(proceed)), promise: nil)
        }
        // A body is counted against the budget as it comes, not as declared: connections that
        // declared megabytes and sent a byte each held the whole budget, and every review
        // was refused while they idled (with `failurePolicy: Ignore`, admitted unchecked).
        body = context.channel.allocator.buffer(
          capacity: min(declared ?? Self.initialBodyCapacity, Self.initialBodyCapacity))
      }
      state = .receiving(route, keepAlive: keepAlive)
    case .body(var chunk):
      guard case .receiving(.validate, _) = state, body != nil else { return }
      if body!.readableBytes + chunk.readableBytes > shared.limits.maximumBodySize {
        refuseTooLarge(context: context, size: nil)
        return
      }
      let beyondReserved = body!.readableBytes + chunk.readableBytes - reserved
      guard beyondReserved <= 0 || reserve(beyondReserved) else {
        refuseBusy(context: context)
        return
      }
      body!.writeBuffer(&chunk)
    case .end:
      guard case .receiving(let route, let keepAlive) = state else { return }
      if case .validate = route, let pool = shared.pool, let body,
        body.readableBytes >= Self.reviewedElsewhere
      {
        self.body = nil
        review(body, on: pool, keepAlive: keepAlive, context: context)
        return
      }
      state = .idle
      answer(route, keepAlive: keepAlive, context: context)
      release()
      clock.requestAnswered()
    }
  }

  /// A request that cannot be parsed (a bad chunk size, a negative Content-Length) is answered
  /// 400 with `Connection: close` by the protocol error handler before this one; the
  /// connection ends here. It stayed open until the request timeout, which then sent a 408
  /// nobody asked for. Other errors (a reset, a failed handshake) end it too. One after this
  /// handler's own answer (a 408 that cut a body short ends the stream mid-request) is no
  /// second bad request.
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if error is HTTPParserError, !isClosing { shared.metrics.recordBadRequest(status: 400) }
    clock.stop()
    body = nil
    if reviewInFlight == nil { release() }
    state = .closing
    context.close(promise: nil)
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    removed = true
    clock.stop()
    if let reviewInFlight {
      reviewInFlight.withLockedValue { $0 = true }
    } else {
      release()
    }
  }

  /// Bodies this large are reviewed on the pool, not on the event loop: a review takes time
  /// in proportion to its object (a 3 MB one, a second), and twenty of them held both loops
  /// so long that every `/healthz` probe (1 s) failed, and clients that had sent their whole
  /// request got 408. Small ones, nearly all, stay on the loop: they take microseconds, less
  /// than handing them over would.
  static let reviewedElsewhere = 64 << 10

  /// Reviews `body` on `pool`, then answers on the connection's loop. The request is in: the
  /// time its review takes is not the client's, so the clock stops.
  private func review(
    _ body: ByteBuffer, on pool: NIOThreadPool, keepAlive: Bool, context: ChannelHandlerContext
  ) {
    state = .reviewing
    clock.stop()
    let shared = self.shared
    let started = monotonicNanoseconds()
    // `true` once the connection is gone.
    let abandoned = NIOLockedValueBox(false)
    reviewInFlight = abandoned
    let patience = UInt64(max(0, shared.limits.queuedReviewTimeout.nanoseconds))
    pool.runIfActive(eventLoop: context.eventLoop) { () -> QueuedReview in
      guard !abandoned.withLockedValue({ $0 }) else { return .abandoned }
      guard monotonicNanoseconds() - started < patience else { return .expired }
      var body = body
      return .reviewed(
        body.readWithUnsafeReadableBytes { raw in
          (raw.count, shared.reviewer.review(raw.bindMemory(to: UInt8.self)))
        })
    }.assumeIsolated().whenComplete { result in
      self.reviewInFlight = nil
      self.release()
      guard !self.removed else { return }
      self.state = .idle
      switch result {
      case .success(.reviewed(let answer)):
        self.deliver(answer, started: started, keepAlive: keepAlive, context: context)
      case .success(.expired):
        self.refuse(
          .serviceUnavailable, reason: "ServiceUnavailable",
          "the webhook is busy: the review waited too long for its turn", keepAlive: false,
          context: context)
      case .success(.abandoned), .failure:
        // The pool stopped: the server is shutting down.
        self.refuse(
          .serviceUnavailable, reason: "ServiceUnavailable", "the webhook is shutting down",
          keepAlive: false, context: context)
      }
      self.clock.requestAnswered()
    }
  }

  /// What became of a review sent to the pool.
  private enum QueuedReview {
    case reviewed(ReviewAnswer)
    /// The connection went before its turn.
    case abandoned
    /// It waited longer than `ServerLimits.queuedReviewTimeout`.
    case expired
  }

  /// The buffer a body starts in; it grows as the body comes.
  static let initialBodyCapacity = 64 << 10

  /// Takes `count` bytes of the shared body budget; `false` when it is spent.
  private func reserve(_ count: Int) -> Bool {
    let taken = shared.bufferedBytes.withLockedValue { total in
      guard total + count <= shared.limits.maximumBufferedBytes else { return false }
      total += count
      return true
    }
    if taken { reserved += count }
    return taken
  }

  private func release() {
    guard reserved > 0 else { return }
    let count = reserved
    reserved = 0
    shared.bufferedBytes.withLockedValue { $0 -= count }
  }

  static func route(_ head: HTTPRequestHead) -> Route {
    let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
    switch path {
    case "/validate": return head.method == .POST ? .validate : .methodNotAllowed
    case "/healthz":
      return head.method == .GET ? .healthz : .methodNotAllowed
    case "/readyz": return head.method == .GET ? .readyz : .methodNotAllowed
    case "/metrics": return head.method == .GET ? .metrics : .methodNotAllowed
    default: return .notFound
    }
  }

  private func answer(_ route: Route, keepAlive: Bool, context: ChannelHandlerContext) {
    switch route {
    case .validate:
      let started = monotonicNanoseconds()
      var buffer = body ?? context.channel.allocator.buffer(capacity: 0)
      body = nil
      let answer = buffer.readWithUnsafeReadableBytes { raw in
        (raw.count, shared.reviewer.review(raw.bindMemory(to: UInt8.self)))
      }
      deliver(answer, started: started, keepAlive: keepAlive, context: context)
    case .healthz:
      respond(context: context, status: .ok, text: "ok\n", keepAlive: keepAlive)
    case .readyz:
      if shared.draining.isSet {
        respond(context: context, status: .serviceUnavailable, text: "draining\n", keepAlive: false)
      } else {
        respond(context: context, status: .ok, text: "ok\n", keepAlive: keepAlive)
      }
    case .metrics:
      respond(
        context: context, status: .ok, body: shared.metrics.exposition(),
        contentType: "text/plain; version=0.0.4; charset=utf-8", keepAlive: keepAlive)
    case .notFound:
      refuse(
        .notFound, reason: "NotFound", "no such path; the webhook answers POST /validate",
        keepAlive: keepAlive, context: context)
    case .methodNotAllowed:
      refuse(
        .methodNotAllowed, reason: "MethodNotAllowed", "method not allowed on this path",
        keepAlive: keepAlive, context: context)
    }
  }

  /// Counts, logs and sends a review's answer.
  private func deliver(
    _ answer: ReviewAnswer, started: UInt64, keepAlive: Bool, context: ChannelHandlerContext
  ) {
    let elapsed = monotonicNanoseconds() - started
    if let decision = answer.decision {
      shared.metrics.record(decision, nanoseconds: Int64(elapsed))
      log(decision, microseconds: elapsed / 1000)
    } else {
      shared.metrics.recordBadRequest(status: answer.status)
      shared.logger.warning(
        "bad request", metadata: ["status": "\(answer.status)", "error": "\(answer.error ?? "")"])
    }
    respond(
      context: context, status: .init(statusCode: answer.status), body: answer.body,
      contentType: "application/json", keepAlive: keepAlive)
  }

  /// An answer that is no review: a Kubernetes `Status`, counted by its code. One that ends
  /// the connection (`keepAlive: false`) also drops the request's body and its share of the
  /// budget.
  private func refuse(
    _ status: HTTPResponseStatus, reason: String, _ message: String, keepAlive: Bool,
    context: ChannelHandlerContext
  ) {
    if !keepAlive {
      clock.stop()
      body = nil
      release()
      state = .closing
    }
    shared.metrics.recordBadRequest(status: Int(status.code))
    respond(
      context: context, status: status,
      body: AdmissionReviewer.status(code: Int(status.code), reason: reason, message),
      contentType: "application/json", keepAlive: keepAlive)
  }

  private func log(_ decision: ReviewDecision, microseconds: UInt64) {
    // Request fields are the client's words: clipped and shown visibly, like every report.
    func text(_ value: String) -> Logger.MetadataValue {
      .string(VisibleText.escaped(InputText.clipped(value)))
    }
    var metadata: Logger.Metadata = [
      "uid": text(decision.uid), "kind": text(decision.kind),
      "object": text((decision.namespace.map { $0 + "/" } ?? "") + (decision.name ?? "")),
      "operation": .string(decision.operation), "allowed": .stringConvertible(decision.allowed),
      "decision": .string(decision.outcome.rawValue),
      "policies": .array(decision.policies.map { text($0) }),
      "latency_us": .stringConvertible(microseconds),
    ]
    if let reason = decision.skipReason { metadata["skipped"] = text(reason) }
    shared.logger.info("decision", metadata: metadata)
  }

  /// Every connection's bodies together have reached the budget: 503, and the API server
  /// (or its failurePolicy) decides.
  private func refuseBusy(context: ChannelHandlerContext) {
    shared.logger.warning(
      "refused a review: the bodies being received fill the buffer budget",
      metadata: ["budget_bytes": .stringConvertible(shared.limits.maximumBufferedBytes)])
    refuse(
      .serviceUnavailable, reason: "ServiceUnavailable",
      "the webhook is receiving too many request bodies at once; retry", keepAlive: false,
      context: context)
  }

  private func refuseTooLarge(context: ChannelHandlerContext, size: Int?) {
    let limit = shared.limits.maximumBodySize
    refuse(
      .payloadTooLarge, reason: "RequestEntityTooLarge",
      size.map { "the body is \($0) bytes, more than the \(limit) bytes the webhook reads" }
        ?? "the body is more than the \(limit) bytes the webhook reads",
      keepAlive: false, context: context)
  }

  /// The connection's clock ran out: a request that started is answered 408; a TLS handshake
  /// or request head that never finished is closed.
  private func timedOut(context: ChannelHandlerContext) {
    // A review running on the pool answers when it ends (the clock ran for bytes of a next
    // request, which waits for that answer).
    if case .reviewing = state { return }
    guard case .receiving = state else {
      context.close(promise: nil)
      return
    }
    refuse(
      .requestTimeout, reason: "Timeout", "the request was not received in time",
      keepAlive: false, context: context)
  }

  private func respond(
    context: ChannelHandlerContext, status: HTTPResponseStatus, text: String, keepAlive: Bool
  ) {
    respond(
      context: context, status: status, body: Array(text.utf8),
      contentType: "text/plain; charset=utf-8", keepAlive: keepAlive)
  }

  private func respond(
    context: ChannelHandlerContext, status: HTTPResponseStatus, body: [UInt8],
    contentType: String, keepAlive: Bool
  ) {
    var headers = HTTPHeaders()
    headers.reserveCapacity(3)
    headers.add(name: "content-type", value: contentType)
    headers.add(name: "content-length", value: String(body.count))
    if !keepAlive { headers.add(name: "connection", value: "close") }
    let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    var buffer = context.channel.allocator.buffer(capacity: body.count)
    buffer.writeBytes(body)
    context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    if !keepAlive {
      done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
  }
}

/// A flag set once (the drain has begun), read from every event loop.
final class ManagedAtomicFlag: Sendable {
  private let box = NIOLockedValueBox(false)
  var isSet: Bool { box.withLockedValue { $0 } }
  func set() { box.withLockedValue { $0 = true } }
}

func monotonicNanoseconds() -> UInt64 {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// How long a connection may take over what it owes: its TLS handshake and first request,
/// then each request from its first byte to its last. An idle kept-alive connection owes
/// nothing. Used on the connection's event loop only.
final class ConnectionClock {
  let timeout: TimeAmount
  let eventLoop: any EventLoop
  private var task: Scheduled<Void>?
  var onExpiry: (() -> Void)?
  /// Told when the connection is in a request and when it is idle again.
  private let connections: ConnectionRegistry
  private weak var channel: (any Channel)?
  /// From a request's first byte to its answer.
  private var inRequest = false

  init(
    timeout: TimeAmount, eventLoop: any EventLoop, connections: ConnectionRegistry,
    channel: any Channel
  ) {
    self.timeout = timeout
    self.eventLoop = eventLoop
    self.connections = connections
    self.channel = channel
  }

  /// A byte of a request came: the clock runs, and the connection is not idle.
  func requestStarted() {
    start()
    guard !inRequest else { return }
    inRequest = true
    if let channel { connections.setInRequest(channel, true) }
  }

  /// The request was answered and the connection kept: it owes nothing, and is idle.
  func requestAnswered() {
    stop()
    inRequest = false
    if let channel { connections.setInRequest(channel, false) }
  }

  var isRunning: Bool { task != nil }

  func start() {
    guard task == nil else { return }
    task = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
      self?.task = nil
      self?.onExpiry?()
    }
  }

  func stop() {
    task?.cancel()
    task = nil
  }
}

/// Starts the connection's clock when it is accepted, and again at the first byte of each
/// request: a client that sends its headers a byte a minute is timed out like one that sends
/// its body that slowly. Sits between TLS and the HTTP decoder.
final class RequestStartWatcher: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  private let clock: ConnectionClock

  init(clock: ConnectionClock) {
    self.clock = clock
  }

  func handlerAdded(context: ChannelHandlerContext) {
    clock.start()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    clock.requestStarted()
    context.fireChannelRead(data)
  }
}
