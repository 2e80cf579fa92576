import Crypto
import Foundation
import RegistryDomain
import RegistryStore

/// Reads the audit trail.
public struct AuditService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Audit rows in order, from a date on (UTC) and about one study ID, lot or site code.
  ///
  /// A key with no audit row at all (whatever the date) names nothing the registry ever held
  /// or that the acting role may see: `.notFound` (exit 66), as for any unknown name.
  ///
  /// `afterID` and `limit` page through the rows (`GET /audit`): those after that id, at most
  /// `limit` (nil: all). An empty page after `afterID` is the end, not an unknown key.
  public func entries(
    since: CalendarDate? = nil, key: String? = nil, afterID: Int64? = nil, limit: Int? = nil
  ) throws -> [AuditEntry] {
    if let limit, limit < 1 {
      throw RegistryError.refused("limit", "must be 1 or more, got \(limit)")
    }
    let store = try database.open()
    return try store.read {
      let audit = AuditRepository(store)
      let rows = try audit.entries(since: since, rowKey: key, afterID: afterID, limit: limit)
      if let key, rows.isEmpty, afterID == nil,
        try audit.entries(since: nil, rowKey: key, limit: 1).isEmpty
      {
        throw RegistryError.notFound("key", "nothing in the audit trail about \(key)")
      }
      return rows
    }
  }

  /// Recomputes both audit chains in Swift (SHA-256 from swift-crypto) from the stored rows,
  /// in one snapshot, and lists every break of each; `anchors` (from `anchor()`, possibly
  /// older) must still lie on their chain.
  ///
  /// Fails closed: a role that cannot read every chain gets `.permissionDenied` (exit 77),
  /// never a partial "ok". Admins and monitors read the identity chain through
  /// `audit.identity_chain()` as per-field digests (no identifiers); the registry's owner
  /// (or a superuser) reads the values too, and each field digest is then recomputed.
  /// An anchor naming an unknown chain is `.refused`.
  public func verify(anchors: [AuditAnchor] = []) throws -> [AuditChainStatus] {
    for anchor in anchors where AuditChainName(rawValue: anchor.chain) == nil {
      throw RegistryError.refused(
        "anchor", "unknown chain \(anchor.chain) (audit.log or identity.audit_log)")
    }
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead) {
      let audit = AuditRepository(store)
      var access: [AuditChainName: AuditRepository.ChainAccess] = [:]
      for chain in AuditChainName.allCases {
        access[chain] = try audit.access(chain)
        if access[chain] == AuditRepository.ChainAccess.none {
          throw RegistryError(
            .permissionDenied, field: chain.rawValue,
            "this role cannot read the \(chain.rawValue) chain, so the audit trail cannot be "
              + "verified; run `audit verify` as a monitor or an admin")
        }
      }
      return try AuditChainName.allCases.map { chain in
        AuditChainVerifier.verify(
          chain: chain, rows: try audit.chainRows(chain, access: access[chain] ?? .none),
          entries: try audit.chainEntries(chain),
          anchors: anchors.filter { $0.chain == chain.rawValue }, sha256: Self.sha256)
      }
    }
  }

  /// Verifies both chains and returns their heads to write down elsewhere; a broken chain
  /// is `.refused` (exit 65) and anchors nothing.
  public func anchor() throws -> AuditAnchorDocument {
    let chains = try verify()
    // Every head read is on disk before it is written down (write transactions commit
    // without waiting for the WAL flush; see `Store.awaitDurable`).
    try database.open().awaitDurable()
    if let broken = chains.first(where: { !$0.isIntact }), let first = broken.firstBreak {
      throw RegistryError.refused(
        broken.table,
        "the chain is broken (\(first.subject.rawValue) \(first.id): \(first.detail)); "
          + "nothing anchored")
    }
    return AuditAnchorDocument(
      chains: chains.compactMap { status in
        guard let hash = status.headHash, let at = status.headAtMicros else { return nil }
        return AuditAnchor(
          chain: status.table, id: status.headID, hash: hash,
          at: AuditCanonical.utcText(micros: at))
      })
  }

  /// Redacts one identifier (a column of the audited row, or `reason`) in the identity audit
  /// row `id`, recording who, when and why in the identity chain. Admins only.
  public func redact(id: Int64, field: String, reason: String) throws {
    guard !field.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw RegistryError.refused("field", "must name a field of the row")
    }
    guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw RegistryError.refused("reason", "a redaction needs a reason")
    }
    let store = try database.open()
    try store.transaction {
      try AuditRepository(store).redact(id: id, field: field, reason: reason)
    }
  }

  /// SHA-256 of bytes, lower-case hex.
  static func sha256(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
  }
}
