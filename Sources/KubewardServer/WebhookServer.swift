import Dispatch
import KubewardWebhook
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The bounds that keep the webhook up whatever its clients do.
public struct ServerLimits: Sendable {
  /// The largest review read. An UPDATE's review carries the object, up to the API server's
  /// limit on a request body (3 MiB), and the stored version (etcd's 1.5 MiB by default,
  /// larger as JSON): at the API server's 3 MiB, an update of a 2 MiB ConfigMap got 413, which
  /// failurePolicy Fail makes a denial. Objects near both limits whose JSON escapes much of
  /// their text can still exceed it.
  public var maximumBodySize = 8 << 20
  /// A request not received whole within this time gets 408 (slow clients).
  public var requestTimeout = TimeAmount.seconds(10)
  /// A kept-alive connection with no traffic for this long is closed: longer than the API
  /// server's own idle timeout (90 s), so that it is the client that closes idle connections
  /// and never one it is about to send on.
  public var idleTimeout = TimeAmount.seconds(120)
  /// At most this many connections are open: at the limit, a new connection closes the one
  /// idle the longest (between requests, or not yet sending one), else the one whose request
  /// has taken the longest, past `slowRequest`; it is itself closed when every connection is
  /// in a request begun more recently.
  public var maximumConnections = 1024
  /// How long a request may be in progress before, at the connection limit, a new connection
  /// may take its place.
  public var slowRequest = TimeAmount.seconds(2)
  /// Request bodies being received, all connections together: beyond this, 503. Well under the
  /// Deployment's memory limit.
  public var maximumBufferedBytes = 64 << 20
  /// Reviews of large bodies (past `HTTPHandler.reviewedElsewhere`) run at once, whatever
  /// the threads: each holds its object's tree, about nine times its body, and eight
  /// reviews of 8 MB bodies at once took 770 MB, three times the Deployment's memory limit.
  /// Two, with the bodies the budget above holds, stay well under it. Others wait their turn.
  public var concurrentLargeReviews = 2
  /// A large review that waited this long for its turn is answered 503, not reviewed: the API
  /// server gave up on it (a webhook's `timeoutSeconds` is at most 30), and reviewing it
  /// anyway kept the reviews behind it waiting too, while a client that sent large bodies
  /// again and again kept the queue full.
  public var queuedReviewTimeout = TimeAmount.seconds(30)

  public init() {}
}

/// Where and how the webhook listens.
public struct ServerOptions: Sendable {
  public var host = "0.0.0.0"
  public var port = 8443
  /// The serving certificate and key (PEM); `nil` only for `--insecure-http`.
  public var tls: (certificate: String, privateKey: String)?
  public var limits = ServerLimits()
  /// How often the certificate files are checked for a rotation.
  public var reloadInterval = TimeAmount.seconds(2)
  /// Event loop threads: requests are reviewed on them, each in microseconds.
  public var threads = System.coreCount
  /// After SIGTERM, how long `/readyz` fails while requests are still served, before the
  /// listening socket closes: the time for the Service's endpoints to drop the pod.
  public var shutdownDelay = TimeAmount.seconds(5)

  public init() {}
}

