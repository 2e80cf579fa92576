import RegistryDomain
import Testing

@testable import RegistryReports

@Suite struct CSVCellTests {
  @Test func formulaCellsAreNeutralizedAndNumbersStayNumbers() {
    #expect(CSVTable.field(#"=HYPERLINK("http://x")"#) == #""'=HYPERLINK(""http://x"")""#)
    #expect(CSVTable.field("+1+cmd") == "'+1+cmd")
    #expect(CSVTable.field("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0")
    #expect(CSVTable.field("@SUM(A1:A9)") == "'@SUM(A1:A9)")
    #expect(CSVTable.field("\t=1") == "'\t=1")
    #expect(CSVTable.field("\r=1") == "\"'\r=1\"")
    #expect(CSVTable.field("-") == "'-")
    #expect(CSVTable.field("+5") == "'+5")
    for number in ["-0.5", "-3", "0", "12", "1e-3", "-2.5E+4", "0.25"] {
      #expect(CSVTable.field(number) == number)
    }
    for text in ["", "SLE-PAN-0001", "<5", "≥5", "a=b", "1-2"] {
      #expect(CSVTable.field(text) == text)
    }
    #expect(CSVTable.field("a,b") == "\"a,b\"")
  }

  @Test func everyTableWriterUsesTheOneCellRule() throws {
    let table = DeidentifiedTable(
      name: "consents", header: ["study_id", "version", "signed_day"],
      rows: [["SLE-PAN-0001", "=1+1", "-3"]])
    #expect(CSVTable.render(table) == "study_id,version,signed_day\r\nSLE-PAN-0001,'=1+1,-3\r\n")
    let csv = CohortReportCSV.render(
      try ReportFixtures.sle(minCell: 0, hostileLabel: "=cmd|' /C calc'!A0"))
    #expect(csv.contains("\n'=cmd|' /C calc'!A0,"))
    #expect(!csv.contains("\n=cmd"))
  }
}
