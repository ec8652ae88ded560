#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The mapping keys kubeward's model reads, recognised once while parsing.
///
/// The reader tags every mapping key whose text is one of these with its case, so the model
/// finds `spec` or `containers` by comparing one byte instead of comparing strings. Keys not
/// listed here are still stored and can be looked up by their text.
public enum Key: UInt8, CaseIterable, Sendable {
  // Object envelope and metadata.
  case apiVersion, kind, metadata, name, namespace, labels, annotations, spec, status, items
  // Workloads and pod templates.
  case template, jobTemplate, replicas, selector, matchLabels, matchExpressions, key
  case `operator`, values, serviceName
  case containers, initContainers, ephemeralContainers, restartPolicy
  case image, ports, containerPort, hostPort, `protocol`, command, args, strategy
  case livenessProbe, readinessProbe, startupProbe, exec, httpGet, tcpSocket, grpc
  case periodSeconds, timeoutSeconds, failureThreshold, successThreshold, initialDelaySeconds
  case resources, limits, requests, cpu, memory
  case ephemeralStorage
  case volumes, emptyDir, sizeLimit, hostPath, nfs, csi, flexVolume, persistentVolumeClaim
  case volumeMounts, readOnly, medium, volumeClaimTemplates, ephemeral, driver
  case securityContext, fsGroup, fsGroupChangePolicy, dnsPolicy, hostNetwork
  case imagePullSecrets, serviceAccountName, serviceAccount
  // Services.
  case type, clusterIP, port, targetPort, nodePort, externalTrafficPolicy, appProtocol
  case publishNotReadyAddresses
  // Ingress.
  case rules, host, http, paths, path, backend, service, number, servicePort
  case defaultBackend, tls, secretName, hosts, ingressClassName
  // Autoscaling, disruption budgets, limit ranges.
  case scaleTargetRef, minReplicas, maxReplicas, minAvailable, maxUnavailable
  case `default`, defaultRequest
  // Prometheus Operator monitors.
  case namespaceSelector, matchNames, any
  // Fields the API shapes check (see `APIShape`).
  case activeDeadlineSeconds, allocateLoadBalancerNodePorts, allowPrivilegeEscalation,
    automountServiceAccountToken, backoffLimit, completions, concurrencyPolicy, enableServiceLinks,
    env, externalName, failedJobsHistoryLimit, generateName, hostIP, hostIPC, hostPID,
    imagePullPolicy, loadBalancerIP, minReadySeconds, mountPath, nodeSelector, parallelism, paused,
    priorityClassName, privileged, progressDeadlineSeconds, readOnlyRootFilesystem,
    revisionHistoryLimit, runAsGroup, runAsNonRoot, runAsUser, schedule, scheme, sessionAffinity,
    startingDeadlineSeconds, stdin, subPath, successfulJobsHistoryLimit, suspend,
    terminationGracePeriodSeconds, ttlSecondsAfterFinished, tty, value, valueFrom, workingDir,
    resource

  // YAML's merge key.
  case merge

  /// The key as written in a manifest.
  public var text: String {
    switch self {
    case .ephemeralStorage: "ephemeral-storage"
    case .merge: "<<"
    default: String(describing: self)
    }
  }
}

/// Maps key bytes to a `Key` without allocating: open addressing over a hash of the bytes.
/// Its tables live for the whole process, in plain memory: the reader asks it about every
/// mapping key, and array accesses here cost more than the hashing.
struct KeyTable: @unchecked Sendable {
  static let shared = KeyTable()

  /// A `Key` raw value per slot, or -1.
  private let slots: UnsafeMutablePointer<Int16>
  /// Every key's text, one after the other: key `k` is `nameBytes[nameStart[k]..<nameStart[k+1]]`.
  private let nameBytes: UnsafeMutablePointer<UInt8>
  private let nameStart: UnsafeMutablePointer<Int>
  private let mask: Int

  private init() {
    let names = Key.allCases.map { Array($0.text.utf8) }
    var capacity = 1
    while capacity < names.count * 8 { capacity <<= 1 }
    mask = capacity - 1
    slots = .allocate(capacity: capacity)
    slots.initialize(repeating: -1, count: capacity)
    nameStart = .allocate(capacity: names.count + 1)
    nameBytes = .allocate(capacity: names.reduce(0) { $0 + $1.count })
    var offset = 0
    for (index, name) in names.enumerated() {
      nameStart[index] = offset
      (nameBytes + offset).initialize(from: name, count: name.count)
      offset += name.count
      var slot = name.withUnsafeBufferPointer { Self.slotHash($0) } & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int16(index)
    }
    nameStart[names.count] = offset
  }

  /// The table's own hash: the length and three bytes, no loop. It runs on every mapping key
  /// the reader sees, and the known keys differ enough there; collisions just probe on.
  @inline(__always)
  private static func slotHash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    let count = bytes.count
    let mixed =
      UInt32(truncatingIfNeeded: count) | UInt32(bytes[0]) << 8 | UInt32(bytes[count >> 1]) << 16
      | UInt32(bytes[count - 1]) << 24
    return Int((mixed &* 0x9E37_79B1) >> 20)
  }

  /// The raw value of the `Key` spelled by `bytes`, or -1.
  @inline(__always)
  func ordinal(of bytes: UnsafeBufferPointer<UInt8>) -> Int16 {
    if bytes.count > 32 || bytes.isEmpty { return -1 }
    var slot = Self.slotHash(bytes) & mask
    while true {
      let candidate = slots[slot]
      if candidate < 0 { return -1 }
      let start = nameStart[Int(candidate)]
      if nameStart[Int(candidate) + 1] - start == bytes.count
        && Self.equal(nameBytes + start, bytes.baseAddress!, bytes.count)
      {
        return candidate
      }
      slot = (slot + 1) & mask
    }
  }

  /// Compares short runs of bytes in place, without a call to `memcmp`.
  @inline(__always)
  private static func equal(
    _ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, _ count: Int
  ) -> Bool {
    var index = 0
    while index + 8 <= count {
      if UnsafeRawPointer(lhs + index).loadUnaligned(as: UInt64.self)
        != UnsafeRawPointer(rhs + index).loadUnaligned(as: UInt64.self)
      {
        return false
      }
      index += 8
    }
    while index < count {
      if lhs[index] != rhs[index] { return false }
      index += 1
    }
    return true
  }
}

@inline(__always)
package func memoryEqual(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>)
  -> Bool
{
  guard lhs.count == rhs.count else { return false }
  guard let left = lhs.baseAddress, let right = rhs.baseAddress else { return true }
  return memcmp(left, right, lhs.count) == 0
}
