import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// Labs giving an exact MELD (INR 1.5, creatinine 1.0 or 2.0, bilirubin searched).
func labs(forMELD target: Int) throws -> RawMeasures {
  for creatinine in ["1.0", "2.0"] {
    var bilirubin = 1.0
    while bilirubin < 60 {
      let text = String(format: "%.2f", bilirubin)
      let meld = try MELD(
        bilirubin: try Bilirubin(parsing: text), creatinine: try Creatinine(parsing: creatinine),
        inr: try INR(parsing: "1.5"), dialysis: false)
      if meld.score == target {
        return RawMeasures(creatinine: creatinine, bilirubin: text, inr: "1.5", sodium: "135")
      }
      bilirubin += 0.01
    }
  }
  throw RegistryError.refused("test", "no bilirubin gives MELD \(target)")
}

@Suite(.blocking) struct EnrollmentTests {
  @Test func eligibleCandidateGetsStudyIDArmIdentityConsentAndBaseline() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let service = EnrollmentService(f.coordinator("PAN"))
      let result = try service.enroll(RegistryFixture.sleCandidate(mrn: "MRN-1"))
      #expect(result.studyID == "SLE-PAN-0001")
      #expect(["msc", "control"].contains(result.arm))
      let detail = try PatientService(f.investigator).show(studyID: result.studyID, identify: true)
      #expect(detail.patient.ageAtEnrollment == 36)
      #expect(detail.patient.birthYear == 1990)
      #expect(detail.patient.status == .enrolled)
      #expect(detail.identity?.mrn == "MRN-1")
      #expect(detail.consents.map(\.version) == ["1.0"])
      // (The stored row, read as the owner.)
      let c = try db.connect()
      let baseline = try c.query(
        "SELECT visit_code, sledai_2k, pga, engine_version FROM registry.assessment WHERE study_id = $1",
        [result.studyID]
      ).rows
      #expect(baseline.count == 1)
      #expect(try baseline[0].decode("visit_code") == "baseline")
      #expect(try baseline[0].decode("sledai_2k") == 12)
      #expect(try baseline[0].decode("engine_version") == ScoreEngine.version)
      // Without --identify, no identity.
      #expect(try PatientService(f.investigator).show(studyID: result.studyID).identity == nil)
    }
  }

  @Test(arguments: [("2008-06-01", true), ("2008-06-02", false)])  // 18 on the day / 17
  func lowerAgeLimit(birthDate: String, eligible: Bool) throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let request = try RegistryFixture.sleCandidate(mrn: "A", birthDate: birthDate)
      try expectEligibility(f, request, eligible: eligible, criterion: "age_years")
    }
  }

  @Test func ageBoundsAreInclusiveOnBothEnds() throws {
    let day = try #require(CalendarDate(iso: "2026-06-01"))
    #expect(day.years(since: try #require(CalendarDate(iso: "2008-06-01"))) == 18)
    #expect(day.years(since: try #require(CalendarDate(iso: "2008-06-02"))) == 17)
    #expect(day.years(since: try #require(CalendarDate(iso: "1961-06-02"))) == 64)
    #expect(day.years(since: try #require(CalendarDate(iso: "1960-06-02"))) == 65)
    #expect(day.years(since: try #require(CalendarDate(iso: "1960-06-01"))) == 66)
  }

  @Test(arguments: [("1960-06-02", true), ("1960-06-01", false)])
  func upperAgeLimit(birthDate: String, eligible: Bool) throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      try expectEligibility(
        f, try RegistryFixture.sleCandidate(mrn: "A", birthDate: birthDate), eligible: eligible,
        criterion: "age_years")
    }
  }

  @Test(arguments: [
    ("arthritis,rash,low_complement", true),  // 8
    ("arthritis,rash", false),  // 6
    ("arthritis,rash,fever", false),  // 7
  ])
  func sledaiMinimum(descriptors: String, eligible: Bool) throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let raw = RawMeasures(
        sledaiDescriptors: descriptors, eularAcrItems: "joint_involvement,low_c3_and_c4",
        anaTiter: "80")
      try expectEligibility(
        f, try RegistryFixture.sleCandidate(mrn: "A", raw: raw), eligible: eligible,
        criterion: "sledai_2k")
    }
  }

  @Test(arguments: [
    ("joint_involvement,low_c3_and_c4", true),  // 6 + 4 = 10
    ("joint_involvement,low_c3_or_c4", false),  // 6 + 3 = 9
  ])
  func eularACRMinimum(items: String, eligible: Bool) throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let raw = RawMeasures(
        sledaiDescriptors: "arthritis,rash,low_complement", eularAcrItems: items, anaTiter: "160")
      try expectEligibility(
        f, try RegistryFixture.sleCandidate(mrn: "A", raw: raw), eligible: eligible,
        criterion: "eular_acr_2019")
    }
  }

  @Test(arguments: [(17, true), (16, false), (30, true), (31, false)])
  func meldRange(meld: Int, eligible: Bool) throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let request = try RegistryFixture.aclfCandidate(mrn: "L", raw: try labs(forMELD: meld))
      try expectEligibility(f, request, eligible: eligible, criterion: "meld")
    }
  }

  @Test func missingConsentAndConsentAfterEnrollmentAreScreenFailures() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      try expectEligibility(
        f, try RegistryFixture.sleCandidate(mrn: "A", consentDate: nil), eligible: false,
        criterion: "consent")
      try expectEligibility(
        f, try RegistryFixture.sleCandidate(mrn: "B", consentDate: "2026-06-02"), eligible: false,
        criterion: "consent")
      try expectEligibility(
        f, try RegistryFixture.sleCandidate(mrn: "C", consentDate: "2026-06-01"), eligible: true,
        criterion: "consent")
    }
  }

  @Test func everyFailedCriterionIsListedWithValueAndLimit() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let raw = RawMeasures(sledaiDescriptors: "fever", eularAcrItems: "joint_involvement")
      let error = try #require(throws: RegistryError.self) {
        try EnrollmentService(f.coordinator("PAN")).enroll(
          try RegistryFixture.sleCandidate(
            mrn: "A", birthDate: "1950-01-01", consentDate: nil, raw: raw))
      }
      #expect(error.exitStatus == 65)
      for part in [
        "age_years: 76", "sledai_2k: 1",
        "eular_acr_2019: entry criterion not met (ANA titer not recorded)", "consent",
      ] {
        #expect(error.message.contains(part), "\(part) in \(error.message)")
      }
      let failed: PostgresJSON = try db.connect().query(
        "SELECT failed_criteria FROM registry.screening"
      ).rows[0].decode("failed_criteria")
      let list = try failed.decode([String].self)
      #expect(list.count == 4)
    }
  }

  @Test func duplicateMRNIsRefusedAndWritesNothing() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      // A coordinator of PAN and BOG (the PAN patient's study ID is named to someone who sees
      // it; a BOG-only coordinator learns only "at another site", see SecurityTests).
      let service = EnrollmentService(f.siteCoordinator)
      _ = try service.enroll(RegistryFixture.sleCandidate(mrn: "SAME"))
      let before = try f.fingerprint()
      let error = try #require(throws: RegistryError.self) {
        try service.enroll(RegistryFixture.sleCandidate(mrn: "SAME", site: "BOG"))
      }
      #expect(error.field == "mrn")
      #expect(error.message.contains("SLE-PAN-0001"))
      #expect(try f.fingerprint() == before)
      // The same MRN may join another protocol.
      _ = try service.enroll(RegistryFixture.aclfCandidate(mrn: "SAME"))
    }
  }

  @Test func unknownSiteOrProtocolAndFutureDatesWriteNothing() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let service = EnrollmentService(f.siteCoordinator)
      let before = try f.fingerprint()
      let site = try #require(throws: RegistryError.self) {
        try service.enroll(RegistryFixture.sleCandidate(mrn: "A", site: "XYZ"))
      }
      #expect(site.kind == .notFound && site.field == "site")
      let proto = try #require(throws: RegistryError.self) {
        try service.enroll(
          RegistryFixture.request(
            protocolCode: "NOPE", mrn: "A", site: "PAN", sex: .female, enrolledOn: "2026-06-01",
            birthDate: "1990-01-01", consentDate: "2026-06-01", raw: RawMeasures()))
      }
      #expect(proto.kind == .notFound && proto.field == "protocol")
      let future = try #require(throws: RegistryError.self) {
        try service.enroll(
          RegistryFixture.sleCandidate(mrn: "A", enrolledOn: "2026-06-02"),
          today: try #require(CalendarDate(iso: "2026-06-01")))
      }
      #expect(future.field == "enrolled_on")
      #expect(try f.fingerprint() == before)
    }
  }

  @Test func studyIDsAreGaplessPerProtocolAndSite() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let service = EnrollmentService(f.siteCoordinator)
      var ids: [String] = []
      for i in 1...3 { ids.append(try service.enroll(.sleCandidateAt("PAN", i)).studyID) }
      // A screen failure in between takes no number.
      _ = try? service.enroll(
        RegistryFixture.sleCandidate(mrn: "fail", raw: RawMeasures(sledaiDescriptors: "fever")))
      ids.append(try service.enroll(.sleCandidateAt("PAN", 4)).studyID)
      ids.append(try service.enroll(.sleCandidateAt("BOG", 5)).studyID)
      ids.append(try service.enroll(RegistryFixture.aclfCandidate(mrn: "x", site: "PAN")).studyID)
      #expect(
        ids == [
          "SLE-PAN-0001", "SLE-PAN-0002", "SLE-PAN-0003", "SLE-PAN-0004", "SLE-BOG-0001",
          "ACLF-PAN-0001",
        ])
    }
  }

  @Test func randomizationFollowsTheSeededBlocksAndIsBalanced() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let service = EnrollmentService(f.siteCoordinator)
      var arms: [String] = []
      for i in 1...24 { arms.append(try service.enroll(.sleCandidateAt("PAN", i)).arm) }
      for i in 1...6 { _ = try service.enroll(.sleCandidateAt("BOG", 100 + i)) }
      // The admin reads the seed (everyone else reads the sealed file, seed 0).
      let trial = try ProtocolService(f.admin).show(code: "SLE-UCMSC").trial
      let expected = trial.randomizer.sequence(stratum: "PAN", count: 24).map(\.code)
      #expect(arms == expected)
      // Mixed blocks (the protocol's block sizes 4 and 6), each balanced 1:1.
      let blocks = trial.randomizer.blocks(stratum: "PAN", count: 8)
      #expect(Set(blocks.map(\.count)) == [4, 6])
      var start = 0
      for block in blocks where start + block.count <= 24 {
        let drawn = arms[start..<start + block.count]
        #expect(
          drawn.filter { $0 == "msc" }.count * 2 == block.count, "block at \(start): \(drawn)")
        start += block.count
      }
      // Stored allocation records carry the stratum and position.
      let rows = try db.connect().query(
        "SELECT position, arm FROM registry.allocation WHERE stratum = 'PAN' ORDER BY position"
      ).rows
      #expect(try rows.map { try $0.decode("arm", as: String.self) } == expected)
      #expect(try rows.map { try $0.decode("position", as: Int.self) } == Array(0..<24))
    }
  }

  @Test func randomizationIsReproducibleInAFreshRegistry() throws {
    func run() throws -> [String] {
      try TestDatabase.with { db in
        let f = try RegistryFixture(db)
        let service = EnrollmentService(f.coordinator("GZU"))
        return try (1...12).map { try service.enroll(.aclfCandidateAt("GZU", $0)).arm }
      }
    }
    let first = try run()
    let second = try run()
    #expect(first == second)
    #expect(Set(first) == ["msc", "smt"])
  }

  @Test func noIdentifyingValueOrColumnOutsideTheIdentitySchema() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let result = try EnrollmentService(f.coordinator("PAN")).enroll(
        RegistryFixture.sleCandidate(mrn: "MRN-SECRET-77"))
      var amendment = PatientService.Amendment()
      amendment.familyName = "Corrected-Surname"
      amendment.birthDate = CalendarDate(iso: "1990-04-12")
      _ = try PatientService(f.coordinator("PAN")).amend(
        studyID: result.studyID, amendment, reason: "transcription error")
      // The owner: the catalog and the identity trail's values (no login role reads them).
      let c = try db.connect()
      let columns = try c.query(
        """
        SELECT table_schema || '.' || table_name || '.' || column_name AS col
        FROM information_schema.columns
        WHERE table_schema NOT IN ('identity', 'pg_catalog', 'information_schema')
          AND column_name ~ '(mrn|given|family|birth_date|contact)'
        """
      ).rows
      #expect(columns.isEmpty, "\(columns.map { $0["col"] ?? "" })")
      for needle in [
        "MRN-SECRET-77", "FamilyMRN-SECRET-77", "Corrected-Surname", "1990-04-02", "1990-04-12",
      ] {
        let leaks: Int = try c.query(
          """
          SELECT count(*)::int AS n FROM audit.log
          WHERE coalesce(old_row::text, '') LIKE '%' || $1 || '%'
             OR coalesce(new_row::text, '') LIKE '%' || $1 || '%'
          """, [needle]
        ).rows[0].decode("n")
        #expect(leaks == 0, "\(needle) leaked into audit.log")
      }
      // The identity trail has the correction with its reason and the old value.
      let trail = try c.query(
        "SELECT old_row ->> 'family_name' AS old, new_row ->> 'family_name' AS new, reason FROM identity.audit_log WHERE action = 'UPDATE'"
      ).rows
      #expect(trail.count == 1)
      #expect(try trail[0].decode("old") == "FamilyMRN-SECRET-77")
      #expect(try trail[0].decode("new") == "Corrected-Surname")
      #expect(try trail[0].decode("reason") == "transcription error")
      // Birth year and age followed the corrected birth date.
      let p = try PatientService(f.investigator).show(studyID: result.studyID).patient
      #expect(p.ageAtEnrollment == 36)
    }
  }

  @Test func withdrawalSetsStatusConsentAndAuditReason() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let id = try EnrollmentService(f.coordinator("PAN")).enroll(
        RegistryFixture.sleCandidate(mrn: "W")
      ).studyID
      let service = PatientService(f.coordinator("PAN"))
      let early = try #require(throws: RegistryError.self) {
        try service.withdraw(studyID: id, reason: "x", on: CalendarDate(iso: "2026-05-31"))
      }
      #expect(early.field == "date")
      let blank = try #require(throws: RegistryError.self) {
        try service.withdraw(studyID: id, reason: "  ", on: nil)
      }
      #expect(blank.field == "reason")
      let p = try service.withdraw(
        studyID: id, reason: "moved abroad", on: CalendarDate(iso: "2026-07-01"))
      #expect(p.status == .withdrawn)
      #expect(p.statusOn?.description == "2026-07-01")
      #expect(try service.show(studyID: id).consents[0].withdrawnOn?.description == "2026-07-01")
      let again = try #require(throws: RegistryError.self) {
        try service.withdraw(studyID: id, reason: "again", on: nil)
      }
      #expect(again.exitStatus == 65)
      let audit = try AuditService(f.monitor).entries(key: id).filter { $0.action == "UPDATE" }
      #expect(
        audit.contains { $0.reason == "moved abroad" && $0.changedColumns.contains("status") })
      let unknown = try #require(throws: RegistryError.self) {
        try service.withdraw(studyID: "SLE-PAN-9999", reason: "x", on: nil)
      }
      #expect(unknown.exitStatus == 66)
    }
  }
}

