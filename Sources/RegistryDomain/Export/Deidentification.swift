/// The de-identification rules of `mscreg export --deidentified` (HIPAA Safe Harbor style).
///
/// Pure functions, no I/O: ages of 90 and over are one band, `90+`; the birth year is kept only
/// below that age; every date of a patient becomes the number of days from the patient's
/// enrollment (day 0), so no calendar date leaves the registry.
public enum Deidentification {
  /// The youngest age that is written as the band `90+` instead of a number.
  public static let topAgeBand = 90

  /// An age in whole years as written in an export: `"90+"` from 90 on, else the number.
  public static func age(_ years: Int) -> String {
    years >= topAgeBand ? "\(topAgeBand)+" : String(years)
  }

  /// The birth year as written in an export: nil (left empty) when the age is 90 or over,
  /// because a birth year would then give the exact age away.
  public static func birthYear(_ year: Int, ageAtEnrollment: Int) -> Int? {
    ageAtEnrollment >= topAgeBand ? nil : year
  }

  /// A date as days from enrollment (day 0; negative before it, as a screening visit may be).
  public static func day(_ date: CalendarDate, enrolledOn: CalendarDate) -> Int {
    enrolledOn.days(until: date)
  }
}
