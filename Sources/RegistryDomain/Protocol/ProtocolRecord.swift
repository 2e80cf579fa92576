import Foundation

/// A protocol version as the registry stores it: the validated model, its file and checksum.
public struct ProtocolRecord: Sendable {
  /// Database key.
  public let id: Int64
  /// The validated protocol.
  public let trial: TrialProtocol
  /// The YAML file as loaded.
  public let source: String
  /// The file's content as JSON, as stored beside it.
  public let definition: JSONValue
  /// SHA-256 of the file, hex.
  public let checksum: String
  /// When it was loaded.
  public let loadedAt: Date
  /// True when the reader may not see the randomization seed (every role but admin): then
  /// `source`, `definition` and `checksum` are those of the sealed file, whose seed is 0,
  /// and `trial`'s seed is 0 too.
  public let seedConcealed: Bool

  /// Creates a record.
  public init(
    id: Int64, trial: TrialProtocol, source: String, definition: JSONValue, checksum: String,
    loadedAt: Date, seedConcealed: Bool = false
  ) {
    self.seedConcealed = seedConcealed
    self.id = id
    self.trial = trial
    self.source = source
    self.definition = definition
    self.checksum = checksum
    self.loadedAt = loadedAt
  }
}

/// One line of `protocol list`.
public struct ProtocolSummary: Sendable, Codable, Equatable {
  /// Protocol code.
  public let code: String
  /// Version number.
  public let version: Int
  /// Title.
  public let title: String
  /// `sle` or `liver_failure`.
  public let condition: String
  /// SHA-256 of the file, hex.
  public let checksum: String
  /// When it was loaded.
  public let loadedAt: Date
  /// Patients enrolled under this version.
  public let enrolled: Int

  /// Creates a summary.
  public init(
    code: String, version: Int, title: String, condition: String, checksum: String,
    loadedAt: Date, enrolled: Int
  ) {
    self.code = code
    self.version = version
    self.title = title
    self.condition = condition
    self.checksum = checksum
    self.loadedAt = loadedAt
    self.enrolled = enrolled
  }

  enum CodingKeys: String, CodingKey {
    case code, version, title, condition, checksum, enrolled
    case loadedAt = "loaded_at"
  }
}

/// What `protocol load` did.
public enum ProtocolLoadOutcome: Sendable, Equatable {
  /// A new protocol version was stored.
  case loaded(code: String, version: Int)
  /// The same file was loaded before; nothing changed.
  case unchanged(code: String, version: Int)
}
