import KubewardEngine
import KubewardModel

/// The built-in per-object policies as ValidatingAdmissionPolicies with their bindings
/// (`kubeward export vap`): the same rules, enforced by the API server itself.
///
/// Each policy's CEL comes from its catalogue file (`admission:`); what every translation
/// needs (the pod spec of any pod-bearing kind, its containers, the object's name) is defined
/// once here and added to a policy's variables when its expressions use it.
public enum VAPExport {
  /// Where params ConfigMaps live.
  public static let namespace = "kubeward"
  /// The Namespace label that exempts a namespace, as for `kubeward serve`.
  public static let exemptionLabel = "kubeward.dev/admission"

  public struct File: Sendable {
    public let name: String
    public let text: String
  }

  public struct Result: Sendable {
    public var files: [File] = []
    /// Per-object policies with no translation, and why.
    public var notExported: [(id: String, reason: String)] = []
    /// Exported policies by id: their policy names and actions.
    public var exported: [(id: String, policies: [(name: String, action: String)])] = []
  }

  /// Variables any translation may use, in dependency order.
  static let standardVariables: [(name: String, expression: String)] = [
    (
      "subject",
      "object.kind + ' ' + (has(object.metadata.namespace) ? object.metadata.namespace + '/' : "
        + "(request.namespace != '' ? request.namespace + '/' : '')) + "
        + "(has(object.metadata.name) ? object.metadata.name : '(unnamed)')"
    ),
    (
      "podTemplate",
      "object.kind == 'Pod' ? object : object.kind == 'CronJob' ? "
        + "object.spec.jobTemplate.spec.template : object.spec.template"
    ),
    ("podSpec", "variables.podTemplate.spec"),
    (
      "podMetadata",
      "has(variables.podTemplate.metadata) ? variables.podTemplate.metadata : {}"
    ),
    (
      "containers",
      "has(variables.podSpec.containers) ? variables.podSpec.containers : []"
    ),
    (
      "initContainers",
      "has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []"
    ),
    (
      "ephemeralContainers",
      "has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : []"
    ),
    (
      "allContainers",
      "variables.containers + variables.initContainers + variables.ephemeralContainers"
    ),
    (
      // The containers that run beside each other: the regular ones and the sidecars (init
      // containers with restartPolicy Always), not the init containers that run once before.
      "runningContainers",
      "variables.containers + variables.initContainers.filter(c, has(c.restartPolicy) && "
        + "c.restartPolicy == 'Always')"
    ),
    (
      "validImages",
      "variables.allContainers.filter(c, has(c.image) && \(validImage("c.image"))).map(c, c.name)"
    ),
    (
      // `Container.commands`: per container, `['', name]`, then each command's words without
      // the shells and loop keywords (no word is empty, so the first entry is told apart), and
      // without comments (`Container.withoutShellComments`: from a word that starts with `#`
      // to the end of its line).
      "containerCommands",
      """
      variables.allContainers.map(c, [['', has(c.name) ? c.name : '']] + (' ' + \
      \(commandLine).map(w, w.contains(' ') && !w.contains('\\'') && !w.contains('"') ? \
      w\(shellOperatorRewrites) : w).join(' ').replace('\\t', ' ').split('\\n').map(line, \
      [' ' + line].map(l, l.indexOf(' #') >= 0 ? l.substring(0, l.indexOf(' #')) : l)[0])\
      .join(' ; ') + ' ').replace(' && ', '\\n').replace(' || ', '\\n').replace(' ; ', '\\n')\
      .replace(' | ', '\\n').replace('; ', '\\n').split('\\n').map(segment, \
      segment.split(' ').filter(w, w != '' && !(w in \(launchers)))).filter(words, words != []))
      """
    ),
    (
      "trivialContainers",
      """
      variables.allContainers.filter(c, ((has(c.command) || has(c.args)) && \
      size(\(commandLine)) <= 16 && variables.containerCommands.exists(e, \
      e[0] == ['', has(c.name) ? c.name : ''] && size(e) > 1 && e.all(all, \
      [all.map(w, w.matches('^[A-Za-z_][A-Za-z0-9_]*=[$][(][^(]') && !w.endsWith(')') && \
      all[size(all) - 1].endsWith(')') ? \
      w.substring(w.indexOf('$(') + 2) : w).filter(w, \
      !w.matches('^[A-Za-z_][A-Za-z0-9_]*='))].all(words, size(words) == 0 || \
      words[0] == '' || words[0] == 'for' || \
      (words[0].split('/')[size(words[0].split('/')) - 1] in \(trivialPrograms) && \
      !(words[0].split('/')[size(words[0].split('/')) - 1] == 'nc' && words.exists(w, \
      w == '--listen' || (w.startsWith('-') && !w.startsWith('--') && w.contains('l'))))))))) || \
      \(agnhostRunning("c", celList(Container.trivialAgnhost.sorted())))).map(c, c.name)
      """
    ),
    (
      // `PodSpec.socketFolders`: volumes that only hold a Unix socket.
      "socketFolders",
      """
      has(variables.podSpec.volumes) ? variables.podSpec.volumes.filter(v, has(v.name) && \
      (v.name.lowerAscii().replace('_', '-').replace('.', '-').split('-').exists(w, w in \
      ['socket', 'sockets', 'sock']) || variables.allContainers.exists(c, \
      has(c.volumeMounts) && c.volumeMounts.exists(m, has(m.name) && m.name == v.name && \
      has(m.mountPath) && [m.mountPath.replace('\\\\', '/')].map(p, p.endsWith('/') ? p : \
      p + '/').exists(folder, (\(commandLine) + (has(c.env) ? c.env.filter(e, has(e.value))\
      .map(e, e.value) : [])).map(w, w.replace('\\\\', '/')).exists(value, \
      value.contains(folder) && [value.substring(value.indexOf(folder) + \
      size(folder)).split(' ')[0].split(',')[0]].exists(rest, rest.endsWith('.sock') || \
      rest.endsWith('.socket'))))))) || variables.allContainers.exists(c, \
      has(c.volumeMounts) && c.volumeMounts.exists(m, has(m.name) && m.name == v.name && \
      has(m.mountPath) && [m.mountPath.endsWith('/') ? m.mountPath.substring(0, \
      size(m.mountPath) - 1) : m.mountPath].exists(path, [(has(c.image) && \
      \(cloudSQLProxyNames).exists(n, c.image.contains(n))) || \(commandLine).exists(w, \
      \(cloudSQLProxyNames).exists(n, w.contains(n)))].exists(proxy, \(commandLine).exists(w, \
      w.startsWith('-') && [w.startsWith('--') ? w.substring(2) : w.substring(1)].exists(f, \
      f.contains('=') && [f.substring(0, f.indexOf('='))].exists(name, (name == 'unix-socket' \
      || (name == 'dir' && proxy)) && [f.substring(f.indexOf('=') + 1)].exists(folder, folder \
      != '' && folder != '/' && (folder.endsWith('/') ? folder.substring(0, size(folder) - 1) \
      : folder) == path)))))))) || has(v.emptyDir) && variables.allContainers.exists(c, \
      has(c.volumeMounts) && c.volumeMounts.exists(m, has(m.name) && m.name == v.name && \
      has(m.mountPath) && \
      (m.mountPath.endsWith('/') ? m.mountPath.substring(0, size(m.mountPath) - 1) : \
      m.mountPath) in \(celList(PodSpec.knownSocketFolders.sorted()))))).map(v, v.name) : []
      """
    ),
    (
      "pauseContainers",
      """
      variables.allContainers.filter(c, c.name in variables.validImages && \
      c.image.split('@')[0].matches('(^|/)pause(-(\(Container.pauseArchitectures.joined(separator: "|"))))?(:[^/]*)?$')).map(c, c.name)
      """
    ),
    (
      "idleContainers",
      """
      variables.allContainers.filter(c, c.name in variables.pauseContainers || \
      \(agnhostRunning("c", "['pause']")) || \
      ((\(commandLine).exists(w, w.contains('sleep') || w.contains('tail'))) && \
      (\(commandLine).join(' ').replace('\\n', ' ').split(' ').filter(w, w != '').join(' ')\
      .contains('sleep infinity') || \(commandLine).join(' ').replace('\\n', ' ').split(' ')\
      .filter(w, w != '').join(' ').contains('tail -f /dev/null') || \
      [\(commandLine).join(' ').replace('\\n', ' ').split(' ').filter(w, w != '' && \
      !(w in ['sh', '/bin/sh', 'bash', '/bin/bash', '-c', 'exec']))].all(rest, size(rest) == 2 \
      && rest[0].endsWith('sleep') && rest[1].matches('^[+-]?[0-9]{1,18}$') && \
      int(rest[1]) >= 3600)))).map(c, c.name)
      """
    ),
    (
      "virtualNode",
      """
      (has(variables.podMetadata.annotations) && variables.podMetadata.annotations.exists(k, \
      k.startsWith('k8s.aliyun.com/eci-'))) || (has(variables.podMetadata.labels) && \
      'alibabacloud.com/eci' in variables.podMetadata.labels && \
      variables.podMetadata.labels['alibabacloud.com/eci'] == 'true') || \
      (has(variables.podSpec.nodeSelector) && 'type' in variables.podSpec.nodeSelector && \
      variables.podSpec.nodeSelector['type'] == 'virtual-kubelet') || \
      (has(variables.podSpec.affinity) && has(variables.podSpec.affinity.nodeAffinity) && \
      has(variables.podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) && \
      size(variables.podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms) > 0 && \
      variables.podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.all(t, \
      has(t.matchExpressions) && t.matchExpressions.exists(e, e.key == 'type' && e.operator == 'In' \
      && has(e.values) && 'virtual-kubelet' in e.values)))
      """
    ),
  ]

