import KubewardReporters

/// One report a run writes: a format and where to (`nil` is standard output).
struct ReportRequest: Equatable, Codable {
  var format: ReportFormat
  var output: String?

  /// Pairs each `--format` with the `--output` that follows it, in the order they were given
  /// (argument parsers keep each option's values but not how the two options interleave).
  /// Without `--format`, one text report goes to `--output` or standard output.
  static func pairs(in arguments: [String]) throws(CommandError) -> [ReportRequest] {
    var requests: [ReportRequest] = []
    var looseOutput: String?
    var index = 0
    func value(_ option: String) throws(CommandError) -> String {
      let argument = arguments[index]
      if argument.hasPrefix(option + "=") { return String(argument.dropFirst(option.count + 1)) }
      guard index + 1 < arguments.count else { throw CommandError("\(option) needs a value") }
      index += 1
      return arguments[index]
    }
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "--" { break }
      if argument == "--format" || argument.hasPrefix("--format=") {
        let name = try value("--format")
        guard let format = ReportFormat(rawValue: name) else {
          throw CommandError(
            "unknown format \(name) (text, json, sarif, junit, github or markdown)")
        }
        requests.append(ReportRequest(format: format, output: nil))
      } else if argument == "--output" || argument.hasPrefix("--output=") {
        let path = try value("--output")
        if let last = requests.indices.last, requests[last].output == nil {
          requests[last].output = path
        } else if requests.isEmpty && looseOutput == nil {
          looseOutput = path
        } else {
          throw CommandError("--output \(path) follows no --format of its own")
        }
      }
      index += 1
    }
    if requests.isEmpty {
      requests = [ReportRequest(format: .text, output: looseOutput)]
    } else if let looseOutput {
      // `--output FILE --format sarif`: the output written first belongs to the first format.
      guard requests[0].output == nil else {
        throw CommandError("--output \(looseOutput) follows no --format of its own")
      }
      requests[0].output = looseOutput
    }
    if requests.filter({ $0.output == nil }).count > 1 {
      throw CommandError(
        "only one report can go to standard output; give the others --output FILE")
    }
    return requests
  }
}
