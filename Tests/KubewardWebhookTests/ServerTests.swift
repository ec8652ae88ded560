import Foundation
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardWebhook
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import KubewardAdmission
@testable import KubewardServer

/// A webhook on a loopback port, with the log lines it wrote.
final class RunningServer: @unchecked Sendable {
  let server: WebhookServer
  let logLines = NIOLockedValueBox<[String]>([])
  /// The CA that signed the server's certificate, when it serves TLS.
  let ca: String?

  init(
    certificates: TestCertificates?, name: String = "first",
    settings: ReviewSettings = ReviewSettings(),
    policies: String? = nil, configure: (inout ServerOptions) -> Void = { _ in }
  ) throws {
    var sources: [any PolicySource] = [BuiltInPolicies.source]
    if let policies {
      var set = AdmissionPolicySet()
      set.read(file: "policy.yaml", bytes: Array(policies.utf8))
      sources.append(AdmissionPolicySource(set))
    }
    let reviewer = AdmissionReviewer(linter: try Linter(sources: sources), settings: settings)
    var options = ServerOptions()
    options.host = "127.0.0.1"
    options.port = 0
    options.threads = 2
    options.reloadInterval = .milliseconds(50)
    options.shutdownDelay = .zero
    if let certificates {
      options.tls = (certificates.path("\(name).pem"), certificates.path("\(name)-key.pem"))
    }
    configure(&options)
    let lines = logLines
    let logger = Logger(label: "kubeward") { label in
      JSONLogHandler(label: label) { bytes in
        lines.withLockedValue { $0.append(String(decoding: bytes, as: UTF8.self)) }
      }
    }
    server = try WebhookServer(reviewer: reviewer, options: options, logger: logger)
    ca = certificates?.path("\(name)-ca.pem")
  }

  var port: Int { server.port }

  /// A new connection that trusts the server's CA.
  func client() throws -> TestClient {
    try TestClient(port: port, trusting: ca)
  }

  func stop() throws {
    server.shutDown()
    try server.wait()
  }
}

@Suite(
  "kubeward serve over HTTPS",
  .enabled(
    if: TestCertificates.opensslAvailable
      || ProcessInfo.processInfo.environment["KUBEWARD_REQUIRE_VALIDATORS"] != nil,
    "openssl makes the test certificates"),
  .serialized)
struct ServerTests {
  static let denyScaleDown = """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: no-scale-down}
    spec:
      matchConstraints:
        resourceRules:
        - {apiGroups: [apps], apiVersions: [v1], operations: [UPDATE], resources: [deployments]}
      validations:
      - expression: "object.spec.replicas >= oldObject.spec.replicas"
        message: scaling down is the autoscaler's job
    ---
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: no-scale-down}
    spec: {policyName: no-scale-down, validationActions: [Deny]}
    """

