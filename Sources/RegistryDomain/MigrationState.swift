import Foundation

/// What `db status` shows for one migration.
public struct MigrationState: Sendable, Equatable, Codable {
  /// The number `NNNN`.
  public let version: Int
  /// The migration's name.
  public let name: String
  /// `applied`, `pending`, `changed` (applied, but the file differs) or `missing` (applied, no file).
  public let state: String
  /// SHA-256 of the file as applied, hex.
  public let checksum: String?
  /// When it was applied.
  public let appliedAt: Date?
  /// The role that applied it.
  public let appliedBy: String?

  /// Creates the state of one migration.
  public init(
    version: Int, name: String, state: String, checksum: String?, appliedAt: Date?,
    appliedBy: String?
  ) {
    self.version = version
    self.name = name
    self.state = state
    self.checksum = checksum
    self.appliedAt = appliedAt
    self.appliedBy = appliedBy
  }

  enum CodingKeys: String, CodingKey {
    case version, name, state, checksum
    case appliedAt = "applied_at"
    case appliedBy = "applied_by"
  }
}
