import Foundation

/// Marks which analyte a `LabValue` holds, so that a score cannot be handed the wrong one.
public protocol AnalyteKind: Sendable {
  /// The analyte of this kind.
  static var analyte: Analyte { get }
}

/// The analyte kinds of `LabValue` (one caseless enum per `Analyte`).
public enum AnalyteTag {
  /// Bilirubin, mg/dL (µmol/L ÷ 17.1), 0.1–80 mg/dL.
  public enum Bilirubin: AnalyteKind { public static var analyte: Analyte { .bilirubin } }
  /// Creatinine, mg/dL (µmol/L ÷ 88.4), 0.1–25 mg/dL.
  public enum Creatinine: AnalyteKind { public static var analyte: Analyte { .creatinine } }
  /// Albumin, g/dL (g/L ÷ 10), 0.5–7 g/dL.
  public enum Albumin: AnalyteKind { public static var analyte: Analyte { .albumin } }
  /// Sodium, mmol/L, 100–180.
  public enum Sodium: AnalyteKind { public static var analyte: Analyte { .sodium } }
  /// INR, no unit, 0.5–15.
  public enum INR: AnalyteKind { public static var analyte: Analyte { .inr } }
  /// UPCR, g/g (mg/mmol ÷ 100, mg/g ÷ 1000), 0–30 g/g.
  public enum UPCR: AnalyteKind { public static var analyte: Analyte { .upcr } }
  /// C3, mg/dL (g/L × 100), 0–500 mg/dL.
  public enum C3: AnalyteKind { public static var analyte: Analyte { .c3 } }
  /// C4, mg/dL (g/L × 100), 0–200 mg/dL.
  public enum C4: AnalyteKind { public static var analyte: Analyte { .c4 } }
  /// Anti-dsDNA, IU/mL, 0–10000.
  public enum AntiDsDNA: AnalyteKind { public static var analyte: Analyte { .antiDsDNA } }
}

/// A validated laboratory value of one analyte, typed so that scores take the right one.
///
/// Units, conversion factors and plausible ranges are those of `Analyte` (SPEC §2 and §4; the
/// registry's choices are listed there). The value as entered and its unit are kept beside
/// the canonical value; conversion happens exactly once, on construction.
///
/// ```swift
/// let bilirubin = try Bilirubin(parsing: "85umol/L")  // canonical 4.970760234 mg/dL
/// let inr = try INR(1.2)
/// ```
public struct LabValue<Kind: AnalyteKind>: Sendable, Hashable, CustomStringConvertible {
  /// The validated reading (analyte, entered value and unit, canonical value).
  public let reading: LabReading

  /// The analyte of this type.
  public static var analyte: Analyte { Kind.analyte }

  /// The number as entered.
  public var entered: Double { reading.entered }
  /// The unit it was entered in.
  public var enteredUnit: LabUnit { reading.enteredUnit }
  /// The value in the canonical unit (`Analyte.canonicalUnit`), the one scores use.
  public var canonical: Double { reading.canonical }

  /// Validates a number in a unit (default: the canonical unit).
  ///
  /// - Throws: `RegistryError.refused` naming the option (`--bilirubin` …) for NaN, infinity,
  ///   negative values, units not accepted, and values outside the plausible range.
  public init(_ entered: Double, unit: LabUnit? = nil) throws {
    reading = try LabReading(Kind.analyte, entered: entered, unit: unit)
  }

  /// Parses command-line text such as `85umol/L`, `85 µmol/L`, `1.2`, `31g/L`, `45mg/mmol`.
  ///
  /// - Throws: `RegistryError.refused` naming the option, as `LabReading(_:parsing:)`.
  public init(parsing text: String) throws {
    reading = try LabReading(Kind.analyte, parsing: text)
  }

  /// Wraps an untyped reading; nil when it is of another analyte.
  public init?(_ reading: LabReading) {
    guard reading.analyte == Kind.analyte else { return nil }
    self.reading = reading
  }

  /// As `LabReading.description`: `85 µmol/L (4.9708 mg/dL)`.
  public var description: String { reading.description }
}

/// Total bilirubin (mg/dL canonical).
public typealias Bilirubin = LabValue<AnalyteTag.Bilirubin>
/// Serum creatinine (mg/dL canonical).
public typealias Creatinine = LabValue<AnalyteTag.Creatinine>
/// Serum albumin (g/dL canonical).
public typealias Albumin = LabValue<AnalyteTag.Albumin>
/// Serum sodium (mmol/L).
public typealias Sodium = LabValue<AnalyteTag.Sodium>
/// International normalised ratio (no unit).
public typealias INR = LabValue<AnalyteTag.INR>
/// Urine protein/creatinine ratio (g/g canonical).
public typealias UPCR = LabValue<AnalyteTag.UPCR>
/// Complement C3 (mg/dL canonical).
public typealias C3 = LabValue<AnalyteTag.C3>
/// Complement C4 (mg/dL canonical).
public typealias C4 = LabValue<AnalyteTag.C4>
/// Anti-dsDNA antibodies (IU/mL).
public typealias AntiDsDNA = LabValue<AnalyteTag.AntiDsDNA>
