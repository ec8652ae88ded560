import ArgumentParser
import KubewardAdmission
import KubewardBuiltInPolicies
import KubewardEngine
import KubewardServer
import KubewardWebhook
import KubewardYAML
import Logging

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `kubeward serve`: the validating admission webhook.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve the per-object policies as a validating admission webhook (POST /validate).",
    discussion: """
      Answers admission.k8s.io/v1 AdmissionReviews: the request's object is linted with the \
      built-in per-object policies and the admission policies of --policy, under the \
      configuration (--config, else .kubeward.yaml in the working directory) and the object's \
      suppression annotations. Findings at --deny-on or above deny the request (403); the others \
      are returned as warnings (kubectl shows them) and, for information, audit annotations. \
      Cross-object policies need the whole set of manifests and do not run at admission.

      Also serves GET /healthz, /readyz (503 while draining) and /metrics (Prometheus). \
      SIGTERM drains: requests in flight are answered, then the process exits.
      """)

  @Option(
    name: .customLong("tls-cert-file"),
    help: ArgumentHelp(
      "The serving certificate (PEM, with its chain); reloaded when the file changes.",
      valueName: "file"))
  var tlsCertFile: String?

  @Option(
    name: .customLong("tls-private-key-file"),
    help: ArgumentHelp("The serving certificate's private key (PEM).", valueName: "file"))
  var tlsPrivateKeyFile: String?

  @Flag(help: "Serve plain HTTP instead of TLS: for local testing only.")
  var insecureHTTP = false

  @Option(help: "The address to listen on.")
  var address = "0.0.0.0"

  @Option(help: "The port to listen on.")
  var port = 8443

  @Option(
    help:
      "Deny requests with findings of this severity or worse: error, warning, info or never (warn only; default: the configuration's webhook.denyOn, else error)."
  )
  var denyOn: FailureThreshold?

  @Option(
    help: ArgumentHelp(
      "The configuration file (default: .kubeward.yaml in the working directory).",
      valueName: "file"))
  var config: String?

  @Option(
    name: .customLong("policy"),
    help: ArgumentHelp(
      "ValidatingAdmissionPolicies (with their bindings and params) or Kyverno ValidatingPolicies to evaluate (a file or folder; repeatable).",
      valueName: "path"))
  var policyPaths: [String] = []

  @Option(
    help: ArgumentHelp(
      "Files or folders with the params objects and Namespaces the admission policies refer to (repeatable).",
      valueName: "path"))
  var context: [String] = []

  @Option(
    help: ArgumentHelp(
      "The webhook's own namespace, never linted (default: $POD_NAMESPACE, else kubeward).",
      valueName: "namespace"))
  var namespace: String?

  @Option(
    help:
      "Keep at most this many connections open; at the cap, the one idle the longest is closed for a new one."
  )
  var maxConnections = 1024

  @Option(
    help:
      "Seconds a connection has for its TLS handshake and first request, and each request from its first byte (408 after)."
  )
  var requestTimeout = 10

  @Option(
    help:
      "Seconds after SIGTERM during which /readyz fails but requests are still served, before the drain (the time for the endpoints to drop the pod)."
  )
  var shutdownDelay = 5

  @Option(help: "Event loop threads (default: the number of cores).")
  var threads: Int?

  @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
  var logLevel = "info"

  func validate() throws {
    if insecureHTTP {
      guard tlsCertFile == nil && tlsPrivateKeyFile == nil else {
        throw ValidationError("--insecure-http serves plain HTTP: give no certificate with it")
      }
    } else if tlsCertFile == nil || tlsPrivateKeyFile == nil {
      throw ValidationError(
        "the webhook serves TLS: give --tls-cert-file and --tls-private-key-file (or --insecure-http for local testing)"
      )
    }
    guard (1...65535).contains(port) || port == 0 else {
      throw ValidationError("--port must be between 1 and 65535")
    }
    guard maxConnections > 0, (threads ?? 1) > 0, (1...3600).contains(requestTimeout),
      (0...600).contains(shutdownDelay)
    else {
      throw ValidationError(
        "--max-connections and --threads must be positive, --request-timeout 1 to 3600 seconds, --shutdown-delay 0 to 600"
      )
    }
    guard Logger.Level(rawValue: logLevel) != nil else {
      throw ValidationError(
        "--log-level must be trace, debug, info, notice, warning, error or critical")
    }
  }

  func run() throws {
    var logger = Logger(label: "kubeward") { JSONLogHandler(label: $0) }
    logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
    let reviewer = try makeReviewer(logger: logger)
    var options = ServerOptions()
    options.host = address
    options.port = port
    if let tlsCertFile, let tlsPrivateKeyFile {
      options.tls = (tlsCertFile, tlsPrivateKeyFile)
    }
    options.limits.maximumConnections = maxConnections
    options.limits.requestTimeout = .seconds(Int64(requestTimeout))
    options.shutdownDelay = .seconds(Int64(shutdownDelay))
    options.threads = threads ?? availableCores()
    let server: WebhookServer
    do {
      server = try WebhookServer(reviewer: reviewer, options: options, logger: logger)
    } catch {
      // Not a usage error: the command line was right, the port or address was not free.
      throw CommandError("cannot serve on \(address):\(port): \(error)")
    }
    try server.runUntilTerminated()
  }

  /// The linter and the review settings, from the configuration and the policies.
  func makeReviewer(logger: Logger) throws -> AdmissionReviewer {
    let workingDirectory = currentDirectory()
    var paths = policyPaths
    let configPath =
      config
      ?? {
        let candidate = workingDirectory + "/.kubeward.yaml"
        return access(candidate, R_OK) == 0 ? candidate : nil
      }()
    let configBytes = configPath.flatMap(LintInput.contents(of:))
    if let configPath, let configBytes {
      paths += ConfigurationFile.admissionPolicyPaths(path: configPath, bytes: configBytes)
    }
    var admission: AdmissionPolicySet?
    if !paths.isEmpty {
      do {
        admission = try AdmissionPolicySet.load(
          paths: paths, reservedNames: Set(PolicyCatalogue.builtIn.ids))
      } catch {
        throw ValidationError(error.description)
      }
    }
    var catalogue = PolicyCatalogue.builtIn
    if let admission {
      catalogue = PolicyCatalogue(
        descriptions: catalogue.descriptions + AdmissionPolicySource(admission).descriptions,
        groups: AdmissionPolicySource(admission).groups)
    }
    var configFile: ConfigurationFile?
    if let configPath {
      guard let configBytes else {
        throw ValidationError(
          "cannot read the configuration file \(VisibleText.escaped(configPath))")
      }
      configFile = try ConfigurationFile(path: configPath, bytes: configBytes, catalogue: catalogue)
    }
    var sources: [any PolicySource] = [BuiltInPolicies.source]
    if var set = admission {
      var inputs: [LintInput] = []
      do {
        inputs = try InputDiscovery.inputs(for: context)
      } catch {
        throw ValidationError("\(error)")
      }
      set.learnContext(from: inputs)
      for finding in set.policyFileFindings(lintsManifests: false) {
        logger.error(
          "admission policy problem",
          metadata: [
            "file": "\(finding.file)", "line": "\(finding.range.start.line)",
            "policy": "\(finding.policy)", "message": "\(finding.message)",
          ])
      }
      // Read for every request until the server stops.
      set.keepForTheProcess()
      sources.append(AdmissionPolicySource(set))
    }
    let linter = try Linter(
      configuration: configFile?.configuration ?? Configuration(), sources: sources)
    var settings = ReviewSettings(
      configFile?.webhook,
      ownNamespace: namespace ?? environmentValue("POD_NAMESPACE") ?? "kubeward")
    if let denyOn { settings.denyOn = denyOn.severity }
    if let admission { settings.protect(admission) }
    return AdmissionReviewer(linter: linter, settings: settings)
  }
}

/// An environment variable's value, when set and not empty.
func environmentValue(_ name: String) -> String? {
  guard let value = getenv(name), value.pointee != 0 else { return nil }
  return String(cString: value)
}