  /// Whether container `c` runs Kubernetes' test image agnhost with its own entry point and a
  /// subcommand of `subcommands` (`Container.agnhostSubcommand`).
  static func agnhostRunning(_ c: String, _ subcommands: String) -> String {
    """
    (\(c).name in variables.validImages && !has(\(c).command) && has(\(c).args) && \
    size(\(c).args) > 0 && \(c).args[0] in \(subcommands) && \
    \(c).image.split('@')[0].split('/')[size(\(c).image.split('@')[0].split('/')) - 1]\
    .split(':')[0] == 'agnhost')
    """
  }

  /// A container's `command` then `args`.
  static let commandLine = "((has(c.command) ? c.command : []) + (has(c.args) ? c.args : []))"
  /// `Container.cloudSQLProxyNames`, as a CEL list.
  static let cloudSQLProxyNames = celList(
    Container.cloudSQLProxyNames.map { $0.withUTF8Buffer { String(decoding: $0, as: UTF8.self) } })
  /// The model's lists (`Container.isTrivial`), as CEL lists.
  static let launchers = celList(Container.launcherWords)
  /// `Container.shellOperatorRewrites`, as `replace` calls.
  static let shellOperatorRewrites = Container.shellOperatorRewrites.map { pattern, rewrite in
    ".replace(\(celString(pattern)), \(celString(rewrite)))"
  }.joined()

