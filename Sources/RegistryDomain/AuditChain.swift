import Foundation

/// The audit trail's hash chains, recomputed outside the database.
///
/// Two chains: `audit.log` (research rows) and `identity.audit_log` (rows of the `identity`
/// schema, hashed over per-field salted digests so that an identifier can be redacted). Each
/// audit row has a digest (SHA-256 of a canonical text, see `AuditCanonical`); the rows of one
/// transaction are linked by one chain entry (`seq` 1, 2, …) whose hash covers the previous
/// entry's hash and the transaction's row digests in id order. See
/// `sql/migrations/0060_audit_v2.sql` and the README's "The audit trail".
///
/// Hashing is injected (`sha256`: the SHA-256 of the bytes given, lower-case hex), so this
/// module stays free of I/O and of any crypto library; the service layer passes swift-crypto.
public typealias SHA256Hex = ([UInt8]) -> String

/// The two chains, in the order they are linked and reported.
public enum AuditChainName: String, Sendable, Codable, CaseIterable {
  /// Research rows.
  case log = "audit.log"
  /// Identity rows (MRN, names, birth date…).
  case identity = "identity.audit_log"
}

/// One audit row as stored, with what verification needs.
public struct AuditRowRecord: Sendable, Equatable {
  /// What the row's digest is computed over besides the common columns.
  public enum Content: Sendable, Equatable {
    /// A research row: the jsonb text of the old and new row, and the reason.
    case research(oldRow: String?, newRow: String?, reason: String?)
    /// An identity row: per-field digests (name → hex digest), and, when the reader may see
    /// identifiers, the values (name → jsonb text, or the reason's text) and salts (hex) to
    /// recompute them.
    case identity(fields: [String: String], values: [String: String]?, salts: [String: String]?)
  }

  /// Row id (increasing, unique per chain).
  public let id: Int64
  /// Time written, in microseconds since 1970-01-01 UTC.
  public let atMicros: Int64
  /// Login role that wrote it.
  public let role: String
  /// INSERT, UPDATE, DELETE or REDACT.
  public let action: String
  /// Schema-qualified table.
  public let table: String
  /// Key of the changed row.
  public let rowKey: String
  /// Transaction id.
  public let txid: Int64
  /// The digest stored beside the row when it was written.
  public let storedDigest: String
  /// The hashed content.
  public let content: Content

  /// Creates a record.
  public init(
    id: Int64, atMicros: Int64, role: String, action: String, table: String, rowKey: String,
    txid: Int64, storedDigest: String, content: Content
  ) {
    self.id = id
    self.atMicros = atMicros
    self.role = role
    self.action = action
    self.table = table
    self.rowKey = rowKey
    self.txid = txid
    self.storedDigest = storedDigest
    self.content = content
  }
}

/// One link of a chain: the rows of one transaction.
public struct AuditChainEntry: Sendable, Equatable {
  /// Position in the chain (1, 2, …).
  public let seq: Int64
  /// Hash of the entry before (nil for the first).
  public let prevHash: String?
  /// Transaction whose rows it links.
  public let txid: Int64
  /// Lowest and highest row id linked.
  public let firstID: Int64
  /// Highest row id linked.
  public let lastID: Int64
  /// Number of rows linked.
  public let rowCount: Int64
  /// SHA-256 (hex) of the linked rows' digests concatenated in id order.
  public let rowsDigest: String
  /// When it was linked, microseconds since 1970 UTC.
  public let linkedAtMicros: Int64
  /// Its stored hash.
  public let hash: String

  /// Creates an entry.
  public init(
    seq: Int64, prevHash: String?, txid: Int64, firstID: Int64, lastID: Int64, rowCount: Int64,
    rowsDigest: String, linkedAtMicros: Int64, hash: String
  ) {
    self.seq = seq
    self.prevHash = prevHash
    self.txid = txid
    self.firstID = firstID
    self.lastID = lastID
    self.rowCount = rowCount
    self.rowsDigest = rowsDigest
    self.linkedAtMicros = linkedAtMicros
    self.hash = hash
  }
}

/// The canonical texts that are hashed (the same bytes the database's triggers hash).
public enum AuditCanonical {
  /// The mark that replaces a redacted value (as jsonb text, with its quotes).
  public static let redactedJSON = "\"[redacted]\""
  /// The mark that replaces a redacted reason.
  public static let redactedText = "[redacted]"

  /// A string as PostgreSQL's json_build_array writes it (escape_json).
  public static func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// One element of a json_build_array text.
  public enum Element {
    /// A string, or null.
    case text(String?)
    /// An integer.
    case int(Int64)
  }

