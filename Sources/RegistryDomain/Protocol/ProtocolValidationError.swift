/// Every problem found in a protocol file, each as `keypath: message`
/// (`arms[1].ratio: must be a positive integer, got 0`).
///
/// Thrown by `TrialProtocol(yaml:)`. Problems are in file order, section by section; nothing
/// of a protocol with problems may be loaded (SPEC §3).
public struct ProtocolValidationError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The problems, each `keypath: message`; never empty.
  public let problems: [String]

  /// Creates the error from its problems.
  public init(problems: [String]) {
    self.problems = problems
  }

  /// One problem per line.
  public var description: String { problems.joined(separator: "\n") }

  /// The registry error the CLI prints (refused, exit 65), one detail line per problem.
  public var registryError: RegistryError {
    RegistryError.refused(
      "protocol_definition",
      problems.count == 1
        ? "the protocol file has 1 problem" : "the protocol file has \(problems.count) problems",
      details: problems)
  }
}
