import Testing

@testable import RegistryDomain

@Suite struct DeidentifiedExportTests {
  @Test func agesFrom90OnAreOneBand() {
    #expect(Deidentification.age(0) == "0")
    #expect(Deidentification.age(89) == "89")
    #expect(Deidentification.age(90) == "90+")
    #expect(Deidentification.age(104) == "90+")
  }

  @Test func birthYearIsKeptOnlyBelow90() {
    #expect(Deidentification.birthYear(1975, ageAtEnrollment: 51) == 1975)
    #expect(Deidentification.birthYear(1937, ageAtEnrollment: 89) == 1937)
    #expect(Deidentification.birthYear(1936, ageAtEnrollment: 90) == nil)
  }

  @Test func datesBecomeDaysFromEnrollment() {
    let enrolled = CalendarDate(iso: "2026-02-27")!
    #expect(Deidentification.day(enrolled, enrolledOn: enrolled) == 0)
    #expect(Deidentification.day(CalendarDate(iso: "2026-03-01")!, enrolledOn: enrolled) == 2)
    #expect(Deidentification.day(CalendarDate(iso: "2026-02-13")!, enrolledOn: enrolled) == -14)
    #expect(Deidentification.day(CalendarDate(iso: "2027-02-27")!, enrolledOn: enrolled) == 365)
  }

  @Test func rowsAreRewrittenByColumnKind() throws {
    let layout = ExportTableLayout(
      name: "t",
      columns: [
        ExportColumn("study_id"), ExportColumn("birth_year", .birthYear),
        ExportColumn("age", .age), ExportColumn("on_day", .day), ExportColumn("note"),
      ])
    let old = ExportRawRow(
      enrolledOn: CalendarDate(iso: "2026-06-01"), ageAtEnrollment: 92,
      values: ["OLD-GZU-0001", "1934", "92", "2026-06-11", nil])
    #expect(
      try DeidentifiedExport.row(old, layout: layout) == ["OLD-GZU-0001", "", "90+", "10", ""])
    let young = ExportRawRow(
      enrolledOn: CalendarDate(iso: "2026-06-01"), ageAtEnrollment: 51,
      values: ["OLD-GZU-0002", "1975", "51", "2026-05-30", "x"])
    #expect(
      try DeidentifiedExport.row(young, layout: layout) == [
        "OLD-GZU-0002", "1975", "51", "-2", "x",
      ])
    // A date without a day 0 is never written as a date.
    let unanchored = ExportRawRow(
      enrolledOn: nil, ageAtEnrollment: nil, values: [nil, nil, nil, "2026-06-11", nil])
    #expect(try DeidentifiedExport.row(unanchored, layout: layout) == ["", "", "", "", ""])
    // A raw value that is not a date where a date belongs is an internal error.
    let bad = ExportRawRow(
      enrolledOn: CalendarDate(iso: "2026-06-01"), ageAtEnrollment: 51,
      values: ["X", "1975", "51", "June 11", nil])
    #expect(throws: RegistryError.self) { try DeidentifiedExport.row(bad, layout: layout) }
  }

  @Test func noLayoutExportsFreeTextOrIdentifiers() {
    let names = Set(DeidentifiedExport.layouts.flatMap { $0.columns.map(\.name) })
    for banned in [
      "mrn", "given_name", "family_name", "birth_date", "contact", "term", "reason", "void_reason",
      "deviation_reason", "status_reason", "entered", "enrolled_on", "manufactured_on",
      "expires_on",
    ] {
      #expect(!names.contains(banned), "\(banned)")
    }
    #expect(names.allSatisfy { !$0.hasSuffix("_on") }, "dates are written as *_day")
  }
}