  /// json_build_array(…)::text: elements joined by ", " in brackets.
  public static func array(_ elements: [Element]) -> String {
    "["
      + elements.map { e -> String in
        switch e {
        case .text(let t): t.map(jsonString) ?? "null"
        case .int(let i): String(i)
        }
      }.joined(separator: ", ") + "]"
  }

  /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for microseconds since 1970 UTC.
  public static func utcText(micros: Int64) -> String {
    var seconds = micros / 1_000_000
    var fraction = micros % 1_000_000
    if fraction < 0 {
      fraction += 1_000_000
      seconds -= 1
    }
    var days = seconds / 86_400
    var secondOfDay = seconds % 86_400
    if secondOfDay < 0 {
      secondOfDay += 86_400
      days -= 1
    }
    let date = CalendarDate(dayNumber: Int(days))
    let (year, month, day) = (Int64(date.year), Int64(date.month), Int64(date.day))
    func pad(_ v: Int64, _ width: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
      + "\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))Z"
  }

  /// "NAME=DIGEST" joined by "," in byte order of NAME.
  public static func fieldsText(_ fields: [String: String]) -> String {
    fields.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
      .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
  }

  /// The text whose SHA-256 is a row's digest.
  public static func rowText(_ row: AuditRowRecord) -> String {
    let at = utcText(micros: row.atMicros)
    switch row.content {
    case .research(let old, let new, let reason):
      return array([
        .int(row.id), .text(at), .text(row.role), .text(row.action), .text(row.table),
        .text(row.rowKey), .text(old), .text(new), .text(reason), .int(row.txid),
      ])
    case .identity(let fields, _, _):
      return array([
        .int(row.id), .text(at), .text(row.role), .text(row.action), .text(row.table),
        .text(row.rowKey), .text(fieldsText(fields)), .int(row.txid),
      ])
    }
  }

  /// The bytes whose SHA-256 is one identity field's digest: salt || UTF-8 of "NAME=VALUE".
  public static func fieldBytes(saltHex: String, name: String, value: String) -> [UInt8]? {
    guard let salt = bytes(hex: saltHex) else { return nil }
    return salt + Array("\(name)=\(value)".utf8)
  }

  /// The text whose SHA-256 is an entry's hash.
  public static func entryText(_ chain: AuditChainName, _ e: AuditChainEntry) -> String {
    array([
      .text(chain.rawValue), .int(e.seq), .text(e.prevHash), .int(e.txid), .int(e.firstID),
      .int(e.lastID), .int(e.rowCount), .text(e.rowsDigest),
      .text(utcText(micros: e.linkedAtMicros)),
    ])
  }

  /// Bytes of a hex string, nil when it is not hex.
  public static func bytes(hex: String) -> [UInt8]? {
    let chars = Array(hex.utf8)
    guard chars.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case 48...57: c - 48
      case 97...102: c - 87
      case 65...70: c - 55
      default: nil
      }
    }
    var i = 0
    while i < chars.count {
      guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
      out.append(hi << 4 | lo)
      i += 2
    }
    return out
  }
}

/// Where and how a chain breaks.
public struct AuditChainBreak: Sendable, Equatable, Codable {
  /// What disagrees.
  public enum Kind: String, Sendable, Codable {
    /// The row's contents no longer hash to the digest stored beside it (changed after writing).
    case rowDigest = "row_digest"
    /// An identity field's value no longer hashes, with its salt, to its digest.
    case fieldDigest = "field_digest"
    /// A field is marked redacted but no REDACT row of the chain records it.
    case unrecordedRedaction = "unrecorded_redaction"
    /// The rows an entry links differ from the rows it was written over (changed, removed or
    /// added rows of that transaction).
    case entryRows = "entry_rows"
    /// An entry's stored hash is not the hash of its contents.
    case entryHash = "entry_hash"
    /// An entry does not name the hash of the entry before it (an entry removed, inserted or
    /// rewritten before it).
    case prevHash = "prev_hash"
    /// A sequence number is missing (an entry removed).
    case missingEntry = "missing_entry"
    /// A row belongs to no entry (inserted behind the triggers).
    case unlinkedRow = "unlinked_row"
    /// The chain does not pass through an anchored (id, hash).
    case anchor
  }

  /// `row` for a row id, `entry` for an entry's sequence number.
  public enum Subject: String, Sendable, Codable {
    /// An audit row (id).
    case row
    /// A chain entry (seq).
    case entry
  }

  /// The kind of break.
  public let kind: Kind
  /// Whether `id` names a row or an entry.
  public let subject: Subject
  /// Row id or entry sequence number.
  public let id: Int64
  /// What differs, in words.
  public let detail: String
  /// The value the chain requires, when there is one.
  public let expected: String?
  /// The value stored.
  public let stored: String?

