import KubewardEngine
import KubewardModel
import KubewardYAML

/// `image-tag`: images without a fixed version (I-18).
struct ImageTag: ObjectPolicy {
  static let id = "image-tag"
  static let checksPartialObjects = true

  /// Tags that name a branch or a release channel, which moves: the `movingTags` option.
  let movingTags: Set<String>

  init(options: PolicyOptions) {
    movingTags = Set(options.strings("movingTags"))
  }

  func check(_ object: KubeObject, _ report: inout ObjectReport) {
    for container in object.podSpec?.containers ?? [] {
      guard let image = container.image, let reference = container.imageReference,
        reference.digest == nil,
        // The pause image sleeps whatever its version.
        !container.runsPauseImage,
        // Never pulled: the image loaded onto the node beforehand runs, whatever its tag.
        container.node["imagePullPolicy"]?.text != "Never",
        !Self.isScaffoldPlaceholder(image.string ?? "")
      else { continue }
      if report.builtImages.replacesTag(of: image.string ?? "") {
        reportTagSetByKustomization(image, container, report: &report)
        continue
      }
      // Only the kinds `kubectl rollout undo` works on have rollbacks to return.
      let rollbacks =
        [.deployment, .statefulSet, .daemonSet].contains(object.resourceKind)
        ? " rollbacks cannot return to the old one," : ""
      // A bare name in a Kustomize base (`image: target-allocator`) that no official image
      // has is the placeholder an overlay's `images:` names (none among the linted files
      // does): nothing pulls it as written.
      if reference.tag == nil, report.objectMayBePartial,
        let name = Self.bareName(image.string ?? ""), !Self.officialImages.contains(name)
      {
        report.report(
          image,
          """
          runs \(image.string ?? ""), a bare name without registry or tag: in a Kustomize base \
          it is the placeholder an overlay's images: sets (none among the linted files does); \
          applied as written it would mean docker.io/library/\(name):latest, so give the \
          overlay a version tag (or a digest)
          """,
          container: container, adjustment: .info)
        continue
      }
      if reference.tag == nil || reference.tag == "latest" {
        let problem =
          reference.tag == nil ? "has no tag, so it means :latest" : "is tagged :latest"
        report.report(
          image,
          """
          runs \(image.string ?? ""), which \(problem): each node may pull a different \
          image,\(rollbacks) and a slow pull of a moving tag delays starts; pin a version tag \
          (or a digest)
          """,
          container: container)
      } else if let tag = reference.tag, Self.isMoving(tag, among: movingTags) {
        // A development branch's manifests name its own builds so (calico's `:master`); the
        // pull policy is IfNotPresent, so no pull is slowed: information.
        let rollbacksToo = rollbacks.isEmpty ? "" : ", and rollbacks cannot return to the old one"
        report.report(
          image,
          """
          runs \(image.string ?? ""), whose tag :\(tag) names a branch or a release channel, \
          not a version: it moves, so nodes that pulled it at different times run different \
          images\(rollbacksToo); pin a version tag (or a digest)
          """,
          container: container, adjustment: .info)
      }
    }
  }

  /// A kustomization's `images:` sets the tag the container runs: `latest`, or a branch's or
  /// a channel's tag, is judged as if written (several overlays may set several tags: the
  /// first found is said).
  private func reportTagSetByKustomization(
    _ image: Node, _ container: Container, report: inout ObjectReport
  ) {
    let written = image.string ?? ""
    guard let tag = report.builtImages.newTag(of: written, among: ["latest"] + movingTags.sorted())
    else { return }
    let what =
      tag == "latest"
      ? "each node may pull a different image, and a slow pull of a moving tag delays starts"
      : "it names a branch or a release channel, not a version, and moves, so nodes that "
        + "pulled it at different times run different images"
    report.report(
      image,
      """
      runs \(written), whose tag a kustomization's images: sets to :\(tag): \(what); set \
      newTag to a version tag (or a digest)
      """,
      container: container, adjustment: tag == "latest" ? .standard : .info)
  }

  /// Whether `tag` names a branch or a channel: one of `moving`, or a variant of one, or of
  /// `latest`, without a version (`stable-alpine`, `canary-windows-hp`); one with a digit
  /// names a build (`stable-1.4`, `main-3f2a1b9`). The exported policy reads tags the same way.
  static func isMoving(_ tag: String, among moving: Set<String>) -> Bool {
    if moving.contains(tag) { return true }
    guard let dash = tag.firstIndex(of: "-") else { return false }
    let first = String(tag[..<dash])
    return (first == "latest" || moving.contains(first))
      && !tag.utf8.contains { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
  }

  /// The name of an image written without registry, namespace, tag or digest
  /// (`target-allocator`), else `nil`.
  static func bareName(_ image: String) -> String? {
    image.isEmpty || image.contains(where: { "/:@".contains($0) }) ? nil : image
  }

  /// Docker Hub's official images (`docker.io/library/…`), which a bare name in a base may
  /// well mean: `nginx` in a Kustomize base is nginx, whatever an overlay does.
  static let officialImages: Set<String> = [
    "adminer", "aerospike", "almalinux", "alpine", "amazoncorretto", "amazonlinux", "api-firewall",
    "arangodb", "archlinux", "backdrop", "bash", "bonita", "buildpack-deps", "busybox", "caddy",
    "cassandra", "chronograf", "cirros", "clearlinux", "clickhouse", "clojure", "composer",
    "consul", "convertigo", "couchbase", "couchdb", "crate", "dart", "debian", "docker",
    "drupal", "eclipse-mosquitto", "eclipse-temurin", "eggdrop", "elasticsearch", "elixir",
    "emqx", "erlang", "fedora", "flink", "fluentd", "friendica", "gazebo", "gcc", "geonetwork",
    "ghost", "golang", "gradle", "groovy", "haproxy", "haskell", "haxe", "hello-world", "hitch",
    "httpd", "hylang", "ibm-semeru-runtimes", "ibmjava", "influxdb", "irssi", "jetty", "joomla",
    "jruby", "julia", "kapacitor", "kibana", "kong", "krakend", "lightstreamer", "liquibase",
    "logstash", "mageia", "mariadb", "matomo", "maven", "mediawiki", "memcached", "mongo",
    "mongo-express", "monica", "mono", "mysql", "nats", "neo4j", "neurodebian", "nextcloud",
    "nginx", "node", "notary", "odoo", "open-liberty", "openjdk", "oraclelinux", "orientdb",
    "percona", "perl", "photon", "php", "php-zendserver", "phpmyadmin", "plone", "postfixadmin",
    "postgres", "powershell", "pypy", "python", "r-base", "rabbitmq", "rakudo-star", "redis",
    "redmine", "registry", "rethinkdb", "rocket.chat", "rockylinux", "ros", "ruby", "rust",
    "sapmachine", "satosa", "silverpeas", "solr", "sonarqube", "spark", "spiped", "storm",
    "swift", "swipl", "teamspeak", "telegraf", "tomcat", "tomee", "traefik", "ubuntu", "unit",
    "varnish", "vault", "websphere-liberty", "wordpress", "xwiki", "yourls", "znc", "zookeeper",
  ]

  /// Kubebuilder's and the Operator SDK's scaffold names the manager's image `controller`,
  /// which `make deploy IMG=…` replaces (`kustomize edit set image controller=…`) before
  /// anything is applied; no registry serves an image of that name.
  static func isScaffoldPlaceholder(_ image: String) -> Bool {
    image == "controller" || image == "controller:latest"
  }
}
