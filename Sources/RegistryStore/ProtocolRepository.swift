import Foundation
import PostgresClient
import RegistryDomain
import RegistryProtocolYAML

/// SQL for `registry.protocol` and `registry.protocol_arm`.
public struct ProtocolRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// SHA-256 (hex) of a text's UTF-8 bytes, computed by PostgreSQL's `sha256()`.
  public func checksum(of text: String) throws -> String {
    try store.mapped {
      try store.query("SELECT encode(sha256(convert_to(\(text), 'UTF8')), 'hex') AS h")
        .rows[0].decode("h")
    }
  }

  /// Checksum of the stored (code, version), or nil when it is not loaded.
  public func storedChecksum(code: String, version: Int) throws -> String? {
    try store.mapped {
      try store.query(
        "SELECT checksum FROM registry.protocol WHERE code = \(code) AND version = \(version)"
      ).rows.first?.decode("checksum")
    }
  }

  /// Stores a validated protocol version with its arms; returns its id.
  public func insert(_ trial: TrialProtocol, source: String, definitionJSON: String) throws
    -> Int64
  {
    try store.mapped {
      let id: Int64 = try store.query(
        """
        INSERT INTO registry.protocol
          (code, version, title, condition, study_id_prefix, definition, source, checksum)
        VALUES (\(trial.code), \(trial.version), \(trial.title), \(trial.condition.rawValue), \(trial.studyIDPrefix), \(PostgresJSON(definitionJSON))::jsonb, \(source), encode(sha256(convert_to(\(source), 'UTF8')), 'hex'))
        RETURNING id
        """
      ).rows[0].decode("id")
      for arm in trial.arms {
        try store.query(
          "INSERT INTO registry.protocol_arm (protocol_id, code, ratio, receives_msc) VALUES (\(id), \(arm.code), \(arm.ratio), \(arm.receivesMSC))"
        )
      }
      return id
    }
  }

  /// The study-ID prefix used by another protocol code, if any (prefixes belong to one code).
  public func codeUsingPrefix(_ prefix: String, except code: String) throws -> String? {
    try store.mapped {
      try store.query(
        "SELECT code FROM registry.protocol WHERE study_id_prefix = \(prefix) AND code <> \(code) LIMIT 1"
      ).rows.first?.decode("code")
    }
  }

  /// Whether this session may read the protocol files as loaded, seed included (admins and
  /// the DBA). Everyone else reads the sealed copies (`sealed_source`, `sealed_definition`,
  /// `sealed_checksum`), whose randomization seed is 0: allocation concealment.
  public func readsSeed() throws -> Bool {
    try store.mapped {
      try store.query(
        "SELECT has_column_privilege('registry.protocol', 'source', 'SELECT') AS ok"
      ).rows[0].decode("ok")
    }
  }

  /// The columns to read: the file as loaded, or its sealed copy.
  private func columns() throws -> (source: String, definition: String, checksum: String) {
    try readsSeed()
      ? ("source", "definition", "checksum")
      : ("sealed_source", "sealed_definition", "sealed_checksum")
  }

  /// Every protocol version with its enrollment count, by code and version (the checksum is
  /// that of the sealed file for roles that do not read the seed).
  public func summaries() throws -> [ProtocolSummary] {
    let c = try columns()
    return try store.mapped {
      try store.query(
        """
        SELECT p.code, p.version, p.title, p.condition, p.\(unescaped: c.checksum) AS checksum, p.loaded_at,
               (SELECT count(*) FROM registry.patient pt WHERE pt.protocol_id = p.id)::int AS enrolled
        FROM registry.protocol p ORDER BY p.code, p.version
        """
      ).rows.map { row in
        ProtocolSummary(
          code: try row.decode("code"), version: try row.decode("version"),
          title: try row.decode("title"), condition: try row.decode("condition"),
          checksum: try row.decode("checksum"), loadedAt: try row.decode("loaded_at"),
          enrolled: try row.decode("enrolled"))
      }
    }
  }

  /// A protocol by code: the given version, or the latest when `version` is nil.
  public func find(code: String, version: Int? = nil) throws -> ProtocolRecord? {
    let c = try columns()
    return try store.mapped {
      try store.query(
        """
        SELECT id, \(unescaped: c.source) AS source, \(unescaped: c.definition) AS definition,
               \(unescaped: c.checksum) AS checksum, loaded_at, \(c.source == "source")::boolean AS seed_readable
        FROM registry.protocol
        WHERE code = \(code) AND (\(version)::int IS NULL OR version = \(version))
        ORDER BY version DESC LIMIT 1
        """
      ).rows.first.map(Self.record)
    }
  }

  /// A protocol by its database id.
  public func find(id: Int64) throws -> ProtocolRecord? {
    let c = try columns()
    return try store.mapped {
      try store.query(
        """
        SELECT id, \(unescaped: c.source) AS source, \(unescaped: c.definition) AS definition,
               \(unescaped: c.checksum) AS checksum, loaded_at, \(c.source == "source")::boolean AS seed_readable
        FROM registry.protocol WHERE id = \(id)
        """
      ).rows.first.map(Self.record)
    }
  }

  static func record(_ row: PostgresRow) throws -> ProtocolRecord {
    let source: String = try row.decode("source")
    let trial: TrialProtocol
    do {
      trial = try TrialProtocol.parsedOnce(yaml: source)
    } catch {
      throw RegistryError(
        .internal, field: "protocol_definition", "a stored protocol no longer validates: \(error)")
    }
    return ProtocolRecord(
      id: try row.decode("id"), trial: trial, source: source,
      definition: try row.decode("definition", as: PostgresJSON.self).decode(JSONValue.self),
      checksum: try row.decode("checksum"),
      loadedAt: try row.decode("loaded_at"), seedConcealed: !(try row.decode("seed_readable")))
  }
}