  /// Creates a break.
  public init(
    kind: Kind, subject: Subject, id: Int64, detail: String, expected: String? = nil,
    stored: String? = nil
  ) {
    self.kind = kind
    self.subject = subject
    self.id = id
    self.detail = detail
    self.expected = expected
    self.stored = stored
  }
}

/// The result of recomputing one chain.
public struct AuditChainStatus: Sendable, Equatable, Codable {
  /// `audit.log` or `identity.audit_log`.
  public let table: String
  /// Rows checked (all rows of the chain).
  public let rows: Int64
  /// Entries checked.
  public let entries: Int64
  /// Sequence number of the head entry (0 when empty): the id to anchor.
  public let headID: Int64
  /// Hash of the head entry (nil when empty).
  public let headHash: String?
  /// When the head entry was linked (microseconds since 1970 UTC; nil when empty).
  public let headAtMicros: Int64?
  /// `values` when every hashed value was read; `digests` when identity values were read as
  /// their stored per-field digests only (the reader may not see identifiers).
  public let level: String
  /// Every break found, in chain order (empty when intact).
  public let breaks: [AuditChainBreak]

  /// Creates a status.
  public init(
    table: String, rows: Int64, entries: Int64, headID: Int64, headHash: String?,
    headAtMicros: Int64?, level: String, breaks: [AuditChainBreak]
  ) {
    self.table = table
    self.rows = rows
    self.entries = entries
    self.headID = headID
    self.headHash = headHash
    self.headAtMicros = headAtMicros
    self.level = level
    self.breaks = breaks
  }

  /// True when no break was found.
  public var isIntact: Bool { breaks.isEmpty }

  /// The first break (nil when intact).
  public var firstBreak: AuditChainBreak? { breaks.first }

  enum CodingKeys: String, CodingKey {
    case table, rows, entries, level, breaks
    case headID = "head_id"
    case headHash = "head_hash"
    case headAtMicros = "head_at_us"
  }
}

/// A chain head written down outside the database (`mscreg audit anchor`).
public struct AuditAnchor: Sendable, Equatable, Codable {
  /// `audit.log` or `identity.audit_log`.
  public let chain: String
  /// Entry sequence number.
  public let id: Int64
  /// Entry hash.
  public let hash: String
  /// When the entry was linked (ISO 8601 UTC, microseconds).
  public let at: String

  /// Creates an anchor.
  public init(chain: String, id: Int64, hash: String, at: String) {
    self.chain = chain
    self.id = id
    self.hash = hash
    self.at = at
  }
}

/// The anchor document: every chain's head.
public struct AuditAnchorDocument: Sendable, Equatable, Codable {
  /// Format marker.
  public let format: String
  /// The heads.
  public let chains: [AuditAnchor]

  /// The current format marker.
  public static let currentFormat = "mscreg-audit-anchor/1"

  /// Creates a document.
  public init(chains: [AuditAnchor]) {
    self.format = Self.currentFormat
    self.chains = chains
  }
}

