import Foundation
import PostgresClient
import RegistryDomain
import RegistryService
import TestSupport
import Testing

/// A screening list in the CSV shape of `patient import` (SLE-UCMSC, eligible unless changed).
func sleImportCSV(mrns: [String], site: String? = nil, birthDates: [String: String] = [:])
  -> String
{
  var text =
    "mrn,given,family,birth_date,sex,consent_version,consent_date,enrolled_on,"
    + (site == nil ? "" : "site,") + "sledai_descriptors,eular_acr_items,ana_titer,pga\n"
  for mrn in mrns {
    text +=
      "\(mrn),Given \(mrn),\"Family, \(mrn)\",\(birthDates[mrn] ?? "1990-04-02"),F,2.1,2026-05-20,"
      + "2026-06-01," + (site.map { $0 + "," } ?? "")
      + "\"arthritis,rash,low_complement,proteinuria\","
      + "\"joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4\",320,1.5\n"
  }
  return text
}

/// Imports run as the coordinator of the rows' site (PAN), as `patient import` is run.
@Suite(.blocking) struct ImportServiceTests {
  func rows(_ csv: String, site: String? = "PAN") throws -> [EnrollmentBatchRow] {
    try EnrollmentImport.rows(csv: csv, protocolCode: "SLE-UCMSC", defaultSite: site)
  }