/// `kubeward serve`: the admission webhook over HTTP/1.1 and TLS, on SwiftNIO.
///
/// Reviews run on the event loops (each takes microseconds, so handing them to another pool
/// would cost more than it saves), except large ones, which run on a pool of a few threads
/// (`ServerLimits.concurrentLargeReviews`) so that the loops keep answering probes and the
/// trees of large objects stay few; concurrency is bounded by the connection limit and the
/// thread counts. SIGTERM (what the kubelet sends) starts a drain: `/readyz` fails, the
/// listening socket closes, requests in flight are answered, idle connections are closed, and
/// the process exits when the last one is.
public final class WebhookServer: Sendable {
  public let options: ServerOptions
  private let shared: ServerShared
  private let tls: TLSReloader?
  private let group: MultiThreadedEventLoopGroup
  private let pool: NIOThreadPool
  /// Released before the event loops stop: its deinit completes a promise on them.
  private let quiesce: NIOLockedValueBox<ServerQuiescingHelper?>
  private let connections: ConnectionRegistry
  private let channel: any Channel
  private let certificateWatch: RepeatedTask?
  /// Completed by the quiescing helper when the drain has closed every connection.
  private let drained = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)

  /// The port the server listens on (the one asked for, or the one the system chose for 0).
  public var port: Int { channel.localAddress?.port ?? options.port }

  /// Binds and starts listening.
  public init(
    reviewer: AdmissionReviewer, options: ServerOptions, metrics: ServerMetrics = ServerMetrics(),
    logger: Logger
  ) throws {
    self.options = options
    let tls = try options.tls.map {
      try TLSReloader(
        certificatePath: $0.certificate, privateKeyPath: $0.privateKey, logger: logger)
    }
    self.tls = tls
    let connections = ConnectionRegistry(slowRequest: options.limits.slowRequest)
    self.connections = connections
    let pool = NIOThreadPool(numberOfThreads: Self.reviewThreads(options))
    pool.start()
    self.pool = pool
    let shared = ServerShared(
      reviewer: reviewer, metrics: metrics, logger: logger, limits: options.limits,
      draining: ManagedAtomicFlag(), pool: pool)
    self.shared = shared
    let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
    self.group = group
    let quiesce = NIOLockedValueBox<ServerQuiescingHelper?>(ServerQuiescingHelper(group: group))
    self.quiesce = quiesce
    do {
      channel = try Self.bind(
        options: options, group: group, quiesce: quiesce.withLockedValue { $0 }!,
        connections: connections, shared: shared, tls: tls, logger: logger)
    } catch {
      // The quiescing helper fails a promise of the group's when it goes: it must go while
      // the group runs ("Cannot schedule tasks on an EventLoop that has already shut down",
      // a crash in SwiftNIO's later versions, when the port was taken).
      quiesce.withLockedValue { $0 = nil }
      // What the failed bind left on the loops (its channel, whose initializer holds the
      // helper too) is let go there, while they run.
      for _ in 0..<3 {
        for loop in group.makeIterator() { try? loop.submit {}.wait() }
      }
      try? group.syncShutdownGracefully()
      try? pool.syncShutdownGracefully()
      throw error
    }
    certificateWatch = tls?.watch(on: group.next(), every: options.reloadInterval)
  }

  /// The threads of the pool that reviews large bodies (see `concurrentLargeReviews`).
  static func reviewThreads(_ options: ServerOptions) -> Int {
    max(1, min(options.threads, options.limits.concurrentLargeReviews))
  }

  /// The listening channel, its connections set up as they come. (A function of its own: what
  /// it makes, which holds the quiescing helper, is gone when it returns.)
  private static func bind(
    options: ServerOptions, group: MultiThreadedEventLoopGroup, quiesce: ServerQuiescingHelper,
    connections: ConnectionRegistry, shared: ServerShared, tls: TLSReloader?, logger: Logger
  ) throws -> Channel {
    let limits = options.limits
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .serverChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            quiesce.makeServerChannelHandler(channel: channel))
        }
      }
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelOption(.maxMessagesPerRead, value: 16)
      .childChannelInitializer { channel in
        switch connections.admit(channel, limit: limits.maximumConnections) {
        case .admitted: break
        case .evicted(let other, let wasIdle):
          // Idle or slow connections held every slot: 1 024 clients that each sent one request
          // and idled, or sent a byte a second, held them for the idle or request timeout, and
          // every review was refused meanwhile.
          logger.info(
            wasIdle
              ? "closed the connection idle the longest: the connection limit is reached"
              : "closed the connection whose request has taken the longest: the connection limit is reached"
          )
          other.close(promise: nil)
        case .refused:
          logger.warning(
            "connection refused: every connection is in the middle of a request begun just now")
          return channel.close()
        }
        channel.closeFuture.whenComplete { _ in connections.remove(channel) }
        return channel.eventLoop.makeCompletedFuture {
          let pipeline = channel.pipeline.syncOperations
          let clock = ConnectionClock(
            timeout: limits.requestTimeout, eventLoop: channel.eventLoop,
            connections: connections, channel: channel)
          try pipeline.addHandler(IdleStateHandler(allTimeout: limits.idleTimeout))
          try pipeline.addHandler(IdleCloser())
          if let tls {
            try pipeline.addHandler(NIOSSLServerHandler(context: tls.context))
          }
          try pipeline.addHandler(RequestStartWatcher(clock: clock))
          try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: true)
          try pipeline.addHandler(HTTPHandler(shared: shared, clock: clock))
        }
      }
    return try bootstrap.bind(host: options.host, port: options.port).wait()
  }

  /// Begins the drain; `wait()` returns when it is done.
  public func shutDown() {
    guard !shared.draining.isSet else { return }
    shared.draining.set()
    shared.logger.info(
      "draining: /readyz fails; serving until the endpoints drop this pod, then answering the requests in flight and exiting"
    )
    let loop = group.next()
    let promise = loop.makePromise(of: Void.self)
    drained.withLockedValue { $0 = promise.futureResult }
    let quiesce = self.quiesce
    loop.scheduleTask(in: options.shutdownDelay) {
      quiesce.withLockedValue { $0 }?.initiateShutdown(promise: promise)
    }
  }

  /// Blocks until the drain has closed every connection, then stops the event loops.
  public func wait() throws {
    try channel.closeFuture.wait()
    // The listening socket is closed; the quiescing helper closes each connection once its
    // request in flight is answered, then completes the drain.
    try? drained.withLockedValue({ $0 })?.wait()
    while connections.count > 0 { usleep(10_000) }
    if let certificateWatch {
      let cancelled = group.next().makePromise(of: Void.self)
      certificateWatch.cancel(promise: cancelled)
      try? cancelled.futureResult.wait()
    }
    quiesce.withLockedValue { $0 = nil }
    // The pool first: a review still running (for a connection closed meanwhile) completes
    // on a loop, which must still run.
    try pool.syncShutdownGracefully()
    try group.syncShutdownGracefully()
  }

  /// Serves until SIGTERM or SIGINT, then drains and returns.
  public func runUntilTerminated() throws {
    let signals = [SIGTERM, SIGINT].map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { [self] in shutDown() }
      source.resume()
      return source
    }
    defer { signals.forEach { $0.cancel() } }
    shared.logger.info(
      "serving",
      metadata: [
        "address": "\(options.host):\(port)", "tls": .stringConvertible(tls != nil),
        "denyOn": "\(shared.reviewer.settings.denyOn?.rawValue ?? "never")",
      ])
    try wait()
    shared.logger.info("drained; exiting")
  }
}

