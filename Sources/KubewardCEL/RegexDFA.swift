#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whether a pattern matches a text, by a deterministic automaton built while texts are read
/// (RE2's lazy DFA). A state is the set of instructions the Pike VM holds at a position; each
/// is worked out once, then looked up for every character, where the VM steps each thread of
/// the set again at every character of every text (a name pattern ending `{0,62}$` holds
/// sixty threads, and `matches` on a short name cost 20 000 instructions).
///
/// Only for `matches` (a yes or a no: no match positions, no priorities), only for patterns
/// whose assertions are `^` and `$` at the text's ends (`\b` and `(?m)` depend on the
/// characters around a position: those patterns stay on the VM), and only for ASCII text
/// (names, images, hosts: a text with another character is searched by the VM). Bounded: at
/// most `maximumStates` states and `maximumBytes` per pattern, and `memoryLimit` bytes in
/// all; an automaton that would need more gives up for good (as RE2's does), and the VM
/// answers from then on. Shared between threads: a search takes the lock without waiting,
/// and one that finds it taken asks the VM.
final class LazyDFA: @unchecked Sendable {
  private let program: [Instruction]
  /// Allocated: a mutex must not move, and a class's stored property is not promised to
  /// stay where `&` found it.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  /// The state at the text's first position; -1 until made.
  @exclusivity(unchecked) private var start: Int32 = -1
  /// Set when a limit was reached: the VM answers every search from then on.
  @exclusivity(unchecked) private var gaveUp = false
  // Unchecked exclusivity: the lock orders every access, and the run-time checks of a
  // class's properties cost more than the lookups they guard.
  /// Per state: its instructions, sorted (a `$` that has not yet held is one of them).
  @exclusivity(unchecked) private var sets: [[Int32]] = []
  /// Per state: whether it holds `match`.
  @exclusivity(unchecked) private var accepting: [Bool] = []
  /// Per state: whether it matches when the text ends there (a `$` of it then holds), as
  /// 1 or 0; -1 when not yet known. For a position past the text's first.
  @exclusivity(unchecked) private var acceptingAtEnd: [Int8] = []
  /// Per state, 128 entries: the next state on an ASCII character; -1 when not yet known.
  @exclusivity(unchecked) private var transitions: [Int32] = []
  @exclusivity(unchecked) private var states: [[Int32]: Int32] = [:]
  @exclusivity(unchecked) private var bytes = 0

  static let maximumStates = 256
  static let maximumProgram = 2_048
  /// What one automaton may hold: a few patterns cannot take all of `memoryLimit`.
  static let maximumBytes = 1 << 20
  /// What all automata of a process may hold (patterns come from hostile policies).
  static let memoryLimit = 32 << 20
  nonisolated(unsafe) private static var memoryUsed = 0
  nonisolated(unsafe) private static let memoryMutex: UnsafeMutablePointer<pthread_mutex_t> = {
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    return mutex
  }()

  /// An automaton for `program`, or `nil` when the VM must run it.
  static func make(_ program: [Instruction]) -> LazyDFA? {
    guard program.count <= maximumProgram else { return nil }
    for instruction in program {
      if case .assertion(let kind) = instruction, kind != .beginText, kind != .endText {
        return nil
      }
    }
    return LazyDFA(program)
  }