  /// `text` as a CEL string literal, control characters escaped.
  private static func celString(_ text: String) -> String {
    "'"
      + text.unicodeScalars.map { scalar in
        scalar.value < 0x20
          ? "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
            + String(scalar.value, radix: 16) : String(scalar)
      }.joined() + "'"
  }
  static let trivialPrograms = celList(Container.trivialProgramNames)

  private static func celList(_ words: [String]) -> String {
    "[" + words.map { "'\($0)'" }.joined(separator: ", ") + "]"
  }

  /// Whether `image` is a valid reference (distribution's grammar, without the digest, which
  /// is checked apart): a placeholder such as `$IMAGE` or `<project>/app` is none.
  static func validImage(_ image: String) -> String {
    "\(image).split('@')[0].matches(r'^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
      + "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?/)?"
      + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
      + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$')"
  }

  /// Resource rules per resource group of the catalogue.
  static let resourceRules: [String: [(group: String, version: String, resources: [String])]] = [
    "pods": [
      ("", "v1", ["pods", "replicationcontrollers"]),
      ("apps", "v1", ["deployments", "statefulsets", "daemonsets", "replicasets"]),
      ("batch", "v1", ["jobs", "cronjobs"]),
    ],
    "services": [("", "v1", ["services"])],
    "ingresses": [("networking.k8s.io", "v1", ["ingresses"])],
    "replicationcontrollers": [("", "v1", ["replicationcontrollers"])],
  ]

  /// Exports the per-object policies of `catalogue` (those named in `ids`, or all).
  public static func export(_ catalogue: PolicyCatalogue, ids: [String]? = nil) -> Result {
    var result = Result()
    var withParams = false
    for description in catalogue.descriptions where description.scope == .object {
      if let ids, !ids.contains(description.id) { continue }
      switch description.admissionExport {
      case nil:
        result.notExported.append((description.id, "no CEL translation yet"))
      case .notExpressible(let reason)?:
        result.notExported.append((description.id, reason))
      case .expressed(let translation)?:
        let (text, policies) = document(description, translation)
        result.files.append(File(name: "\(description.id).yaml", text: text))
        result.exported.append((description.id, policies))
        withParams = withParams || !translation.params.isEmpty
      }
    }
    if withParams {
      result.files.insert(
        File(
          name: "namespace.yaml",
          text: header
            + "# The namespace of the policies' params ConfigMaps.\napiVersion: v1\nkind: Namespace\n"
            + "metadata:\n  name: \(namespace)\n"),
        at: 0)
    }
    result.files.append(File(name: "kustomization.yaml", text: kustomization(result.files)))
    result.files.append(File(name: "README.md", text: readme(result)))
    return result
  }