  @Test func reviewsAllowWarnAndDenyOverTLSOnOneConnection() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates, policies: Self.denyScaleDown)
    defer { try? running.stop() }
    let client = try running.client()
    // Allowed, silently.
    try client.request(body: Reviews.body(object: Reviews.deployment()))
    let allowed = try client.response()
    #expect(allowed.status == 200)
    #expect(allowed.headers["content-type"] == "application/json")
    let allowedResponse = try #require(allowed.json?["response"] as? [String: Any])
    #expect(allowedResponse["allowed"] as? Bool == true)
    #expect(allowedResponse["uid"] as? String == "705ab4f5-6393-11e8-b7cc-42010a800002")
    // Allowed with warnings, on the same (kept-alive) connection.
    try client.request(
      body: Reviews.body(object: Reviews.deployment(image: "nginx:latest"), uid: "u-2"))
    let warned = try #require(try client.response().json?["response"] as? [String: Any])
    #expect(warned["uid"] as? String == "u-2")
    #expect((warned["warnings"] as? [String])?.first?.hasPrefix("image-tag: ") == true)
    // Denied: an UPDATE that scales down, with a dry run.
    try client.request(
      body: Reviews.body(
        object: Reviews.deployment(replicas: 1), operation: "UPDATE",
        oldObject: Reviews.deployment(replicas: 4), dryRun: true, uid: "u-3"))
    let denied = try #require(try client.response().json?["response"] as? [String: Any])
    #expect(denied["allowed"] as? Bool == false)
    let status = try #require(denied["status"] as? [String: Any])
    #expect(status["code"] as? Int == 403)
    #expect(
      (status["message"] as? String)?.contains("scaling down is the autoscaler's job") == true)
    // DELETE: allowed.
    try client.request(
      body: Reviews.body(
        object: nil, operation: "DELETE", oldObject: Reviews.deployment(), uid: "u-4"))
    let deleted = try #require(try client.response().json?["response"] as? [String: Any])
    #expect(deleted["allowed"] as? Bool == true)
    // The API server appends ?timeout=…
    try client.request(
      "POST", "/validate?timeout=5s", body: Reviews.body(object: Reviews.deployment()))
    #expect(try client.response().status == 200)
    #expect(!client.isClosed)

    // One log line per decision, as JSON with what an operator greps for.
    let decisions = running.logLines.withLockedValue { $0 }.filter { $0.contains("\"decision\"") }
      .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    #expect(decisions.count == 5)
    let denial = try #require(decisions.first { $0["uid"] as? String == "u-3" })
    #expect(denial["allowed"] as? Bool == false)
    #expect(denial["kind"] as? String == "Deployment")
    #expect(denial["object"] as? String == "shop/web")
    #expect(denial["operation"] as? String == "UPDATE")
    #expect(denial["policies"] as? [String] == ["no-scale-down"])
    #expect(denial["latency_us"] is Int)
  }

  @Test func logLinesShowInputVisiblyAndStayOneLine() throws {
    let lines = NIOLockedValueBox<[String]>([])
    var logger = Logger(label: "kubeward") { label in
      JSONLogHandler(label: label) { bytes in
        lines.withLockedValue { $0.append(String(decoding: bytes, as: UTF8.self)) }
      }
    }
    logger.logLevel = .info
    logger.info("decision", metadata: ["uid": "a\u{1B}]0;x\u{07}\n\u{202E}\u{9B}\"b"])
    let line = try #require(lines.withLockedValue { $0 }.first)
    #expect(line.hasSuffix("}\n") && line.dropLast().allSatisfy { $0 != "\n" })
    #expect(
      !line.unicodeScalars.contains {
        $0.value < 0x20 && $0 != "\n" || $0.value == 0x202E || $0.value == 0x9B
      })
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(object["uid"] as? String == "a\\x1B]0;x\\x07\\n\\u{202E}\\u{009B}\"b")
  }

  /// A policy that takes long on a Deployment with a large annotation (each validation runs
  /// to the cost limit), and denies it.
  static let slowOnLargeObjects = """
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: slow}
    spec:
      matchConstraints:
        resourceRules:
        - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
      validations:
      - expression: "object.metadata.annotations.big.split('').filter(c, c == 'x').size() < 0"
      - expression: "object.metadata.annotations.big.split('').filter(c, c != 'y').size() < 0"
      - expression: "object.metadata.annotations.big.split('').map(c, c + c).size() < 0"
      - expression: "object.metadata.annotations.big.split('').filter(c, c == 'y').size() < 0"
      - expression: "object.metadata.annotations.big.split('').exists(c, c == 'y')"
      - expression: "object.metadata.annotations.big.split('').map(c, c + 'y').size() < 0"
      - expression: "object.metadata.annotations.big.split('').filter(c, c == 'z').size() < 0"
      - expression: "object.metadata.annotations.big.split('').filter(c, c != 'z').size() < 0"
      - expression: "object.metadata.annotations.big.split('').map(c, c + 'z').size() < 0"
      - expression: "object.metadata.annotations.big.split('').exists(c, c == 'z')"
    ---
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: slow}
    spec: {policyName: slow, validationActions: [Deny]}
    """

  /// A large review runs off the event loop: on a server of one loop, a probe sent while it
  /// runs is answered before it ends. Reviewed on the loop, twenty 3 MB reviews held it so
  /// long that every `/healthz` (1 s) failed.
  @Test func largeReviewsLeaveTheEventLoopFree() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates, policies: Self.slowOnLargeObjects) {
      $0.threads = 1
    }
    defer { try? running.stop() }
    let large = try running.client()
    let probe = try running.client()
    try probe.request("GET", "/healthz")
    #expect(try probe.response().status == 200)
    let annotations = "{\"big\":\"" + String(repeating: "x", count: 70_000) + "\"}"
    let started = ContinuousClock.now
    try large.request(
      body: Reviews.body(object: Reviews.deployment(annotations: annotations), uid: "large"))
    usleep(50_000)
    try probe.request("GET", "/healthz")
    #expect(try probe.response().status == 200)
    let probed = ContinuousClock.now - started
    let answer = try large.response(timeout: .seconds(120))
    let reviewed = ContinuousClock.now - started
    let response = try #require(answer.json?["response"] as? [String: Any])
    #expect(response["uid"] as? String == "large")
    #expect(response["allowed"] as? Bool == false)
    // Said only of a review slow enough to have held the loop (ten expressions over 70 000
    // characters: six took 375 ms on a fast machine, short of the premise).
    #expect(reviewed > .milliseconds(400), "\(reviewed)")
    #expect(probed < reviewed - .milliseconds(200), "probe \(probed), review \(reviewed)")
    // The connection serves its next request as before.
    try large.request(body: Reviews.body(object: Reviews.deployment(), uid: "next"))
    let next = try #require(try large.response().json?["response"] as? [String: Any])
    #expect(next["uid"] as? String == "next")
  }

  /// A large review that waited past `queuedReviewTimeout` for the pool is answered 503,
  /// not reviewed: the API server has given up on it, and the reviews behind it waited too.
  @Test func largeReviewsThatWaitedTooLongGet503() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) {
      $0.limits.queuedReviewTimeout = .zero
    }
    defer { try? running.stop() }
    let annotations = "{\"big\":\"" + String(repeating: "x", count: 70_000) + "\"}"
    let large = try running.client()
    try large.request(
      body: Reviews.body(object: Reviews.deployment(annotations: annotations), uid: "large"))
    let answer = try large.response(timeout: .seconds(60))
    #expect(answer.status == 503)
    #expect(answer.body.contains("waited too long"), "\(answer.body)")
    // Small reviews run on the loops, and are answered.
    let small = try running.client()
    try small.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try small.response().status == 200)
  }

  @Test func healthReadinessAndMetrics() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates)
    defer { try? running.stop() }
    let client = try running.client()
    try client.request("GET", "/healthz")
    #expect(try client.response().status == 200)
    try client.request("GET", "/readyz")
    #expect(try client.response().status == 200)
    try client.request(body: Reviews.body(object: Reviews.deployment(image: "nginx:latest")))
    _ = try client.response()
    try client.request(body: "{")
    #expect(try client.response().status == 400)
    try client.request("GET", "/metrics")
    let metrics = try client.response()
    #expect(metrics.status == 200)
    #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
    #expect(metrics.body.contains("kubeward_admission_requests_total{decision=\"warned\"} 1"))
    #expect(metrics.body.contains("kubeward_admission_duration_seconds_count 1"))
    #expect(
      metrics.body.contains(
        "kubeward_policy_findings_total{policy=\"image-tag\",severity=\"warning\"} 1"))
    #expect(metrics.body.contains("kubeward_bad_requests_total{status=\"400\"} 1"))
    try client.request("GET", "/nothing")
    #expect(try client.response().status == 404)
    try client.request("GET", "/validate")
    #expect(try client.response().status == 405)
  }

  @Test func badRequestsGet400WithAStatus() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates)
    defer { try? running.stop() }
    let client = try running.client()
    for body in [
      "not json", "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}",
      Reviews.body(object: nil), Reviews.body(object: "\"text\""),
      Reviews.body(object: Reviews.deployment(), uid: ""),
    ] {
      try client.request(body: body)
      let response = try client.response()
      #expect(response.status == 400)
      #expect(response.json?["kind"] as? String == "Status")
      #expect(response.json?["code"] as? Int == 400)
    }
    // The connection survives bad requests.
    try client.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try client.response().status == 200)
  }

  /// `Expect: 100-continue` is answered at once, then the review; CONNECT is refused and the
  /// connection closed (its response has no length: the client waited on it forever).
  @Test func expectContinueAndConnect() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates)
    defer { try? running.stop() }
    let client = try running.client()
    let body = Reviews.body(object: Reviews.deployment())
    try client.send(
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
        + "Content-Length: \(body.utf8.count)\r\n\r\n")
    #expect(try client.response().status == 100)
    try client.send(body)
    #expect(try client.response().status == 200)
    try client.request(body: body)
    #expect(try client.response().status == 200)
    let tunnel = try running.client()
    try tunnel.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    #expect(tunnel.waitForClose(timeout: .seconds(5)))
  }

  /// A request that cannot be parsed gets 400 and the connection closes at once: it stayed
  /// open until the request timeout (10 s), which then sent a second answer, a 408.
  @Test func unparsableRequestsGet400AndTheConnectionCloses() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates)
    defer { try? running.stop() }
    for request in [
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n",
    ] {
      let client = try running.client()
      try client.send(request)
      #expect(try client.response().status == 400)
      #expect(client.waitForClose(timeout: .seconds(3)))
    }
    // The server goes on serving.
    let client = try running.client()
    try client.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try client.response().status == 200)
  }

  @Test func bodiesOverTheLimitGet413WithoutBeingRead() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates)
    defer { try? running.stop() }
    // An update of a ConfigMap of 2 MiB is a review of twice that, and is reviewed.
    let data = "{\"big\":\"" + String(repeating: "x", count: 2 << 20) + "\"}"
    let configMap =
      "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"big\","
      + "\"namespace\":\"shop\"},\"data\":\(data)}"
    let update = try running.client()
    try update.request(
      body: Reviews.body(
        object: configMap, operation: "UPDATE", name: "big", oldObject: configMap,
        kind: ("", "v1", "ConfigMap", "configmaps"), uid: "big-update"))
    let reviewed = try update.response(timeout: .seconds(120))
    #expect(reviewed.status == 200)
    #expect((reviewed.json?["response"] as? [String: Any])?["uid"] as? String == "big-update")
    // A declared length over 8 MiB: refused at once, before any of the body is sent.
    let declared = try running.client()
    try declared.send(
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(8 << 20 + 1)\r\n\r\n")
    let refused = try declared.response()
    #expect(refused.status == 413)
    #expect(refused.json?["code"] as? Int == 413)
    #expect(declared.waitForClose())
    // A chunked body that grows past the limit: refused when it does.
    let chunked = try running.client()
    try chunked.send(
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n")
    let chunk = String(repeating: "a", count: 1 << 20)
    for _ in 0..<9 where !chunked.isClosed {
      try? chunked.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n")
    }
    #expect(try chunked.response().status == 413)
    #expect(chunked.waitForClose())
  }

  @Test func slowClientsTimeOut() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) {
      $0.limits.requestTimeout = .milliseconds(300)
    }
    defer { try? running.stop() }
    let client = try running.client()
    try client.send(
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"apiVersion\"")
    let response = try client.response()
    #expect(response.status == 408)
    #expect(client.waitForClose())
    // Counted once, as the 408 it was: the body it cut short is no malformed request.
    let metrics = try running.client()
    try metrics.request("GET", "/metrics")
    let counts = try metrics.response().body
    #expect(counts.contains("kubeward_bad_requests_total{status=\"408\"} 1"))
    #expect(!counts.contains("kubeward_bad_requests_total{status=\"400\"}"), "\(counts)")
  }

  @Test func headersSentAByteAtATimeTimeOutToo() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) {
      $0.limits.requestTimeout = .milliseconds(300)
    }
    defer { try? running.stop() }
    let client = try running.client()
    try client.send("POST /validate HTTP/1.1\r\nHost: loc")
    #expect(client.waitForClose())
    // A kept-alive connection that is idle owes nothing: it is not timed out.
    let idle = try running.client()
    try idle.request("GET", "/healthz")
    #expect(try idle.response().status == 200)
    usleep(600_000)
    try idle.request("GET", "/healthz")
    #expect(try idle.response().status == 200)
  }

  @Test func bodiesBeyondTheSharedBudgetGet503() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) {
      $0.limits.maximumBufferedBytes = 3 << 20
    }
    defer { try? running.stop() }
    // Bodies count as they come: two of 2 MiB received do not fit in 3 MiB.
    let almost = "{" + String(repeating: " ", count: (2 << 20) - 2)
    let first = try running.client()
    try first.send(
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(2 << 20)\r\n\r\n"
        + almost)
    usleep(200_000)
    let second = try running.client()
    try second.send(
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(2 << 20)\r\n\r\n"
        + almost)
    #expect(try second.response().status == 503)
    // The first one's share comes back when it ends.
    try first.channel.close().wait()
    usleep(100_000)
    let third = try running.client()
    try third.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try third.response().status == 200)
  }

  /// A declared length holds no budget until its bytes come: connections that declared
  /// megabytes and sent a byte each held the whole budget, and every review got 503 while
  /// they idled (admitted unchecked under `failurePolicy: Ignore`).
  @Test func declaredLengthsHoldNoBudget() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) {
      $0.limits.maximumBufferedBytes = 3 << 20
    }
    defer { try? running.stop() }
    // Three declaring 1 MiB each would have taken all of it.
    var idle: [TestClient] = []
    for _ in 0..<3 {
      let client = try running.client()
      try client.send(
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(1 << 20)\r\n\r\n{")
      idle.append(client)
    }
    usleep(100_000)
    let review = try running.client()
    try review.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try review.response().status == 200)
    _ = idle
  }

  @Test func afterSIGTERMReadinessFailsWhileRequestsAreStillServed() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) {
      $0.shutdownDelay = .milliseconds(500)
    }
    let client = try running.client()
    running.server.shutDown()
    try client.request("GET", "/readyz")
    #expect(try client.response().status == 503)
    let late = try running.client()
    try late.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try late.response().status == 200)
    try running.server.wait()
  }

  /// At the connection limit, a new connection closes the one idle the longest: idle
  /// connections held every slot, and every review was refused until they timed out. When
  /// every connection is in the middle of a request, the new one is closed.
  @Test func atTheLimitTheConnectionIdleTheLongestMakesRoom() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) { $0.limits.maximumConnections = 2 }
    defer { try? running.stop() }
    let first = try running.client()
    let second = try running.client()
    for client in [first, second] {
      try client.request("GET", "/healthz")
      #expect(try client.response().status == 200)
    }
    try second.request("GET", "/healthz")
    #expect(try second.response().status == 200)
    // The first has been idle longer than the second: it makes room for the third.
    let third = try running.client()
    try third.request("GET", "/healthz")
    #expect(try third.response().status == 200)
    #expect(first.waitForClose())
    try second.request("GET", "/healthz")
    #expect(try second.response().status == 200)
    // Both in the middle of a request: a new connection is closed, and they are answered.
    let body = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#
    for client in [second, third] {
      try client.send(
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n{")
    }
    Thread.sleep(forTimeInterval: 0.2)
    let fourth = try running.client()
    try? fourth.request("GET", "/healthz")
    #expect(fourth.waitForClose())
    for client in [second, third] {
      try client.send(String(body.dropFirst()))
      #expect(try client.response().status == 400)
    }
  }

  /// Large reviews run on a pool of at most `concurrentLargeReviews` threads, whatever the
  /// event loops: each holds a tree about nine times its body.
  @Test func largeReviewsAreFewAtOnce() {
    var options = ServerOptions()
    options.threads = 8
    #expect(WebhookServer.reviewThreads(options) == 2)
    options.threads = 1
    #expect(WebhookServer.reviewThreads(options) == 1)
    options.threads = 8
    options.limits.concurrentLargeReviews = 4
    #expect(WebhookServer.reviewThreads(options) == 4)
  }

  /// At the connection limit with every connection in a request, a new connection closes the
  /// one whose request has taken the longest, past `slowRequest`: clients sending a byte a
  /// second held every slot, and every review was refused.
  @Test func atTheLimitTheSlowestRequestMakesRoom() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates) {
      $0.limits.maximumConnections = 2
      // Seconds, not milliseconds: on a loaded machine (a debug build beside another), the
      // TLS handshakes below took longer than 300 ms, and the first request counted as slow
      // before the early connection was made.
      $0.limits.slowRequest = .seconds(3)
    }
    defer { try? running.stop() }
    let slow = try running.client()
    try slow.send("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
    // Time for the server to read each request's beginning: on a loaded machine, 0.1 s was
    // not always enough, and a connection with nothing read yet counted as idle.
    Thread.sleep(forTimeInterval: 0.3)
    let slower = try running.client()
    try slower.send("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
    Thread.sleep(forTimeInterval: 0.3)
    // Both begun less than 3 s ago: a new connection is closed.
    let early = try running.client()
    try? early.request("GET", "/healthz")
    #expect(early.waitForClose())
    Thread.sleep(forTimeInterval: 3.2)
    let served = try running.client()
    try served.request("GET", "/healthz")
    #expect(try served.response().status == 200)
    #expect(slow.waitForClose(), "the request begun first is closed")
    // An idle connection goes before a slow one.
    let next = try running.client()
    try next.request("GET", "/healthz")
    #expect(try next.response().status == 200)
    #expect(served.waitForClose())
    try slower.send(String(repeating: " ", count: 99))
    #expect(try slower.response().status == 400)
  }

  @Test func aRotatedCertificateServesNewConnectionsAndKeepsOpenOnes() throws {
    let certificates = try TestCertificates(making: "first")
    try certificates.make("second")
    let running = try RunningServer(certificates: certificates)
    defer { try? running.stop() }
    let open = try running.client()
    try open.request("GET", "/healthz")
    #expect(try open.response().status == 200)

    // cert-manager writes the renewed pair; a broken write first is ignored.
    let fileManager = FileManager.default
    try "not a certificate".write(
      toFile: certificates.path("first.pem"), atomically: true, encoding: .utf8)
    usleep(300_000)
    let stillFirst = try running.client()
    try stillFirst.request("GET", "/healthz")
    #expect(try stillFirst.response().status == 200)
    for file in ["first.pem", "first-key.pem"] {
      try? fileManager.removeItem(atPath: certificates.path(file))
    }
    try fileManager.copyItem(
      atPath: certificates.path("second-key.pem"), toPath: certificates.path("first-key.pem"))
    try fileManager.copyItem(
      atPath: certificates.path("second.pem"), toPath: certificates.path("first.pem"))
    usleep(300_000)

    let renewed = try TestClient(port: running.port, trusting: certificates.path("second-ca.pem"))
    try renewed.request("GET", "/healthz")
    #expect(try renewed.response().status == 200)
    let old = try running.client()
    try? old.request("GET", "/healthz")
    #expect(old.waitForClose(), "a client that trusts only the old CA must fail the handshake")
    // The connection opened before the rotation is still served.
    try open.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try open.response().status == 200)
    #expect(
      running.logLines.withLockedValue { $0 }.contains {
        $0.contains("reloaded the serving certificate")
      })
  }

  @Test func sigtermDrainsRequestsInFlight() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates)
    let client = try running.client()
    let body = Array(Reviews.body(object: Reviews.deployment()).utf8)
    try client.send(
      "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(body.count)\r\n\r\n")
    try client.send(Array(body[..<100]))
    usleep(100_000)
    running.server.shutDown()
    usleep(100_000)
    // No new connection is accepted while draining.
    #expect(
      (try? running.client()) == nil)
    try client.send(Array(body[100...]))
    let response = try client.response()
    #expect(response.status == 200)
    #expect((response.json?["response"] as? [String: Any])?["allowed"] as? Bool == true)
    try running.server.wait()
    #expect(client.waitForClose())
  }

  @Test func plainHTTPOnlyWhenAskedFor() throws {
    let running = try RunningServer(certificates: nil)
    defer { try? running.stop() }
    let client = try TestClient(port: running.port, trusting: nil)
    try client.request(body: Reviews.body(object: Reviews.deployment()))
    #expect(try client.response().status == 200)
  }

  @Test func aTLSServerRefusesPlainHTTP() throws {
    let certificates = try TestCertificates(making: "first")
    let running = try RunningServer(certificates: certificates)
    defer { try? running.stop() }
    let client = try TestClient(port: running.port, trusting: nil)
    try? client.request("GET", "/healthz")
    #expect(client.waitForClose())
    #expect((try? client.response(timeout: .milliseconds(100))) == nil)
  }
}
