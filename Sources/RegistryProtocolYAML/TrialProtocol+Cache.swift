import Foundation
import RegistryDomain

extension TrialProtocol {
  /// The protocol of `yaml`, parsed at most once per process.
  ///
  /// Stored protocols are immutable (a new version is a new row), so every read of the same
  /// source text yields the same protocol; the first read validates it, later reads return the
  /// parsed value. Texts that do not validate are not remembered.
  public static func parsedOnce(yaml: String) throws(ProtocolValidationError) -> TrialProtocol {
    if let known = ParsedProtocols.shared.lookup(yaml) { return known }
    let trial = try TrialProtocol(yaml: yaml)
    ParsedProtocols.shared.remember(yaml, trial)
    return trial
  }
}

/// The process's parsed protocols by source text (a handful per registry).
private final class ParsedProtocols: @unchecked Sendable {
  static let shared = ParsedProtocols()
  private let lock = NSLock()
  private var bySource: [String: TrialProtocol] = [:]

  func lookup(_ source: String) -> TrialProtocol? {
    lock.withLock { bySource[source] }
  }

  func remember(_ source: String, _ trial: TrialProtocol) {
    lock.withLock { bySource[source] = trial }
  }
}