/// Asserts a candidate is enrolled, or refused with `criterion` among the failures and only a
/// screening-log row written.
func expectEligibility(
  _ f: RegistryFixture, _ request: EnrollmentRequest, eligible: Bool, criterion: String,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let before = try f.fingerprint()
  let service = EnrollmentService(f.coordinator(request.site))
  if eligible {
    _ = try service.enroll(request)
    return
  }
  let error = try #require(throws: RegistryError.self, sourceLocation: sourceLocation) {
    try service.enroll(request)
  }
  #expect(error.exitStatus == 65, sourceLocation: sourceLocation)
  #expect(error.field == "eligibility", sourceLocation: sourceLocation)
  #expect(error.message.contains(criterion), "\(error.message)", sourceLocation: sourceLocation)
  var after = try f.fingerprint()
  #expect(after["registry.screening"] == (before["registry.screening"] ?? 0) + 1)
  #expect(after["audit.log#max"] == (before["audit.log#max"] ?? 0) + 1)
  // The screening transaction's one entry in the audit.log chain (audit trail v2).
  #expect(after["audit.chain_entry"] == (before["audit.chain_entry"] ?? 0) + 1)
  after["registry.screening"] = before["registry.screening"]
  after["audit.chain_entry"] = before["audit.chain_entry"]
  after["audit.log"] = before["audit.log"]
  after["audit.log#max"] = before["audit.log#max"]
  #expect(after == before, "only the screening row may be written", sourceLocation: sourceLocation)
}

extension EnrollmentRequest {
  static func sleCandidateAt(_ site: String, _ n: Int) throws -> EnrollmentRequest {
    try RegistryFixture.sleCandidate(mrn: "SLE-\(site)-\(n)", site: site)
  }
  static func aclfCandidateAt(_ site: String, _ n: Int) throws -> EnrollmentRequest {
    try RegistryFixture.aclfCandidate(mrn: "ACLF-\(site)-\(n)", site: site)
  }
}
