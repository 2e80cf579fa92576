import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Issue 16, items 2–4 over real HTTP, signed in as PAN's coordinator (not the owner): the
/// patient list's pagination, import, withdrawal, amendment, and a patient's infusions, lots,
/// assessments, adverse events, clinical events and the visits due; refusals (422 with the
/// member's JSON Pointer, nothing changed), another site's patient (404), no token (401), and
/// Idempotency-Key on every creating POST.
@Suite(.blocking) struct ClinicalRouteTests {
  typealias Signed = EnrollmentRouteTests.Signed

  /// Enrolls an eligible SLE candidate at `site` as a coordinator (PAN's own login now has a
  /// password, so the set-up enrolls as the coordinator of every site; the BOG login is BOG's).
  static func enroll(_ t: Signed, mrn: String, site: String = "PAN") throws -> EnrollmentResult {
    try EnrollmentService(site == "PAN" ? t.s.f.siteCoordinator : t.s.f.coordinator(site)).enroll(
      try RegistryFixture.sleCandidate(mrn: mrn, site: site))
  }

  /// Enrolls at PAN until a patient lands in the MSC arm (infusions are admitted only there).
  static func enrollInMSCArm(_ t: Signed, prefix: String) throws -> String {
    for i in 1...12 {
      let r = try enroll(t, mrn: "\(prefix)-\(i)")
      if r.arm == "msc" { return r.studyID }
    }
    throw RegistryError.refused("fixture", "no MSC-arm allocation in 12 enrollments")
  }

  static func count(_ db: TestDatabase, _ sql: String, _ parameters: [String] = []) throws -> Int {
    try db.connect().query(sql, parameters).rows[0].decode("n")
  }

  static func items(_ r: HTTPResult) -> [[String: Any]] {
    (r.object?["items"] as? [[String: Any]]) ?? []
  }

  @Test func thePatientListPagesThroughTheSiteCohortOnceEach() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      var expected: Set<String> = []
      for i in 1...7 { expected.insert(try Self.enroll(t, mrn: "LIST-\(i)").studyID) }
      let other = try Self.enroll(t, mrn: "LIST-B1", site: "BOG").studyID

      var seen: [String] = []
      var cursor: String?
      var pages = 0
      repeat {
        let query = "limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
        let r = try t.server.request("GET", "/patients?\(query)", token: t.token)
        #expect(r.status == 200, "\(r.text)")
        let page = Self.items(r).compactMap { $0["study_id"] as? String }
        #expect(page.count <= 3)
        seen += page
        cursor = r.object?["next_cursor"] as? String
        #expect(r.object?.keys.contains("next_cursor") == true, "next_cursor is always present")
        pages += 1
      } while cursor != nil && pages < 10
      #expect(pages == 3)
      #expect(seen == seen.sorted(), "stable study-ID order")
      #expect(seen.count == expected.count && Set(seen) == expected, "\(seen)")
      #expect(!seen.contains(other), "a BOG patient is not PAN's coordinator's")