  @Test func aBatchEnrollsEveryRowWithGaplessStudyIDsInFileOrder() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let results = try EnrollmentService(f.coordinator("PAN")).enrollBatch(
        try rows(sleImportCSV(mrns: ["A1", "A2", "A3"])))
      #expect(results.map(\.studyID) == ["SLE-PAN-0001", "SLE-PAN-0002", "SLE-PAN-0003"])
      // The stored identity rows, read as the owner (no login role reads the table).
      let c = try db.connect()
      let identities = try c.query(
        "SELECT mrn, family_name FROM identity.patient_identity ORDER BY study_id"
      ).rows.map { "\(try $0.decode("mrn") as String)/\(try $0.decode("family_name") as String)" }
      #expect(identities == ["A1/Family, A1", "A2/Family, A2", "A3/Family, A3"])
      let baselines: Int = try c.query(
        "SELECT count(*)::int AS n FROM registry.assessment WHERE visit_code = 'baseline'"
      ).rows[0].decode("n")
      #expect(baselines == 3)
      // A single enrollment afterwards continues the numbering: the same rules, one counter.
      let next = try EnrollmentService(f.coordinator("PAN")).enroll(
        RegistryFixture.sleCandidate(mrn: "A4"))
      #expect(next.studyID == "SLE-PAN-0004")
    }
  }

  /// The set-wise import allocates exactly as the same rows enrolled one by one (study IDs
  /// and arms in file order, from the concealed blocks), after enrollments already made.
  @Test func aBatchIsAllocatedExactlyAsTheSameRowsEnrolledOneByOne() throws {
    let mrns = (1...23).map { "S\($0)" }
    func allocate(batch: Bool) throws -> [String] {
      try TestDatabase.with { db in
        let f = try RegistryFixture(db)
        let service = EnrollmentService(f.coordinator("PAN"))
        // An earlier enrollment: the batch resumes inside a block.
        _ = try service.enroll(RegistryFixture.sleCandidate(mrn: "EARLIER"))
        let list = try rows(sleImportCSV(mrns: mrns))
        let results =
          batch
          ? try service.enrollBatch(list)
          : try list.map { try service.enroll($0.request) }
        let c = try db.connect()
        let stored: [String] = try c.query(
          """
          SELECT p.study_id || ' ' || p.arm || ' ' || a.position || ' ' || i.mrn AS x
          FROM registry.patient p JOIN registry.allocation a ON a.study_id = p.study_id
          JOIN identity.patient_identity i ON i.study_id = p.study_id ORDER BY p.study_id
          """
        ).rows.map { try $0.decode("x") }
        #expect(stored.count == mrns.count + 1)
        // Set-wise, the batch takes its numbers with one counter update (not one per row).
        let counterWrites: Int = try c.query(
          "SELECT count(*)::int AS n FROM audit.log WHERE table_name = 'registry.study_id_counter'"
        ).rows[0].decode("n")
        #expect(counterWrites == (batch ? 2 : mrns.count + 1))
        return results.map { "\($0.studyID) \($0.arm)" } + stored
      }
    }
    let setWise = try allocate(batch: true)
    let oneByOne = try allocate(batch: false)
    #expect(setWise == oneByOne)
  }

  /// A refusal only the database makes (a coordinator of PAN importing a BOG row) is named
  /// as row by row, and leaves nothing.
  @Test func aRowAtASiteTheCoordinatorMayNotWriteIsDeniedAndLeavesNothing() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let before = try f.fingerprint()
      var csv = sleImportCSV(mrns: ["D1", "D2"], site: "PAN")
      csv +=
        sleImportCSV(mrns: ["D3"], site: "BOG").split(separator: "\n").dropFirst()
        .joined(separator: "\n") + "\n"
      let denied = #expect(throws: RegistryError.self) {
        try EnrollmentService(f.coordinator("PAN")).enrollBatch(try rows(csv, site: nil))
      }
      #expect(denied?.kind == .permissionDenied)
      #expect(denied?.message.contains("site BOG") == true, "\(String(describing: denied))")
      #expect(try f.fingerprint() == before)
    }
  }

  @Test(arguments: [
    // (bad MRN row's birth date, expected field)
    ("1930-01-01", "line 3, eligibility"),  // ineligible by age
    ("2099-01-01", "line 3, birth_date"),  // caught while parsing
  ])
  func aBadRowAtLineNLeavesNothing(birthDate: String, field: String) throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let before = try f.fingerprint()
      let csv = sleImportCSV(mrns: ["B1", "B2", "B3"], birthDates: ["B2": birthDate])
      let error = #expect(throws: RegistryError.self) {
        try EnrollmentService(f.coordinator("PAN")).enrollBatch(try rows(csv))
      }
      #expect(error?.kind == .refused)
      #expect(error?.field == field)
      #expect(try f.fingerprint() == before)  // no patient, no screening row, no audit row
    }
  }

  @Test func aDuplicateMRNInsideTheBatchOrAlreadyEnrolledIsRefusedWithItsLine() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let before = try f.fingerprint()
      let service = EnrollmentService(f.coordinator("PAN"))
      let twice = #expect(throws: RegistryError.self) {
        try service.enrollBatch(try rows(sleImportCSV(mrns: ["C1", "C2", "C1"])))
      }
      #expect(twice?.field == "line 4, mrn")
      #expect(twice?.message == "this MRN is already enrolled in SLE-UCMSC as SLE-PAN-0001")
      #expect(try f.fingerprint() == before)

      _ = try service.enroll(RegistryFixture.sleCandidate(mrn: "C2"))
      let after = try f.fingerprint()
      let again = #expect(throws: RegistryError.self) {
        try service.enrollBatch(try rows(sleImportCSV(mrns: ["C1", "C2"])))
      }
      #expect(again?.field == "line 3, mrn")
      #expect(try f.fingerprint() == after)
    }
  }

  @Test func anUnknownSiteInARowIsNotFoundWithItsLine() throws {
    try TestDatabase.with { db in
      let f = try RegistryFixture(db)
      let before = try f.fingerprint()
      let csv =
        sleImportCSV(mrns: ["D1"], site: "PAN")
        + sleImportCSV(mrns: ["D2"], site: "XXX")
        .split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
      let error = #expect(throws: RegistryError.self) {
        try EnrollmentService(f.coordinator("PAN")).enrollBatch(try rows(csv, site: nil))
      }
      #expect(error?.kind == .notFound)
      #expect(error?.field == "line 3, site")
      #expect(try f.fingerprint() == before)
    }
  }

  @Test func theReaderFollowsRFC4180AndNamesTheLineAndColumnOfEachProblem() throws {
    let ok = try rows(
      "mrn,given,family,birth_date,sex,bilirubin,dialysis,contact\r\n"
        + "M1,Ana,\"O\"\"Neil\",1990-04-02,F,85umol/L,yes,\"street 1, flat 2\"\r\n\r\n"
        + "M2,Bo,Li,1980-01-01,M,,0,\n")
    #expect(ok.map(\.line) == [2, 4])
    #expect(ok[0].request.identity.familyName == "O\"Neil")
    #expect(ok[0].request.identity.contact == "street 1, flat 2")
    #expect(ok[0].request.measures.dialysis == true)
    #expect(ok[1].request.measures.bilirubin == nil)
    #expect(ok[1].request.site == "PAN")

    func refusal(_ csv: String, site: String? = "PAN") -> RegistryError? {
      #expect(throws: RegistryError.self) { try rows(csv, site: site) }
    }
    let header = "mrn,given,family,birth_date,sex\n"
    #expect(refusal("")?.field == "line 1, header")
    #expect(refusal(header)?.field == "file")
    #expect(refusal("mrn,given,family,sex\n")?.message.contains("birth_date") == true)
    #expect(refusal("mrn,given,family,birth_date,sex,colour\n")?.message.contains("colour") == true)
    #expect(refusal("mrn,mrn,given,family,birth_date,sex\n")?.message.contains("twice") == true)
    #expect(refusal(header, site: nil)?.message.contains("--site") == true)
    #expect(refusal(header + "A,B,C,1990-01-01\n")?.field == "line 2")
    #expect(refusal(header + "A,B,C,1990-02-30,F\n")?.field == "line 2, birth_date")
    #expect(refusal(header + "A,B\u{0}x,C,1990-01-01,F\n")?.field == "line 2, given")
    #expect(refusal(header + "A,B,C,1990-01-01,X\n")?.field == "line 2, sex")
    // A quoted line break is one field (and a control character, refused); the next record
    // starts on line 4.
    let multiline = "mrn,given,family,birth_date,sex,contact\n"
    #expect(refusal(multiline + "A,B,C,1990-01-01,F,\"a\nb\"\n")?.field == "line 2, contact")
    #expect(
      refusal(multiline + "A,B,C,1990-01-01,F,\"a,\"\"b\"\"\"\nA2,B,C,1990-01-01,F,x,y\n")?.field
        == "line 3")
    #expect(refusal(header + ",B,C,1990-01-01,F\n")?.field == "line 2, mrn")
    #expect(refusal(header + "A,\"B,C,1990-01-01,F\n")?.message.contains("not closed") == true)
    #expect(refusal(header + "A,B\"q\",C,1990-01-01,F\n")?.field == "line 2")
    #expect(
      refusal("mrn,given,family,birth_date,sex,inr\nA,B,C,1990-01-01,F,nan\n")?.field
        == "line 2, inr")
    #expect(
      refusal("mrn,given,family,birth_date,sex,dialysis\nA,B,C,1990-01-01,F,maybe\n")?.field
        == "line 2, dialysis")
    #expect(
      refusal("mrn,given,family,birth_date,sex,consent_date\nA,B,C,1990-01-01,F,2026-01-01\n")?
        .field == "line 2, consent_version")
  }
}
