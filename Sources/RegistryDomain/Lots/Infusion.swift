import Foundation

/// One MSC infusion of a patient from a lot (SPEC §2). Voided infusions stay stored.
public struct Infusion: Sendable, Equatable, Codable {
  /// Database id (the `--infusion` of `infuse void`).
  public let id: Int64
  /// Study ID of the recipient.
  public let studyID: String
  /// Lot infused.
  public let lotNumber: String
  /// Date of the infusion.
  public let infusedOn: CalendarDate
  /// Body weight on the day, kg.
  public let weightKg: Double
  /// Total cells (or particles for extracellular vesicles).
  public let totalCells: Double
  /// `totalCells / weightKg`.
  public let dosePerKg: Double
  /// Route of administration.
  public let route: Route
  /// When it was voided (entered in error), if it was.
  public let voidedAt: Date?
  /// Why it was voided.
  public let voidReason: String?

  /// Creates an infusion value.
  public init(
    id: Int64, studyID: String, lotNumber: String, infusedOn: CalendarDate, weightKg: Double,
    totalCells: Double, dosePerKg: Double, route: Route, voidedAt: Date? = nil,
    voidReason: String? = nil
  ) {
    self.id = id
    self.studyID = studyID
    self.lotNumber = lotNumber
    self.infusedOn = infusedOn
    self.weightKg = weightKg
    self.totalCells = totalCells
    self.dosePerKg = dosePerKg
    self.route = route
    self.voidedAt = voidedAt
    self.voidReason = voidReason
  }

  /// True unless voided.
  public var isLive: Bool { voidedAt == nil }

  enum CodingKeys: String, CodingKey {
    case id, route
    case studyID = "study_id"
    case lotNumber = "lot_number"
    case infusedOn = "infused_on"
    case weightKg = "weight_kg"
    case totalCells = "total_cells"
    case dosePerKg = "dose_per_kg"
    case voidedAt = "voided_at"
    case voidReason = "void_reason"
  }
}

/// An infusion as `mscreg infuse` was asked to record it, already parsed and range-checked.
public struct InfusionEntry: Sendable, Equatable {
  /// Study ID.
  public let studyID: String
  /// Lot number.
  public let lotNumber: String
  /// Date of the infusion.
  public let date: CalendarDate
  /// Body weight, kg (0 < w ≤ 400).
  public let weightKg: Double
  /// Total cells or particles (0 < n < 1e13).
  public let cells: Double
  /// Route (default `iv`).
  public let route: Route

  /// Dose per kg body weight: cells ÷ weight, computed exactly (`DosePerKg`) and stored as
  /// the nearest double.
  public var dosePerKg: Double { DosePerKg.value(cells: cells, weightKg: weightKg) }

  /// Creates an entry from checked values.
  public init(
    studyID: String, lotNumber: String, date: CalendarDate, weightKg: Double, cells: Double,
    route: Route = .iv
  ) {
    self.studyID = studyID
    self.lotNumber = lotNumber
    self.date = date
    self.weightKg = weightKg
    self.cells = cells
    self.route = route
  }

  /// Parses the options as typed (`--cells 7.0e7` accepted) and checks their ranges.
  ///
  /// - Throws: `RegistryError.refused` naming `lot`, `date`, `weight_kg`, `cells` or
  ///   `route` (the edges spell them: `--weight-kg` on the command line).
  public static func validated(
    studyID: String, lot: String, date: String, weightKg: String, cells: String,
    route: String?
  ) throws -> InfusionEntry {
    let lot = try MSCLot.validatedLotNumber(lot, field: "lot")
    let day = try TextField.date(date, field: "date")
    let weightText = weightKg.trimmingCharacters(in: .whitespaces)
    guard let weight = Double(weightText), weight.isFinite, weight > 0, weight <= 400 else {
      throw RegistryError.refused(
        "weight_kg",
        "\"\(weightText.prefix(40))\" is not a body weight (kg, above 0, at most 400)")
    }
    let cellText = cells.trimmingCharacters(in: .whitespaces)
    guard let count = Double(cellText), count.isFinite, count > 0, count < 1e13 else {
      throw RegistryError.refused(
        "cells",
        "\"\(cellText.prefix(40))\" is not a cell count (a number above 0 and below 1e13, "
          + "such as 7.0e7)")
    }
    let route = try route.map { try Route.parse($0, field: "route") } ?? .iv
    return InfusionEntry(
      studyID: studyID.trimmingCharacters(in: .whitespaces), lotNumber: lot, date: day,
      weightKg: weight, cells: count, route: route)
  }
}

/// Numbers of cells and doses as trial papers write them: `7e7`, `1.2e6`.
public enum DoseFormat {
  /// Scientific notation with up to `decimals` decimals in the mantissa, no trailing zeros;
  /// numbers below 1000 are written plainly.
  public static func scientific(_ x: Double, decimals: Int = 4) -> String {
    guard x.isFinite, abs(x) >= 1000 else { return ClinicalNumber.format(x, decimals: decimals) }
    var exponent = Int(log10(abs(x)).rounded(.down))
    var mantissa = x / pow(10, Double(exponent))
    if abs(mantissa) >= 10 {
      mantissa /= 10
      exponent += 1
    } else if abs(mantissa) < 1 {
      mantissa *= 10
      exponent -= 1
    }
    var text = ClinicalNumber.format(mantissa, decimals: decimals)
    if text == "10" || text == "-10" {
      text = x < 0 ? "-1" : "1"
      exponent += 1
    }
    return "\(text)e\(exponent)"
  }
}