/// Recomputes a chain from its rows and entries and lists every break.
public enum AuditChainVerifier {
  /// Verifies one chain. `rows` and `entries` may come in any order; `anchors` are those of
  /// this chain.
  public static func verify(
    chain: AuditChainName, rows: [AuditRowRecord], entries: [AuditChainEntry],
    anchors: [AuditAnchor] = [], sha256: SHA256Hex
  ) -> AuditChainStatus {
    var breaks: [AuditChainBreak] = []
    let rows = rows.sorted { $0.id < $1.id }
    let entries = entries.sorted { $0.seq < $1.seq }
    var valuesRead = true

    // Rows: recompute each digest (and each identity field digest when values are readable).
    var digest: [Int64: String] = [:]
    digest.reserveCapacity(rows.count)
    var redactions = Set<String>()  // "id/field" recorded by REDACT rows
    for row in rows where row.action == "REDACT" {
      if case .identity(_, let values?, _) = row.content, let f = values["new.field"],
        let id = values["new.id"]
      {
        redactions.insert("\(id)/\(f.trimmingCharacters(in: ["\""]))")
      }
    }
    for row in rows {
      let recomputed = sha256(Array(AuditCanonical.rowText(row).utf8))
      digest[row.id] = recomputed
      if recomputed != row.storedDigest {
        breaks.append(
          AuditChainBreak(
            kind: .rowDigest, subject: .row, id: row.id,
            detail: "the row's contents differ from what was hashed when it was written",
            expected: recomputed, stored: row.storedDigest))
      }
      guard case .identity(let fields, let values, let salts) = row.content else { continue }
      guard let values, let salts else {
        valuesRead = false
        continue
      }
      for name in Set(fields.keys).union(values.keys).union(salts.keys).sorted() {
        let value = values[name]
        if let salt = salts[name] {
          let computed = value.flatMap {
            AuditCanonical.fieldBytes(saltHex: salt, name: name, value: $0)
          }.map(sha256)
          if computed == nil || computed != fields[name] {
            breaks.append(
              AuditChainBreak(
                kind: .fieldDigest, subject: .row, id: row.id,
                detail: "field \(name) differs from what was hashed when it was written",
                expected: fields[name], stored: computed))
          }
        } else {
          let field =
            name == "reason" ? "reason" : String(name.drop(while: { $0 != "." }).dropFirst())
          let marked = value == AuditCanonical.redactedJSON || value == AuditCanonical.redactedText
          if fields[name] == nil || !marked {
            breaks.append(
              AuditChainBreak(
                kind: .fieldDigest, subject: .row, id: row.id,
                detail: "field \(name) has no salt or no digest and is not a redaction mark"))
          } else if !redactions.contains("\(row.id)/\(field)") {
            breaks.append(
              AuditChainBreak(
                kind: .unrecordedRedaction, subject: .row, id: row.id,
                detail: "field \(name) is marked redacted, but no REDACT row records it"))
          }
        }
      }
    }

    // Entries: membership, rows digest, own hash, link to the previous entry.
    var byTxid: [Int64: [AuditRowRecord]] = [:]
    for row in rows { byTxid[row.txid, default: []].append(row) }
    var linked = Set<Int64>()
    var previous: AuditChainEntry?
    var expectedSeq: Int64 = 1
    for entry in entries {
      if entry.seq != expectedSeq {
        breaks.append(
          AuditChainBreak(
            kind: .missingEntry, subject: .entry, id: entry.seq,
            detail: entry.seq > expectedSeq
              ? "entries \(expectedSeq)…\(entry.seq - 1) are missing before it"
              : "sequence number repeated or out of order"))
      }
      expectedSeq = entry.seq + 1
      let members = (byTxid[entry.txid] ?? []).filter {
        $0.id >= entry.firstID && $0.id <= entry.lastID
      }
      for m in members { linked.insert(m.id) }
      let rowsDigest = sha256(Array(members.map { digest[$0.id] ?? "" }.joined().utf8))
      if Int64(members.count) != entry.rowCount || rowsDigest != entry.rowsDigest {
        breaks.append(
          AuditChainBreak(
            kind: .entryRows, subject: .entry, id: entry.seq,
            detail: "transaction \(entry.txid) had \(entry.rowCount) rows (ids "
              + "\(entry.firstID)…\(entry.lastID)); \(members.count) found, and their digests "
              + (rowsDigest == entry.rowsDigest ? "match" : "differ"),
            expected: entry.rowsDigest, stored: rowsDigest))
      }
      let hash = sha256(Array(AuditCanonical.entryText(chain, entry).utf8))
      if hash != entry.hash {
        breaks.append(
          AuditChainBreak(
            kind: .entryHash, subject: .entry, id: entry.seq,
            detail: "the entry's stored hash is not the hash of its contents",
            expected: hash, stored: entry.hash))
      }
      if entry.prevHash != previous?.hash {
        breaks.append(
          AuditChainBreak(
            kind: .prevHash, subject: .entry, id: entry.seq,
            detail: "does not name the hash of the entry before it",
            expected: previous?.hash, stored: entry.prevHash))
      }
      previous = entry
    }
    for row in rows where !linked.contains(row.id) {
      breaks.append(
        AuditChainBreak(
          kind: .unlinkedRow, subject: .row, id: row.id,
          detail: "the row belongs to no chain entry (transaction \(row.txid))"))
    }

    // Anchors: the chain must still pass through each anchored (id, hash).
    for anchor in anchors {
      if let entry = entries.first(where: { $0.seq == anchor.id }) {
        if entry.hash != anchor.hash {
          breaks.append(
            AuditChainBreak(
              kind: .anchor, subject: .entry, id: anchor.id,
              detail: "the entry anchored at \(anchor.at) has another hash now: the chain "
                + "was rewritten up to here",
              expected: anchor.hash, stored: entry.hash))
        }
      } else {
        breaks.append(
          AuditChainBreak(
            kind: .anchor, subject: .entry, id: anchor.id,
            detail: "the entry anchored at \(anchor.at) is gone: the chain ends at "
              + "\(entries.last?.seq ?? 0) (deleted tail or rewritten chain)",
            expected: anchor.hash, stored: nil))
      }
    }

    let head = entries.last
    return AuditChainStatus(
      table: chain.rawValue, rows: Int64(rows.count), entries: Int64(entries.count),
      headID: head?.seq ?? 0, headHash: head?.hash, headAtMicros: head?.linkedAtMicros,
      level: valuesRead ? "values" : "digests", breaks: breaks)
  }
}
