import KubewardEngine
import KubewardModel

/// `statefulset-service-name`: a StatefulSet whose governing Service cannot give its pods
/// stable DNS names (I-20).
struct StatefulSetServiceName: SetPolicy {
  static let id = "statefulset-service-name"

  init(options: PolicyOptions) {}

  func check(_ set: LintSet, _ report: inout SetReport) {
    for statefulSet in set.facts.workloads where statefulSet.kind == .statefulSet {
      guard let name = statefulSet.serviceName, !name.isEmpty,
        let location = statefulSet.serviceNameLocation
      else { continue }
      let namespace = statefulSet.namespace
      let space = statefulSet.space
      // One replica (a single database): clients reach it through the Service's own name,
      // and no peer needs the per-pod name.
      let single: SeverityAdjustment = (statefulSet.replicas ?? 1) <= 1 ? .info : .standard
      let candidates = nearest(
        set.services(named: name, in: space), to: statefulSet.location.file,
        fileOf: \.location.file)
      // Any Service of that name that does the job will do.
      if candidates.contains(where: { service in
        service.isHeadless && service.selector.map { $0.matches(statefulSet.podLabels) } == true
      }) {
        continue
      }
      guard let service = candidates.first(where: \.isHeadless) ?? candidates.first else {
        guard set.hasServices(in: space, inFolderOf: statefulSet.location.file),
          !set.customResourceMayOwnService(named: name, in: space),
          !set.mayBeIncomplete(
            around: statefulSet.location, scope: statefulSet.scope, lacking: { $0 == "Service" })
        else { continue }
        // One that another project of the run defines may be applied beside it: one of a
        // `--context` folder is.
        if let elsewhere = set.service(named: name, namespace: space.namespace) {
          guard !set.isContext(elsewhere.location) else { continue }
          report.report(
            statefulSet.object, at: location,
            """
            names Service \"\(name)\" as its serviceName, which only another project of the \
            run defines (\(elsewhere.location.file):\(elsewhere.location.range.start.line)): \
            unless that is applied with it, its pods get no <pod>.\(name) DNS names
            """, adjustment: .info)
          continue
        }
        report.report(
          statefulSet.object, at: location,
          """
          names Service \"\(name)\" as its serviceName, but no such Service is among the \
          Services of namespace \(namespace) in the linted set, so its pods get no \
          <pod>.\(name) DNS names; add the headless Service or fix serviceName
          """, adjustment: single)
        continue
      }
      if !service.isHeadless {
        report.report(
          statefulSet.object, at: location,
          """
          is governed by \(service.object), which is not headless: its pods get no stable \
          <pod>.\(name) DNS names; set clusterIP: None on the governing Service (and use \
          a second Service for load-balanced access)
          """, adjustment: single)
      } else {
        report.report(
          statefulSet.object, at: location,
          "is governed by \(service.object), whose selector "
            + (service.selector == nil ? "is empty" : "does not match its pod labels")
            + ", so the pods get no DNS records; make the Service's selector match the pod "
            + "template", adjustment: single)
      }
    }
  }
}
