import KubewardYAML
import Testing

@testable import KubewardAdmission

/// `QuantityText` against k8s.io/apimachinery's own tables (`pkg/api/resource/quantity_test.go`)
/// and the admission object built with it.
struct QuantityTextTests {
  /// `TestQuantityString`'s canonical texts, each with the alternate spelling that parses to
  /// it: a canonical text is kept as written, another is rewritten.
  @Test func textsAreWrittenAsTheAPIServerWritesThem() {
    let table: [(canonical: String, alternate: String?)] = [
      ("1Gi", "1024Mi"), ("300Mi", "307200Ki"), ("6Ki", nil), ("1001Gi", "1025024Mi"),
      ("1Ti", "1024Gi"), ("5", "5000m"), ("500m", "0.5"), ("1G", "1000M"), ("1G", "0.001T"),
      ("1m", "1000u"), ("80m", nil), ("1080m", "1.08"), ("1080m", "1080000000n"),
      ("300M", nil), ("1T", nil), ("1234567M", nil), ("1234567m", nil), ("3k", nil),
      ("1025", nil), ("0", "00"), ("1e9", ".001e12"), ("1e-3", "0.001e0"),
      ("1e-9", "1000e-12"), ("80e-3", nil), ("300e6", nil), ("1e12", nil), ("1e3", nil),
      ("3e3", nil), ("1n", nil), ("80n", nil), ("1080n", nil), ("1u", nil), ("80u", nil),
      ("1080u", nil),
    ]
    for (canonical, alternate) in table {
      #expect(QuantityText.canonical(canonical) == canonical, "\(canonical)")
      if let alternate {
        #expect(QuantityText.canonical(alternate) == canonical, "\(alternate)")
      }
      if canonical != "0" {
        #expect(QuantityText.canonical("-" + canonical) == "-" + canonical)
      }
    }
  }