/// Closes a connection that has been idle too long.
final class IdleCloser: ChannelInboundHandler {
  typealias InboundIn = NIOAny

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is IdleStateHandler.IdleStateEvent {
      context.close(promise: nil)
    } else {
      context.fireUserInboundEventTriggered(event)
    }
  }
}

/// The open connections, bounded, and which of them are between requests: at the limit, the
/// one idle the longest makes room for a new one. Read and written from every event loop.
final class ConnectionRegistry: Sendable {
  private struct Entry {
    let channel: any Channel
    /// Whether a request is in progress, and since when it is (or since when it is idle).
    var inRequest: Bool
    var since: NIODeadline
  }

  enum Admission {
    case admitted
    /// Admitted in the place of this connection, which the caller closes.
    case evicted(any Channel, wasIdle: Bool)
    case refused
  }

  private let entries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])
  /// A request in progress longer than this may be closed for a new connection when every
  /// slot is taken: the API server sends a review in milliseconds, and clients that sent a
  /// byte a second held every slot against it for the request timeout.
  private let slowRequest: TimeAmount

  init(slowRequest: TimeAmount) {
    self.slowRequest = slowRequest
  }

  var count: Int { entries.withLockedValue { $0.count } }

  /// Takes a slot for `channel`; at `limit`, the one idle the longest makes room, else the
  /// one whose request has taken the longest, past `slowRequest`.
  func admit(_ channel: any Channel, limit: Int) -> Admission {
    let now = NIODeadline.now()
    return entries.withLockedValue { entries in
      var admission = Admission.admitted
      if entries.count >= limit {
        // One pass over at most `limit` entries, made only when the limit is reached.
        var oldestIdle: (key: ObjectIdentifier, entry: Entry)?
        var slowest: (key: ObjectIdentifier, entry: Entry)?
        for (key, entry) in entries {
          if !entry.inRequest {
            if oldestIdle.map({ entry.since < $0.entry.since }) ?? true {
              oldestIdle = (key, entry)
            }
          } else if entry.since + slowRequest < now,
            slowest.map({ entry.since < $0.entry.since }) ?? true
          {
            slowest = (key, entry)
          }
        }
        guard let evicted = oldestIdle ?? slowest else { return .refused }
        entries[evicted.key] = nil
        admission = .evicted(evicted.entry.channel, wasIdle: oldestIdle != nil)
      }
      entries[ObjectIdentifier(channel)] = Entry(channel: channel, inRequest: false, since: now)
      return admission
    }
  }

  func remove(_ channel: any Channel) {
    entries.withLockedValue { $0[ObjectIdentifier(channel)] = nil }
  }

  /// A request started (its first byte came) or ended (it was answered).
  func setInRequest(_ channel: any Channel, _ inRequest: Bool) {
    let now = NIODeadline.now()
    entries.withLockedValue { entries in
      guard entries[ObjectIdentifier(channel)] != nil else { return }
      entries[ObjectIdentifier(channel)]!.inRequest = inRequest
      entries[ObjectIdentifier(channel)]!.since = now
    }
  }
}
