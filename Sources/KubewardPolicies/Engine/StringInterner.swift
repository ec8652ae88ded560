import KubewardModel

/// Keeps one copy of each string a worker stores in facts. Facts outlive their file (the
/// cross-object pass needs them at the end of the run), and the same label keys and values,
/// namespaces and names recur across thousands of manifests: without this, every fact would
/// hold its own heap copy of `app.kubernetes.io/name`, and memory would grow with the corpus.
struct StringInterner {
  private var strings: Set<String> = []
  /// Whole label sets: a workload's pod labels usually repeat its own labels, its selector and
  /// its Service's selector, and a dictionary costs hundreds of bytes however short its strings.
  private var labelSets: Set<Labels> = []
  private var compactLabelSets: Set<LabelSet> = []

  /// The shared copy of `string`. Strings of up to 15 UTF-8 bytes are stored inline by Swift
  /// and need no sharing.
  mutating func callAsFunction(_ string: String) -> String {
    guard string.utf8.count > 15 else { return string }
    return strings.insert(string).memberAfterInsert
  }

  mutating func callAsFunction(_ string: String?) -> String? {
    string.map { self($0) }
  }

  mutating func callAsFunction(_ labels: Labels) -> Labels {
    if labels.isEmpty { return [:] }
    if let shared = labelSets.firstIndex(of: labels) { return labelSets[shared] }
    var shared = Labels(minimumCapacity: labels.count)
    for (key, value) in labels { shared[self(key)] = self(value) }
    labelSets.insert(shared)
    return shared
  }

  /// `labels` as a shared, compact `LabelSet` (facts keep labels for the whole run).
  mutating func compact(_ labels: Labels) -> LabelSet {
    let set = LabelSet(labels)
    if let shared = compactLabelSets.firstIndex(of: set) { return compactLabelSets[shared] }
    let stored = set.mapStrings { self($0) }
    compactLabelSets.insert(stored)
    return stored
  }

  mutating func callAsFunction(_ reference: ObjectReference) -> ObjectReference {
    ObjectReference(
      apiVersion: self(reference.apiVersion), kind: self(reference.kind),
      namespace: self(reference.namespace), name: self(reference.name))
  }

  mutating func callAsFunction(_ selector: LabelSelector?) -> LabelSelector? {
    guard var selector else { return nil }
    selector.matchLabels = self(selector.matchLabels)
    return selector
  }
}

/// What one worker thread keeps from file to file: the read buffer and the interned strings.
struct WorkerScratch {
  var reader = FileReader()
  var strings = StringInterner()
}