  /// `TestQuantityParseEmit`, signed both ways: binary values round up to nano units.
  @Test func binaryValuesBelowOneAreDecimalAndRoundUp() {
    let table = [
      ("1Ki", "1Ki"), ("1Mi", "1Mi"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1000M", "1G"),
      (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000001Ki", "1024n"),
      (".000000000001Ki", "2n"),
    ]
    for (written, canonical) in table {
      #expect(QuantityText.canonical(written) == canonical, "\(written)")
      #expect(QuantityText.canonical("-" + written) == "-" + canonical, "-\(written)")
    }
  }

  /// `ParseQuantity`'s fast path keeps a text it deems canonical, quirks and all; white space
  /// is trimmed (`TestJSONWhitespace`); what does not parse is `nil` (the API server rejects
  /// the object).
  @Test func keptTextsTrimmedTextsAndRejectedOnes() {
    #expect(QuantityText.canonical("1.500") == "1.500")
    #expect(QuantityText.canonical("0100Mi") == "0100Mi")
    #expect(QuantityText.canonical("+1") == "+1")
    #expect(QuantityText.canonical("1.G") == "1.G")
    // 10²¹ has no SI suffix, and Go writes none.
    #expect(QuantityText.canonical("1000E") == "1")
    // The largest binary value is 2⁶³ − 1.
    #expect(QuantityText.canonical("8Ei") == "9223372036854775807")
    #expect(QuantityText.canonical(" 1") == "1")
    #expect(QuantityText.canonical("1 ") == "1")
    #expect(QuantityText.canonical("-0") == "0")
    // Deliberately narrower than Go, which takes these: a hostile length or exponent is no
    // quantity, never copied nor parsed, and an exponent past 64 bits does not trap.
    let hostile = [
      String(repeating: "9", count: 200), String(repeating: " ", count: 100_000) + "1",
      "1e10001", "1e-9223372036854775808", "1e99999999999999999999",
    ]
    // Without a digit, the slow path's reading of the number fails (`.` and `Ki` take the
    // fast one, as zero); a control character is a JSON escape, no white space.
    let rejectedByGo = ["Pi", "Ei", "e-10", "+E-18", "1\n", "\t1", "1\r", "1\u{2028}"]
    #expect(QuantityText.canonical(".") == "0")
    #expect(QuantityText.canonical("Ki") == "0")
    // Unicode spaces that JSON does not escape are trimmed.
    #expect(QuantityText.canonical("\u{A0}1") == "1")
    #expect(QuantityText.canonical("1\u{85}") == "1")
    #expect(QuantityText.canonical("\u{3000}2Gi ") == "2Gi")
    for rejected in ["", "abc", "1Kb", "1e", "1.2.3", "--1"] + hostile + rejectedByGo {
      #expect(QuantityText.canonical(rejected) == nil, "\(rejected)")
    }
  }

  /// The short cut for texts kept as written says what the parse says, about every whole
  /// number up to 2 100 with every suffix, and around the limits of each.
  @Test func theShortCutAgreesWithTheParse() {
    let suffixes = [
      "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    ]
    var numbers = Array(0...2_100).map(String.init)
    numbers += ["01", "999999999999999", "1000000000000000", "9999999999999999", "12000", "-5"]
    for number in numbers {
      for suffix in suffixes {
        let text = number + suffix
        #expect(QuantityText.canonical(text) == QuantityText.parsedCanonical(text), "\(text)")
      }
    }
    #expect(QuantityText.canonical("1023Ki") == "1023Ki")
    #expect(QuantityText.canonical("1024Ki") == "1Mi")
    #expect(QuantityText.canonical("7Ei") == "7Ei")
    #expect(QuantityText.canonical("12000k") == "12M")
  }

  /// A `ResourceList`'s quantities are rounded up to milli units (`SetDefaults_ResourceList`),
  /// which drops a kept text finer than that; others keep nano units.
  @Test func resourceListsRoundUpToMilliUnits() {
    let table = [
      ("100u", "1m"), ("1n", "1m"), ("1500u", "2m"), ("0.0001", "1m"), ("1.0001", "1001m"),
      ("1000u", "1m"), ("2m", "2m"), ("1.5", "1500m"), ("1Gi", "1Gi"), (".000001Ki", "2m"),
      ("0", "0"), ("1e-7", "1e-3"), ("100e-6", "1e-3"), ("1k", "1k"), ("-100u", "-1m"),
      ("-1.0001", "-1001m"),
    ]
    for (written, canonical) in table {
      #expect(QuantityText.canonical(written, rounding: .milli) == canonical, "\(written)")
    }
    #expect(QuantityText.canonical("100u") == "100u")
    for suffix in ["", "n", "u", "m", "k", "Ki", "Mi"] {
      for number in [1, 7, 100, 999, 1_000, 1_500] {
        let text = "\(number)\(suffix)"
        #expect(
          QuantityText.canonical(text, rounding: .milli)
            == QuantityText.parsedCanonical(text, rounding: .milli), "\(text)")
      }
    }
  }

  /// What Go's `encoding/json` writes for a float64, as kubectl sends `cpu: 0.5`.
  @Test func numbersAreWrittenAsGoWritesJSON() {
    let table: [(Double, String)] = [
      (0.5, "0.5"), (1000, "1000"), (1.5, "1.5"), (0.000001, "0.000001"), (1e-7, "1e-7"),
      (1.5e-7, "1.5e-7"), (1e21, "1e+21"), (2.5e22, "2.5e+22"), (-0.25, "-0.25"),
      (123456789012345680000, "123456789012345680000"), (0.1, "0.1"),
    ]
    for (number, text) in table {
      #expect(QuantityText.goJSONText(of: number) == text, "\(number)")
    }
  }

  /// The API server decodes a manifest's quantities and sends their canonical texts: a plain
  /// number is a string, `1024Mi` is `1Gi`, and a Pod's requests taken from its limits are
  /// written so too.
  @Test func objectsHoldTheirQuantitiesCanonicalText() throws {
    let container = """
      - name: c
        image: nginx:1
        resources: {limits: {cpu: 1, memory: 1024Mi}, requests: {cpu: 0.5}}
      - {name: d, image: nginx:1, resources: {requests: {cpu: 100u, memory: 2048Ki}}}
      """
    let pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
      + container.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
      + "\n  overhead: {cpu: 250m, memory: 0.5Gi}"
      + "\n  volumes: [{name: v, emptyDir: {sizeLimit: 2048Mi}}, {name: w, emptyDir: {}},"
      + " {name: e, ephemeral: {volumeClaimTemplate: {spec: {resources: {requests: {storage: 0.5Gi}}}}}}]"
      + "\n  resources: {limits: {memory: null}}"
    let deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n"
      + "    spec:\n      containers:\n"
      + container.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
    let claim = """
      apiVersion: v1
      kind: PersistentVolumeClaim
      metadata: {name: c}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10240Mi}, limits: {}}}
      """
    let limitRange = """
      apiVersion: v1
      kind: LimitRange
      metadata: {name: l}
      spec:
        limits:
          - {type: Container, max: {cpu: 2000m}, min: {cpu: 1m, memory: 1Ki}, defaultRequest: {memory: 1e3}}
          - {type: Pod, max: {cpu: 4}}
      """
    let quota = """
      apiVersion: v1
      kind: ResourceQuota
      metadata: {name: q}
      spec: {hard: {requests.cpu: 10, limits.memory: 1048576Ki}}
      """
    let statefulSet = """
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: s}
      spec:
        template: {spec: {containers: [{name: c, image: nginx:1}]}}
        volumeClaimTemplates: [{metadata: {name: data}, spec: {resources: {requests: {storage: 1.5Gi}}}}]
      """
    let volume = """
      apiVersion: v1
      kind: PersistentVolume
      metadata: {name: v}
      spec: {capacity: {storage: 0.5Ti}, hostPath: {path: /data}, volumeAttributesClassName: ""}
      """
    let pods = #"[""]|pods"#
    let podResources = "object.spec.containers[0].resources"
    let template = "object.spec.template.spec.containers[0].resources"
    try expectEachHolds([
      (pod, "\(podResources).limits == {'cpu': '1', 'memory': '1Gi'}", pods),
      (pod, "\(podResources).requests == {'cpu': '500m', 'memory': '1Gi'}", pods),
      (pod, "quantity(\(podResources).limits.cpu).isInteger()", pods),
      (
        pod, "object.spec.containers[1].resources.requests == {'cpu': '1m', 'memory': '2Mi'}",
        pods
      ),
      (pod, "object.spec.overhead == {'cpu': '250m', 'memory': '512Mi'}", pods),
      (pod, "object.spec.volumes[0].emptyDir.sizeLimit == '2Gi'", pods),
      (
        pod,
        "object.spec.volumes[2].ephemeral.volumeClaimTemplate.spec.resources.requests.storage == '512Mi'",
        pods
      ),
      // A null quantity decodes as zero.
      (pod, "object.spec.resources.limits.memory == '0'", pods),
      (
        deployment,
        "\(template) == {'limits': {'cpu': '1', 'memory': '1Gi'}, 'requests': {'cpu': '500m'}}",
        #"["apps"]|deployments"#
      ),
      (claim, "object.spec.resources.requests.storage == '10Gi'", #"[""]|persistentvolumeclaims"#),
      (claim, "object.spec.volumeMode == 'Filesystem'", #"[""]|persistentvolumeclaims"#),
      (claim, "!has(object.spec.resources.limits)", #"[""]|persistentvolumeclaims"#),
      (volume, "object.spec.capacity.storage == '512Gi'", #"[""]|persistentvolumes"#),
      (
        volume,
        "object.spec.persistentVolumeReclaimPolicy == 'Retain' && object.spec.volumeMode == 'Filesystem'",
        #"[""]|persistentvolumes"#
      ),
      // A pointer: written empty, it is kept.
      (volume, "object.spec.volumeAttributesClassName == ''", #"[""]|persistentvolumes"#),
      (limitRange, "object.spec.limits[0].max.cpu == '2'", #"[""]|limitranges"#),
      (limitRange, "object.spec.limits[0].defaultRequest.memory == '1k'", #"[""]|limitranges"#),
      // `SetDefaults_LimitRangeItem`, for containers only.
      (limitRange, "object.spec.limits[0].default == {'cpu': '2'}", #"[""]|limitranges"#),
      (
        limitRange, "object.spec.limits[0].defaultRequest == {'memory': '1k', 'cpu': '2'}",
        #"[""]|limitranges"#
      ),
      (limitRange, "!has(object.spec.limits[1].default)", #"[""]|limitranges"#),
      (
        quota, "object.spec.hard == {'requests.cpu': '10', 'limits.memory': '1Gi'}",
        #"[""]|resourcequotas"#
      ),
      (
        statefulSet,
        "object.spec.volumeClaimTemplates[0].spec.resources.requests.storage == '1536Mi'",
        #"["apps"]|statefulsets"#
      ),
    ])
  }

  /// `SetDefaults_HorizontalPodAutoscaler`: `minReplicas` in both versions; in autoscaling/v2,
  /// 80 % of CPU without metrics, the scaling rules a written `behavior` leaves out, and
  /// metric targets as quantities.
  @Test func autoscalersGetTheirDefaults() throws {
    let bare = """
      apiVersion: autoscaling/v2
      kind: HorizontalPodAutoscaler
      metadata: {name: h}
      spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5}
      """
    let written = """
      apiVersion: autoscaling/v2
      kind: HorizontalPodAutoscaler
      metadata: {name: h}
      spec:
        scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
        minReplicas: 2
        maxReplicas: 5
        metrics: [{type: Pods, pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: 1000m}}}]
        behavior: {scaleDown: {stabilizationWindowSeconds: 60}}
      """
    let version1 = """
      apiVersion: autoscaling/v1
      kind: HorizontalPodAutoscaler
      metadata: {name: h}
      spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5}
      """
    let resource = #"["autoscaling"]|horizontalpodautoscalers"#
    // Field by field: a CEL map literal's values have one type.
    let cpu = """
      object.spec.metrics.size() == 1 && object.spec.metrics[0].type == 'Resource' \
      && object.spec.metrics[0].resource.name == 'cpu' \
      && object.spec.metrics[0].resource.target.type == 'Utilization' \
      && object.spec.metrics[0].resource.target.averageUtilization == 80
      """
    func rules(_ name: String) -> String {
      """
      object.spec.behavior.\(name).selectPolicy == 'Max' \
      && object.spec.behavior.\(name).policies.map(p, p.type + ' ' + string(p.value) + ' ' + string(p.periodSeconds))
      """
    }
    let scaleUp = """
      \(rules("scaleUp")) == ['Pods 4 15', 'Percent 100 15'] \
      && object.spec.behavior.scaleUp.stabilizationWindowSeconds == 0
      """
    let scaleDown = """
      \(rules("scaleDown")) == ['Percent 100 15'] \
      && object.spec.behavior.scaleDown.stabilizationWindowSeconds == 60
      """
    try expectEachHolds([
      (bare, "object.spec.minReplicas == 1", resource),
      (bare, cpu, resource),
      (bare, "!has(object.spec.behavior)", resource),
      (written, "object.spec.minReplicas == 2", resource),
      (written, "object.spec.metrics[0].pods.target.averageValue == '1'", resource),
      (written, scaleUp, resource),
      (written, scaleDown, resource),
      (version1, "object.spec.minReplicas == 1", resource),
      (version1, "!has(object.spec.metrics)", resource),
    ])
  }

  /// A value the API server would reject is left as written, and a custom resource's
  /// quantities are its own.
  @Test func rejectedValuesAndCustomResourcesStayAsWritten() throws {
    let pod = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec: {containers: [{name: c, image: nginx:1, resources: {limits: {cpu: lots}}}]}
      """
    let custom = """
      apiVersion: example.com/v1
      kind: Widget
      metadata: {name: w}
      spec: {resources: {limits: {memory: 1024Mi}}}
      """
    try expectEachHolds([
      (pod, "object.spec.containers[0].resources.limits.cpu == 'lots'", #"[""]|pods"#),
      (custom, "object.spec.resources.limits.memory == '1024Mi'", #"["example.com"]|widgets"#),
    ])
  }
}
