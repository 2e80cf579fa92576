import RegistryDomain
import Testing

/// The canonical texts the verifier hashes must be byte for byte what PostgreSQL's
/// json_build_array and to_char wrote (outputs below taken from PostgreSQL 15).
@Suite struct AuditCanonicalTests {
  @Test func arraysAndStringsAreWrittenAsPostgreSQLWritesThem() {
    // SELECT json_build_array(1, 'a"b\c<newline>d', NULL::text, E'\x01é', 5)::text;
    let text = AuditCanonical.array([
      .int(1), .text("a\"b\\c\nd"), .text(nil), .text("\u{01}é"), .int(5),
    ])
    #expect(text == "[1, \"a\\\"b\\\\c\\nd\", null, \"\\u0001é\", 5]")
    #expect(AuditCanonical.jsonString("\t\r\u{08}\u{0C}\u{1F}/") == "\"\\t\\r\\b\\f\\u001f/\"")
  }

  @Test func timesAreUTCWithMicroseconds() {
    #expect(AuditCanonical.utcText(micros: 0) == "1970-01-01T00:00:00.000000Z")
    #expect(AuditCanonical.utcText(micros: 1_764_633_600_123_456) == "2025-12-02T00:00:00.123456Z")
    #expect(AuditCanonical.utcText(micros: -1) == "1969-12-31T23:59:59.999999Z")
    #expect(AuditCanonical.utcText(micros: 951_782_400_000_001) == "2000-02-29T00:00:00.000001Z")
  }

  @Test func fieldsAreSortedByBytes() {
    let text = AuditCanonical.fieldsText(["new.mrn": "b", "new.birth_date": "a", "reason": "c"])
    #expect(text == "new.birth_date=a,new.mrn=b,reason=c")
    #expect(AuditCanonical.bytes(hex: "00ff10") == [0, 255, 16])
    #expect(AuditCanonical.bytes(hex: "0g") == nil)
  }

  /// The verifier with a stand-in hash (a readable one: the text itself) still finds what
  /// it must: a changed row, a missing entry, an anchor off the chain.
  @Test func theVerifierListsEveryBreak() {
    let hash: SHA256Hex = { bytes in String(decoding: bytes, as: UTF8.self) }
    func row(_ id: Int64, reason: String) -> AuditRowRecord {
      let r = AuditRowRecord(
        id: id, atMicros: 0, role: "r", action: "INSERT", table: "registry.site", rowKey: "K",
        txid: 10 + id, storedDigest: "",
        content: .research(oldRow: nil, newRow: "{}", reason: reason))
      return AuditRowRecord(
        id: id, atMicros: 0, role: "r", action: "INSERT", table: "registry.site", rowKey: "K",
        txid: 10 + id, storedDigest: hash(Array(AuditCanonical.rowText(r).utf8)),
        content: r.content)
    }
    let rows = [row(1, reason: "a"), row(2, reason: "b")]
    var entries: [AuditChainEntry] = []
    for r in rows {
      let partial = AuditChainEntry(
        seq: r.id, prevHash: entries.last?.hash, txid: r.txid, firstID: r.id, lastID: r.id,
        rowCount: 1, rowsDigest: hash(Array(r.storedDigest.utf8)), linkedAtMicros: 0, hash: "")
      entries.append(
        AuditChainEntry(
          seq: partial.seq, prevHash: partial.prevHash, txid: partial.txid,
          firstID: partial.firstID, lastID: partial.lastID, rowCount: 1,
          rowsDigest: partial.rowsDigest, linkedAtMicros: 0,
          hash: hash(Array(AuditCanonical.entryText(.log, partial).utf8))))
    }
    let clean = AuditChainVerifier.verify(chain: .log, rows: rows, entries: entries, sha256: hash)
    #expect(clean.isIntact && clean.headID == 2)
    let changed = [rows[0], row(2, reason: "changed")].enumerated().map { i, r in
      i == 1
        ? AuditRowRecord(
          id: r.id, atMicros: 0, role: "r", action: "INSERT", table: "registry.site",
          rowKey: "K", txid: r.txid, storedDigest: rows[1].storedDigest, content: r.content)
        : r
    }
    let broken = AuditChainVerifier.verify(
      chain: .log, rows: changed, entries: entries,
      anchors: [AuditAnchor(chain: "audit.log", id: 3, hash: "x", at: "")], sha256: hash)
    #expect(broken.breaks.map(\.kind) == [.rowDigest, .entryRows, .anchor])
    let gap = AuditChainVerifier.verify(
      chain: .log, rows: rows, entries: [entries[1]], sha256: hash)
    #expect(gap.breaks.map(\.kind) == [.missingEntry, .prevHash, .unlinkedRow])
  }
}