      let filtered = try t.server.request(
        "GET", "/patients?status=withdrawn", token: t.token)
      #expect(filtered.status == 200 && Self.items(filtered).isEmpty, "\(filtered.text)")
      let badLimit = try t.server.request("GET", "/patients?limit=0", token: t.token)
      #expect(badLimit.status == 400 && badLimit.object?["parameter"] as? String == "limit")
      let badCursor = try t.server.request("GET", "/patients?cursor=%21%21", token: t.token)
      #expect(badCursor.status == 400, "\(badCursor.text)")
      let badStatus = try t.server.request("GET", "/patients?status=asleep", token: t.token)
      #expect(badStatus.status == 422 && badStatus.object?["parameter"] as? String == "status")
      let unknownSite = try t.server.request("GET", "/patients?site=NOPE", token: t.token)
      #expect(unknownSite.status == 404, "\(unknownSite.text)")
      #expect(try t.server.request("GET", "/patients").status == 401)
    }
  }

  static let header =
    "mrn,given,family,birth_date,sex,consent_version,consent_date,enrolled_on,"
    + "sledai_descriptors,eular_acr_items,ana_titer,pga\n"

  static func row(_ mrn: String, birthDate: String = "1990-04-02") -> String {
    "\(mrn),Ana,Test,\(birthDate),F,1.0,2026-05-20,2026-06-01,"
      + "\"arthritis,rash,low_complement,proteinuria\","
      + "\"joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4\",320,1.5\n"
  }

  @Test func anImportIsAllOrNothingNamesTheRefusedLineAndReplaysOnRetry() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      let csv = ["Content-Type": "text/csv"]
      let path = "/patients/import?protocol=SLE-UCMSC&site=PAN"
      let countIMP =
        "SELECT count(*)::int AS n FROM identity.patient_identity WHERE mrn LIKE 'IMP-%'"

      let before = try t.s.f.fingerprint()
      let bad = Data(
        (Self.header + Self.row("IMP-1") + Self.row("IMP-2", birthDate: "1990-13-40")).utf8)
      let refused = try t.server.request("POST", path, token: t.token, headers: csv, body: bad)
      #expect(refused.status == 422, "\(refused.text)")
      #expect(refused.object?["line"] as? Int == 3, "\(refused.text)")
      #expect(refused.object?["column"] as? String == "birth_date", "\(refused.text)")
      #expect(try t.s.f.fingerprint() == before, "a refused import changes nothing")

      let body = Data((Self.header + Self.row("IMP-1") + Self.row("IMP-2")).utf8)
      let key = csv.merging(["Idempotency-Key": "import-IMP"]) { a, _ in a }
      let first = try t.server.request("POST", path, token: t.token, headers: key, body: body)
      #expect(first.status == 201, "\(first.text)")
      #expect(Self.items(first).count == 2)
      let again = try t.server.request("POST", path, token: t.token, headers: key, body: body)
      #expect(again.status == 201 && again.body == first.body, "\(again.text)")
      #expect(again.headers["idempotent-replayed"] == "true")
      #expect(try Self.count(db, countIMP) == 2)

      // The same rows again without a key: the MRNs are enrolled, a conflict (409).
      let duplicate = try t.server.request("POST", path, token: t.token, headers: csv, body: body)
      #expect(duplicate.status == 409, "\(duplicate.text)")
      #expect(
        duplicate.object?["line"] as? Int == 2 && duplicate.object?["column"] as? String == "mrn")
      #expect(try Self.count(db, countIMP) == 2)

      // A row of another site, under a key: the set-wise write is refused by row-level
      // security, and the import falls back to row by row inside the key's transaction (a
      // savepoint) to name the row, instead of failing on an aborted transaction.
      let mixed = Data(
        (Self.header.replacingOccurrences(of: "\n", with: ",site\n")
          + Self.row("IMP-3").replacingOccurrences(of: "\n", with: ",PAN\n")
          + Self.row("IMP-4").replacingOccurrences(of: "\n", with: ",BOG\n")).utf8)
      let keyed = csv.merging(["Idempotency-Key": "import-IMP-mixed"]) { a, _ in a }
      let atBOG = try t.server.request("POST", path, token: t.token, headers: keyed, body: mixed)
      #expect([403, 404, 422].contains(atBOG.status), "\(atBOG.text)")
      #expect(try Self.count(db, countIMP) == 2, "nothing of the refused import is enrolled")
      let noProtocol = try t.server.request(
        "POST", "/patients/import", token: t.token, headers: csv, body: body)
      #expect(noProtocol.status == 422 && noProtocol.object?["parameter"] as? String == "protocol")
      #expect(try t.server.request("POST", path, headers: csv, body: body).status == 401)
    }
  }

  @Test func amendAndWithdrawRunTheCLIUseCasesAndRefuseWithPointers() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      let id = try Self.enroll(t, mrn: "AM-1").studyID
      let bog = try Self.enroll(t, mrn: "AM-B1", site: "BOG").studyID

      let before = try t.s.f.fingerprint()
      let noReason = try t.server.request(
        "PATCH", "/patients/\(id)", json: ["given": "Ana María"], token: t.token)
      #expect(noReason.status == 422 && noReason.object?["pointer"] as? String == "/reason")
      let badSex = try t.server.request(
        "PATCH", "/patients/\(id)", json: ["sex": "X", "reason": "typo"], token: t.token)
      #expect(
        badSex.status == 422 && badSex.object?["pointer"] as? String == "/sex", "\(badSex.text)")
      let unknown = try t.server.request(
        "PATCH", "/patients/\(id)", json: ["nickname": "Ani", "reason": "typo"], token: t.token)
      #expect(unknown.status == 422 && unknown.object?["pointer"] as? String == "/nickname")
      #expect(try t.s.f.fingerprint() == before)

      let amended = try t.server.request(
        "PATCH", "/patients/\(id)", json: ["birth_date": "1990-04-12", "reason": "transcription"],
        token: t.token)
      #expect(amended.status == 200, "\(amended.text)")
      #expect(amended.object?["birth_year"] as? Int == 1990)
      let audited = try Self.count(
        db,
        """
        SELECT count(*)::int AS n FROM (SELECT reason FROM audit.log
          UNION ALL SELECT reason FROM identity.audit_log) a WHERE reason = 'transcription'
        """)
      #expect(audited >= 1, "the amendment's reason is in the audit trail")

      // If-Match: an amendment of a record changed since it was read is a conflict.
      let shown = try t.server.request("GET", "/patients/\(id)", token: t.token)
      let etag = try #require(shown.headers["etag"], "\(shown.headers)")
      let current = try t.server.request(
        "PATCH", "/patients/\(id)", json: ["contact": "+507 6000 0000", "reason": "new phone"],
        token: t.token, headers: ["If-Match": etag])
      #expect(current.status == 200, "\(current.text)")
      #expect(current.headers["etag"] != nil && current.headers["etag"] != etag)
      let unchanged = try t.s.f.fingerprint()
      let stale = try t.server.request(
        "PATCH", "/patients/\(id)", json: ["contact": "+507 6111 1111", "reason": "stale"],
        token: t.token, headers: ["If-Match": etag])
      #expect(stale.status == 409, "\(stale.text)")
      #expect(stale.object?["pointer"] == nil)
      #expect(try t.s.f.fingerprint() == unchanged, "a conflict changes nothing")

      let otherSite = try t.server.request(
        "PATCH", "/patients/\(bog)", json: ["given": "X", "reason": "r"], token: t.token)
      #expect([403, 404].contains(otherSite.status), "\(otherSite.text)")
      let withdrawBOG = try t.server.request(
        "POST", "/patients/\(bog)/withdraw", json: ["reason": "moved"], token: t.token)
      #expect([403, 404].contains(withdrawBOG.status), "\(withdrawBOG.text)")

      let withdrawn = try t.server.request(
        "POST", "/patients/\(id)/withdraw", json: ["reason": "withdrew consent"], token: t.token)
      #expect(withdrawn.status == 200, "\(withdrawn.text)")
      #expect(withdrawn.object?["status"] as? String == "withdrawn")
      let again = try t.server.request(
        "POST", "/patients/\(id)/withdraw", json: ["reason": "again"], token: t.token)
      #expect([409, 422].contains(again.status), "\(again.text)")
      #expect(
        try t.server.request("POST", "/patients/\(id)/withdraw", json: ["reason": "r"]).status
          == 401)
    }
  }

  @Test func infusionsAndLotsWithAnIdempotentRetry() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      try db.insertReleasedLot(
        "UC-HTTP-01", source: "umbilical_cord",
        manufactured: CalendarDate(year: 2026, month: 1, day: 10)!,
        expires: CalendarDate(year: 2027, month: 12, day: 31)!)
      let id = try Self.enrollInMSCArm(t, prefix: "INF")
      let bog = try Self.enroll(t, mrn: "INF-B1", site: "BOG").studyID
      let entry: [String: Any] = [
        "lot": "UC-HTTP-01", "date": "2026-06-05", "weight_kg": 62, "cells": 6.2e7,
      ]
      let countInfusions = "SELECT count(*)::int AS n FROM registry.infusion WHERE study_id = $1"

      let before = try t.s.f.fingerprint()
      var bad = entry
      bad["weight_kg"] = 0
      let refused = try t.server.request(
        "POST", "/patients/\(id)/infusions", json: bad, token: t.token)
      #expect(refused.status == 422, "\(refused.text)")
      #expect(refused.object?["pointer"] as? String == "/weight_kg", "\(refused.text)")
      var missing = entry
      missing["cells"] = nil
      let noCells = try t.server.request(
        "POST", "/patients/\(id)/infusions", json: missing, token: t.token)
      #expect(noCells.status == 422 && noCells.object?["pointer"] as? String == "/cells")
      #expect(try t.s.f.fingerprint() == before)

      let key = ["Idempotency-Key": "infuse-\(id)-1"]
      let first = try t.server.request(
        "POST", "/patients/\(id)/infusions", json: entry, token: t.token, headers: key)
      #expect(first.status == 201, "\(first.text)")
      let infusionID = try #require(first.object?["id"] as? Int)
      let again = try t.server.request(
        "POST", "/patients/\(id)/infusions", json: entry, token: t.token, headers: key)
      #expect(again.status == 201 && again.body == first.body, "\(again.text)")
      #expect(again.headers["idempotent-replayed"] == "true")
      #expect(try Self.count(db, countInfusions, [id]) == 1)

      let list = try t.server.request("GET", "/patients/\(id)/infusions", token: t.token)
      #expect(list.status == 200 && Self.items(list).count == 1, "\(list.text)")
      #expect(list.object?["next_cursor"] is NSNull)
      let lots = try t.server.request("GET", "/patients/\(id)/lots", token: t.token)
      #expect(lots.status == 200, "\(lots.text)")
      let lot = Self.items(lots).first?["lot"] as? [String: Any]
      #expect(lot?["lot_number"] as? String == "UC-HTTP-01", "\(lots.text)")

      let noReason = try t.server.request(
        "POST", "/patients/\(id)/infusions/\(infusionID)/void", json: [:], token: t.token)
      #expect(noReason.status == 422 && noReason.object?["pointer"] as? String == "/reason")
      let voided = try t.server.request(
        "POST", "/patients/\(id)/infusions/\(infusionID)/void",
        json: ["reason": "entered in error"], token: t.token)
      #expect(
        voided.status == 200 && voided.object?["void_reason"] as? String == "entered in error")
      let twice = try t.server.request(
        "POST", "/patients/\(id)/infusions/\(infusionID)/void", json: ["reason": "again"],
        token: t.token)
      #expect(twice.status == 409, "\(twice.text)")

      for (method, path) in [
        ("GET", "/patients/\(bog)/infusions"), ("GET", "/patients/\(bog)/lots"),
        ("POST", "/patients/\(bog)/infusions"),
      ] {
        let r = try t.server.request(
          method, path, json: method == "POST" ? entry : nil, token: t.token)
        #expect([403, 404].contains(r.status), "\(method) \(path): \(r.text)")
      }
      #expect(try Self.count(db, countInfusions, [bog]) == 0)
      #expect(try t.server.request("GET", "/patients/\(id)/infusions").status == 401)
    }
  }

  @Test func assessmentsRecordAmendVoidWithAnIdempotentRetry() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      let id = try Self.enroll(t, mrn: "AS-1").studyID
      let bog = try Self.enroll(t, mrn: "AS-B1", site: "BOG").studyID
      let entry: [String: Any] = [
        "visit": "week4", "date": "2026-06-29", "sledai_descriptors": "arthritis",
        "pga": 1.0, "upcr": 0.8,
      ]
      let countWeek4 =
        "SELECT count(*)::int AS n FROM registry.assessment WHERE study_id = $1 AND visit_code = 'week4'"

      let before = try t.s.f.fingerprint()
      var bad = entry
      bad["creatinine"] = -0.5
      let refused = try t.server.request(
        "POST", "/patients/\(id)/assessments", json: bad, token: t.token)
      #expect(refused.status == 422, "\(refused.text)")
      #expect(refused.object?["pointer"] as? String == "/creatinine", "\(refused.text)")
      var outside = entry
      outside["date"] = "2026-08-30"
      let window = try t.server.request(
        "POST", "/patients/\(id)/assessments", json: outside, token: t.token)
      #expect(window.status == 422, "\(window.text)")
      #expect(try t.s.f.fingerprint() == before)

      let key = ["Idempotency-Key": "assess-\(id)-week4"]
      let first = try t.server.request(
        "POST", "/patients/\(id)/assessments", json: entry, token: t.token, headers: key)
      #expect(first.status == 201, "\(first.text)")
      let again = try t.server.request(
        "POST", "/patients/\(id)/assessments", json: entry, token: t.token, headers: key)
      #expect(again.status == 201 && again.body == first.body, "\(again.text)")
      #expect(again.headers["idempotent-replayed"] == "true")
      #expect(try Self.count(db, countWeek4, [id]) == 1)
      // Without the key, the visit is already assessed: a conflict.
      let duplicate = try t.server.request(
        "POST", "/patients/\(id)/assessments", json: entry, token: t.token)
      #expect(duplicate.status == 409, "\(duplicate.text)")

      let amended = try t.server.request(
        "PATCH", "/patients/\(id)/assessments/week4",
        json: ["pga": 0.5, "reason": "lab corrected"],
        token: t.token)
      #expect(amended.status == 200, "\(amended.text)")
      #expect(amended.object?["before"] != nil && amended.object?["after"] != nil)
      let list = try t.server.request("GET", "/patients/\(id)/assessments", token: t.token)
      #expect(list.status == 200, "\(list.text)")
      #expect(Self.items(list).contains { $0["visit"] as? String == "week4" })

      let voided = try t.server.request(
        "POST", "/patients/\(id)/assessments/week4/void", json: ["reason": "wrong patient"],
        token: t.token)
      #expect(voided.status == 200 && voided.object?["voided"] as? Bool == true, "\(voided.text)")
      let live = try t.server.request("GET", "/patients/\(id)/assessments", token: t.token)
      #expect(!Self.items(live).contains { $0["visit"] as? String == "week4" })
      let all = try t.server.request(
        "GET", "/patients/\(id)/assessments?include_voided=true", token: t.token)
      #expect(Self.items(all).contains { $0["visit"] as? String == "week4" })

      let otherSite = try t.server.request(
        "POST", "/patients/\(bog)/assessments", json: entry, token: t.token)
      #expect([403, 404].contains(otherSite.status), "\(otherSite.text)")
      #expect(try Self.count(db, countWeek4, [bog]) == 0)
      let otherList = try t.server.request("GET", "/patients/\(bog)/assessments", token: t.token)
      #expect(otherList.status == 404, "\(otherList.text)")
      #expect(
        try t.server.request("POST", "/patients/\(id)/assessments", json: entry).status == 401)
    }
  }

  @Test func adverseEventsClinicalEventsAndVisitsDue() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      let id = try Self.enroll(t, mrn: "AE-1").studyID
      let bog = try Self.enroll(t, mrn: "AE-B1", site: "BOG").studyID
      let report: [String: Any] = [
        "term": "pneumonia", "grade": 1, "relatedness": "unrelated",
        "onset": "2026-06-10",
      ]

      let before = try t.s.f.fingerprint()
      var bad = report
      bad["grade"] = 7
      let refused = try t.server.request(
        "POST", "/patients/\(id)/adverse-events", json: bad, token: t.token)
      #expect(refused.status == 422 && refused.object?["pointer"] as? String == "/grade")
      let badEvent = try t.server.request(
        "POST", "/patients/\(id)/events", json: ["kind": "abduction", "date": "2026-07-01"],
        token: t.token)
      #expect(badEvent.status == 422 && badEvent.object?["pointer"] as? String == "/kind")
      #expect(try t.s.f.fingerprint() == before)

      let key = ["Idempotency-Key": "ae-\(id)-1"]
      let added = try t.server.request(
        "POST", "/patients/\(id)/adverse-events", json: report, token: t.token, headers: key)
      #expect(added.status == 201, "\(added.text)")
      let aeID = try #require((added.object?["event"] as? [String: Any])?["id"] as? Int)
      let replay = try t.server.request(
        "POST", "/patients/\(id)/adverse-events", json: report, token: t.token, headers: key)
      #expect(replay.body == added.body && replay.headers["idempotent-replayed"] == "true")
      let updated = try t.server.request(
        "PATCH", "/patients/\(id)/adverse-events/\(aeID)",
        json: ["resolved": "2026-06-12", "reason": "resolution reported"], token: t.token)
      #expect(updated.status == 200, "\(updated.text)")
      let aes = try t.server.request("GET", "/patients/\(id)/adverse-events", token: t.token)
      #expect(
        Self.items(aes).count == 1 && Self.items(aes)[0]["resolved"] as? String == "2026-06-12")
      let aeVoid = try t.server.request(
        "POST", "/patients/\(id)/adverse-events/\(aeID)/void", json: ["reason": "duplicate"],
        token: t.token)
      #expect(aeVoid.status == 200, "\(aeVoid.text)")

      let eventKey = ["Idempotency-Key": "event-\(id)-1"]
      let lost = ["kind": "lost_to_follow_up", "date": "2026-07-15"]
      let event = try t.server.request(
        "POST", "/patients/\(id)/events", json: lost, token: t.token, headers: eventKey)
      #expect(event.status == 201, "\(event.text)")
      #expect(
        (event.object?["patient"] as? [String: Any])?["status"] as? String == "lost_to_follow_up")
      let eventReplay = try t.server.request(
        "POST", "/patients/\(id)/events", json: lost, token: t.token, headers: eventKey)
      #expect(eventReplay.body == event.body)
      let events = try t.server.request("GET", "/patients/\(id)/events", token: t.token)
      #expect(Self.items(events).count == 1, "\(events.text)")
      let eventID = try #require(Self.items(events).first?["id"] as? Int)
      let eventVoid = try t.server.request(
        "POST", "/patients/\(id)/events/\(eventID)/void", json: ["reason": "wrong patient"],
        token: t.token)
      #expect(eventVoid.status == 200, "\(eventVoid.text)")
      #expect((eventVoid.object?["patient"] as? [String: Any])?["status"] as? String == "enrolled")

      for (method, path, body) in [
        ("POST", "/patients/\(bog)/adverse-events", report as Any),
        ("GET", "/patients/\(bog)/adverse-events", nil),
        ("POST", "/patients/\(bog)/events", lost as Any), ("GET", "/patients/\(bog)/events", nil),
      ] {
        let r = try t.server.request(method, path, json: body, token: t.token)
        #expect([403, 404].contains(r.status), "\(method) \(path): \(r.text)")
      }

      // Visits due on a day inside week4's window: the PAN patient, not the BOG one.
      let due = try t.server.request(
        "GET", "/visits/due?as_of=2026-06-29&limit=1", token: t.token)
      #expect(due.status == 200, "\(due.text)")
      #expect(Self.items(due).count == 1)
      var visits = Self.items(due)
      var cursor = due.object?["next_cursor"] as? String
      while let next = cursor, visits.count < 50 {
        let page = try t.server.request(
          "GET", "/visits/due?as_of=2026-06-29&limit=1&cursor=\(next)", token: t.token)
        visits += Self.items(page)
        cursor = page.object?["next_cursor"] as? String
      }
      let ids = Set(visits.compactMap { $0["study_id"] as? String })
      #expect(ids.contains(id) && !ids.contains(bog), "\(visits)")
      #expect(
        visits.contains { $0["study_id"] as? String == id && $0["visit"] as? String == "week4" })
      let badDate = try t.server.request("GET", "/visits/due?as_of=soon", token: t.token)
      #expect(badDate.status == 422 && badDate.object?["parameter"] as? String == "as_of")
      #expect(try t.server.request("GET", "/visits/due").status == 401)
    }
  }

  @Test func theTokenIsCheckedInsideTheUseCaseTransaction() throws {
    try TestDatabase.with { db in
      let t = try Signed(db)
      defer { t.server.stop() }
      let id = try Self.enroll(t, mrn: "TOK-1").studyID
      #expect(try t.server.request("GET", "/patients/\(id)", token: t.token).status == 200)
      // A well-formed token of the same user that is no session.
      let forged = t.coordinator + "." + String(repeating: "A", count: 43)
      let r = try t.server.request("GET", "/patients/\(id)", token: forged)
      #expect(r.status == 401, "\(r.text)")
      let write = try t.server.request(
        "POST", "/patients/\(id)/withdraw", json: ["reason": "x"], token: forged)
      #expect(write.status == 401, "\(write.text)")
      // A signed-out token is refused on the next use case.
      #expect(try t.server.request("DELETE", "/session", token: t.token).status == 204)
      let after = try t.server.request("GET", "/patients", token: t.token)
      #expect(after.status == 401, "\(after.text)")
      let status: String = try db.connect().query(
        "SELECT status FROM registry.patient WHERE study_id = $1", [id]
      ).rows[0].decode("status")
      #expect(status == "enrolled")
    }
  }
}