  static let header = """
    # Generated by `kubeward export vap` from kubeward's catalogue (policies/*.yaml); do not edit:
    # change the policy's admission: section and export again.

    """

  /// Deny for errors, Warn for warnings, Audit for information.
  static func action(_ severity: Severity) -> String {
    switch severity {
    case .error: "Deny"
    case .warning: "Warn"
    case .info: "Audit"
    }
  }

  private static func document(
    _ description: PolicyDescription, _ translation: AdmissionTranslation
  ) -> (String, [(name: String, action: String)]) {
    var text = header
    var policies: [(name: String, action: String)] = []
    let severities = Set(translation.validations.map { $0.severity ?? description.severity })
    for severity in Severity.allCases.reversed() where severities.contains(severity) {
      let name =
        "kubeward-\(description.id)" + (severity == description.severity ? "" : "-\(severity)")
      let validations = translation.validations.filter {
        ($0.severity ?? description.severity) == severity
      }
      policies.append((name, action(severity)))
      text += policy(name, description, translation, validations, severity: severity)
      text += "---\n"
      text += binding(name, description, translation, severity: severity)
      text += "---\n"
    }
    if !translation.params.isEmpty {
      text += "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
      text += "  name: kubeward-\(description.id)\n  namespace: \(namespace)\ndata:\n"
      for name in translation.params {
        let option = description.options.first { $0.name == name }!
        text += "  \(name): \(quoted(optionText(option.defaultValue)))\n"
      }
    } else {
      text.removeLast(4)  // the last "---\n"
    }
    return (text, policies)
  }

  private static func policy(
    _ name: String, _ description: PolicyDescription, _ translation: AdmissionTranslation,
    _ validations: [AdmissionTranslation.Validation], severity: Severity
  ) -> String {
    var text = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata:
        name: \(name)
        labels:
          app.kubernetes.io/part-of: kubeward
        annotations:
          kubeward.dev/policy: \(description.id)
          kubeward.dev/title: \(quoted(description.title))
      spec:
        # An expression that fails on an object it was not written for admits the object: the
        # policy reports what it knows, never a guess.
        failurePolicy: Ignore

      """
    if !translation.params.isEmpty {
      text += "  paramKind:\n    apiVersion: v1\n    kind: ConfigMap\n"
    }
    text += "  matchConstraints:\n    resourceRules:\n"
    for group in translation.resources {
      for rule in resourceRules[group] ?? [] {
        text += "      - apiGroups: [\(quoted(rule.group))]\n"
        text += "        apiVersions: [\(rule.version)]\n"
        text += "        operations: [CREATE, UPDATE]\n"
        text += "        resources: [\(rule.resources.joined(separator: ", "))]\n"
      }
    }
    let annotation = "'ignore.kubeward.dev/\(description.id)'"
    var conditions = [
      "  matchConditions:",
      "    # kubeward's suppression annotation, on the object or its pod template, as in",
      "    # kubeward lint.",
      "    - name: not-suppressed",
      "      expression: >-",
      "        !(has(object.metadata.annotations) && \(annotation) in object.metadata.annotations)",
    ]
    if translation.resources.contains("pods") {
      conditions += [
        "        && !(has(object.spec) && has(object.spec.template) &&",
        "        has(object.spec.template.metadata) && has(object.spec.template.metadata.annotations)",
        "        && \(annotation) in object.spec.template.metadata.annotations)",
        "        && !(has(object.spec) && has(object.spec.jobTemplate) &&",
        "        has(object.spec.jobTemplate.spec.template.metadata) &&",
        "        has(object.spec.jobTemplate.spec.template.metadata.annotations) &&",
        "        \(annotation) in object.spec.jobTemplate.spec.template.metadata.annotations)",
        "    # Pods, ReplicaSets and Jobs that the controller manager creates were checked as",
        "    # their controller's template (an owner reference alone is the requester's word).",
        "    - name: not-made-by-a-controller",
        "      expression: >-",
        "        !(request.userInfo.username == 'system:kube-controller-manager' ||",
        "        request.userInfo.username.startsWith('system:serviceaccount:kube-system:')) ||",
        "        !has(object.metadata.ownerReferences) ||",
        "        !object.metadata.ownerReferences.exists(o, has(o.controller) && o.controller &&",
        "        o.kind in ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob',",
        "        'ReplicationController'])",
      ]
    }
    conditions += [
      "    # An object being deleted only loses its finalizers.",
      "    - name: not-being-deleted",
      "      expression: \"!has(object.metadata.deletionTimestamp)\"",
    ]
    text += conditions.joined(separator: "\n") + "\n"
    let used = variablesUsed(by: translation, validations)
    if !used.isEmpty {
      text += "  variables:\n"
      for (name, expression) in used {
        text += "    - name: \(name)\n      expression: \(block(expression, indent: 8))"
      }
    }
    text += "  validations:\n"
    for validation in validations {
      text += "    - expression: \(block(validation.expression, indent: 8))"
      text += "      messageExpression: \(block(validation.messageExpression, indent: 8))"
    }
    return text
  }

  /// The standard variables the policy's expressions use (and those they use), then its own.
  private static func variablesUsed(
    by translation: AdmissionTranslation, _ validations: [AdmissionTranslation.Validation]
  ) -> [(name: String, expression: String)] {
    var texts =
      translation.variables.map(\.expression)
      + validations.flatMap { [$0.expression, $0.messageExpression] }
    var needed: Set<String> = []
    // Standard variables only refer to earlier ones: walking them backwards finds every
    // dependency in one pass.
    for (name, expression) in standardVariables.reversed()
    where texts.contains(where: { $0.contains("variables.\(name)") }) {
      needed.insert(name)
      texts.append(expression)
    }
    let own = translation.variables.filter { variable in
      validations.contains { validation in
        (validation.expression + validation.messageExpression).contains(
          "variables.\(variable.name)")
      } || translation.variables.contains { $0.expression.contains("variables.\(variable.name)") }
    }
    return standardVariables.filter { needed.contains($0.name) } + own
  }

  private static func binding(
    _ name: String, _ description: PolicyDescription, _ translation: AdmissionTranslation,
    severity: Severity
  ) -> String {
    var text = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicyBinding
      metadata:
        name: \(name)
        labels:
          app.kubernetes.io/part-of: kubeward
      spec:
        policyName: \(name)
        validationActions: [\(action(severity))]

      """
    if !translation.params.isEmpty {
      text += """
          paramRef:
            name: kubeward-\(description.id)
            namespace: \(namespace)
            parameterNotFoundAction: Deny

        """
    }
    text += """
        matchResources:
          namespaceSelector:
            matchExpressions:
              - key: kubernetes.io/metadata.name
                operator: NotIn
                values: [kube-system, kube-node-lease]
              - key: \(exemptionLabel)
                operator: NotIn
                values: [disabled]

      """
    return text
  }