  private init(_ program: [Instruction]) {
    self.program = program
    mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    _ = Self.reserve(-bytes)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  private static func reserve(_ amount: Int) -> Bool {
    pthread_mutex_lock(memoryMutex)
    defer { pthread_mutex_unlock(memoryMutex) }
    guard amount <= 0 || memoryUsed + amount <= memoryLimit else { return false }
    memoryUsed += amount
    return true
  }

  /// How many states it has made (for tests).
  var stateCount: Int {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return sets.count
  }

  /// Whether it gave up (see `gaveUp`), for tests.
  var isRetired: Bool {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return gaveUp
  }

  /// Whether the pattern matches anywhere in `text`; `nil` when the VM must answer.
  func matches(_ text: String) -> Bool? {
    guard pthread_mutex_trylock(mutex) == 0 else { return nil }
    defer { pthread_mutex_unlock(mutex) }
    guard !gaveUp else { return nil }
    if start < 0 {
      guard let made = state(closure([0], atBeginning: true, atEnd: false)) else { return nil }
      start = made
    }
    var state = start
    var atBeginning = true
    for scalar in text.unicodeScalars {
      if accepting[Int(state)] { return true }
      // Empty: nothing is alive, and the restart at each position adds nothing either.
      if sets[Int(state)].isEmpty { return false }
      // Beyond ASCII, each character would be a step of the VM's size, uncached.
      guard scalar.value < 128 else { return nil }
      let slot = Int(state) * 128 + Int(scalar.value)
      if transitions[slot] < 0 {
        guard let made = self.state(step(state, scalar)) else { return nil }
        transitions[slot] = made
      }
      state = transitions[slot]
      atBeginning = false
    }
    if accepting[Int(state)] { return true }
    if atBeginning { return matchesAtEnd(state, atBeginning: true) }
    if acceptingAtEnd[Int(state)] < 0 {
      acceptingAtEnd[Int(state)] = matchesAtEnd(state, atBeginning: false) ? 1 : 0
    }
    return acceptingAtEnd[Int(state)] == 1
  }

  /// Whether `state` matches at the text's end, where its `$`s hold and what follows them
  /// may reach `match`.
  private func matchesAtEnd(_ state: Int32, atBeginning: Bool) -> Bool {
    var pending: [Int32] = []
    for pc in sets[Int(state)] {
      if case .assertion(.endText) = program[Int(pc)] { pending.append(pc + 1) }
    }
    guard !pending.isEmpty else { return false }
    return closure(pending, atBeginning: atBeginning, atEnd: true).contains {
      if case .match = program[Int($0)] { return true }
      return false
    }
  }

  /// The instructions that read `scalar` from `state`'s, followed, and the restart of the
  /// search at the next position (a match may begin anywhere).
  private func step(_ state: Int32, _ scalar: Unicode.Scalar) -> [Int32] {
    var seeds: [Int32] = []
    for pc in sets[Int(state)] {
      if case .character(let matcher) = program[Int(pc)], matcher.matches(scalar) {
        seeds.append(pc + 1)
      }
    }
    seeds.append(0)
    return closure(seeds, atBeginning: false, atEnd: false)
  }

  /// What `seeds` reach without reading a character: the instructions that read one, `match`,
  /// and each `$` that does not hold (`atEnd` false), sorted.
  private func closure(_ seeds: [Int32], atBeginning: Bool, atEnd: Bool) -> [Int32] {
    var seen = [Bool](repeating: false, count: program.count + 1)
    var stack = seeds
    var members: [Int32] = []
    while let pc = stack.popLast() {
      guard Int(pc) < program.count, !seen[Int(pc)] else { continue }
      seen[Int(pc)] = true
      switch program[Int(pc)] {
      case .jump(let target): stack.append(Int32(target))
      case .split(let first, let second):
        stack.append(Int32(second))
        stack.append(Int32(first))
      case .assertion(.beginText):
        if atBeginning { stack.append(pc + 1) }
      case .assertion(.endText):
        if atEnd { stack.append(pc + 1) } else { members.append(pc) }
      case .assertion:
        // Not in a program `make` accepts.
        continue
      case .character, .match:
        members.append(pc)
      }
    }
    members.sort()
    return members
  }

  /// The state of `set`, made when new; `nil` past the limits, which retires the automaton.
  private func state(_ set: [Int32]) -> Int32? {
    if let known = states[set] { return known }
    let size = 128 * 4 + set.count * 8 + 64
    guard sets.count < Self.maximumStates, bytes + size <= Self.maximumBytes, Self.reserve(size)
    else {
      gaveUp = true
      return nil
    }
    bytes += size
    let made = Int32(sets.count)
    sets.append(set)
    accepting.append(
      set.contains {
        if case .match = program[Int($0)] { return true }
        return false
      })
    acceptingAtEnd.append(-1)
    transitions.append(contentsOf: repeatElement(-1, count: 128))
    states[set] = made
    return made
  }
}
