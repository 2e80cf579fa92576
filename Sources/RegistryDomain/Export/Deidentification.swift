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

  /// Day 0 of the study-time calendar of audit stamps: a patient's enrollment date is written
  /// as this date, every other time as its distance from it.
  public static let studyEpoch = CalendarDate(year: 2000, month: 1, day: 1)!

  /// A UTC time (`YYYY-MM-DDTHH:MM:SSZ`, fractions of a second allowed and dropped) on the
  /// study-time calendar: `dayZero` becomes 2000-01-01, the time of day in UTC is kept, so
  /// every interval and the order of times stay as they were but no real date is written.
  /// Nil when `utc` is not such a time.
  public static func studyTime(utc: String, dayZero: CalendarDate) -> String? {
    let parts = utc.split(separator: "T", maxSplits: 1)
    guard parts.count == 2, let date = CalendarDate(iso: String(parts[0])) else { return nil }
    let clock = parts[1].prefix(8)
    let fields = clock.split(separator: ":")
    guard clock.count == 8, fields.count == 3,
      let hour = Int(fields[0]), let minute = Int(fields[1]), let second = Int(fields[2]),
      (0..<24).contains(hour), (0..<60).contains(minute), (0..<61).contains(second),
      parts[1].hasSuffix("Z")
    else { return nil }
    let shifted = studyEpoch.adding(days: dayZero.days(until: date))
    return "\(shifted)T\(clock)Z"
  }
}