  private static func kustomization(_ files: [File]) -> String {
    var text = header
    text += "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
    for file in files where file.name.hasSuffix(".yaml") {
      text += "  - \(file.name)\n"
    }
    return text
  }

  private static func readme(_ result: Result) -> String {
    var text = """
      # kubeward's policies as ValidatingAdmissionPolicies

      Generated by `kubeward export vap`; do not edit. Install with `kubectl apply -k .`
      (Kubernetes 1.30 or later). Each policy is bound with the action of its severity: Deny for
      errors, Warn for warnings, Audit for information. Exempt a namespace with the label
      `\(exemptionLabel)=disabled`.

      | policy | ValidatingAdmissionPolicy | action |
      |---|---|---|

      """
    for (id, policies) in result.exported {
      for policy in policies {
        text += "| `\(id)` | `\(policy.name)` | \(policy.action) |\n"
      }
    }
    text += """

      Per-object policies not exported:

      | policy | why |
      |---|---|

      """
    for (id, reason) in result.notExported {
      text += "| `\(id)` | \(reason) |\n"
    }
    text += """

      Cross-object policies (a Service that selects nothing, a missing PodDisruptionBudget) need
      the whole set of manifests and run in `kubeward lint` only.

      """
    return text
  }

  // MARK: YAML

  /// `|-` and the text indented, for CEL (which may hold any character YAML would read).
  static func block(_ text: String, indent: Int) -> String {
    let pad = String(repeating: " ", count: indent)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return "|-\n" + lines.map { $0.isEmpty ? "\n" : pad + $0 + "\n" }.joined()
  }

  /// A YAML double-quoted string: JSON's string syntax is YAML's, and the JSON writer escapes
  /// every control character (C1 and the Unicode line separators included).
  static func quoted(_ text: String) -> String {
    let sink = MemoryOutput()
    var writer = JSONWriter(lineDepth: 0, to: sink)
    writer.string(text)
    writer.finish()
    return String(decoding: sink.bytes.dropLast(), as: UTF8.self)  // less `finish`'s newline
  }

  /// An option's value as ConfigMap data: lists comma-separated.
  static func optionText(_ value: OptionValue) -> String {
    switch value {
    case .strings(let list): list.joined(separator: ",")
    default: "\(value)"
    }
  }
}
