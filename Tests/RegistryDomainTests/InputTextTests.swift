import Testing

@testable import RegistryDomain

@Suite struct InputTextTests {
  @Test func mrnLookAlikesNormalizeToOneForm() {
    #expect(InputText.normalizedMRN("１２３４５７") == "123457")
    #expect(InputText.normalizedMRN("\u{2060}123457") == "123457")
    #expect(InputText.normalizedMRN("\u{200B}12\u{FEFF}34\u{00AD}57 ") == "123457")
    #expect(InputText.normalizedMRN("\u{3000}H-88121\u{00A0}") == "H-88121")
    #expect(InputText.normalizedMRN("ｈ－８８１２１") == "h-88121")
    #expect(InputText.normalizedMRN("123457") == "123457")
    let a = try? PatientIdentity.validated(
      mrn: "１２３４５７", givenName: "A", familyName: "B", birthDate: "1990-01-01")
    #expect(a?.mrn == "123457")
    // Nothing but format characters is no MRN.
    #expect(throws: RegistryError.self) {
      try PatientIdentity.validated(
        mrn: "\u{200B}\u{2060}", givenName: "A", familyName: "B", birthDate: "1990-01-01")
    }
  }

  @Test func controlAndBidiCharactersAreRefusedNamingTheField() {
    for bad in [
      "a\u{0}b", "a\tb", "a\nb", "a\rb", "a\u{1B}[31m", "a\u{7F}", "a\u{85}b", "a\u{9F}",
      "\u{202A}x", "\u{202B}x", "\u{202C}x", "\u{202D}x", "\u{202E}gnp.exe", "\u{2066}x",
      "\u{2067}x", "\u{2068}x", "\u{2069}x",
    ] {
      do {
        _ = try TextField.validated(bad, field: "reason", maxLength: 1000)
        Issue.record("accepted \(bad.unicodeScalars.map { $0.value })")
      } catch let error as RegistryError {
        #expect(error.kind == .refused && error.exitStatus == 65)
        #expect(error.field == "reason")
      } catch { Issue.record("\(error)") }
    }
    // Accepted: letters of any script, accents, a zero-width joiner in a name.
    for good in ["Pérez", "张伟", "علي", "O'Brien-Smith", "x\u{200D}y", "=HYPERLINK(\"x\")"] {
      #expect(InputText.refusedScalar(in: good) == nil, "\(good)")
    }
    #expect(throws: RegistryError.self) {
      try Site.validated(code: "NEW", name: "Pan\u{202E}ama", country: nil)
    }
    #expect(throws: RegistryError.self) {
      try EnrollmentRequest.parsing(
        protocolCode: "SLE-UCMSC", site: "PAN", mrn: "1", given: "A", family: "B",
        birthDate: "1990-01-01", sex: "F", consentVersion: "2.1\u{2066}", consentDate: "2026-01-01",
        enrolledOn: nil, contact: nil, measures: RawMeasures())
    }
  }

  @Test func commandLineArgumentsAreCheckedNamingTheOption() {
    func field(_ args: [String]) -> String? {
      do {
        try InputText.checkArguments(args)
        return nil
      } catch let error as RegistryError {
        return error.field
      } catch { return "\(error)" }
    }
    #expect(field(["ae", "add", "SLE-PAN-0001", "--term", "ok"]) == nil)
    #expect(field(["ae", "add", "SLE-PAN-0001", "--term", "bad\u{202E}"]) == "--term")
    #expect(field(["ae", "add", "SLE-PAN-0001", "--term=bad\u{7}"]) == "--term")
    #expect(field(["patient", "show", "SLE\u{2067}-PAN-0001"]) == "argument 3")
  }
}
