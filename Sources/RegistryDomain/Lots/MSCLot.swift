import Foundation

/// An MSC lot: manufacturing characterisation, release tests and release status (SPEC §2).
public struct MSCLot: Sendable, Equatable, Codable {
  /// Lot number as printed on the bag: 1–40 letters, digits and `. _ / -`.
  public let lotNumber: String
  /// Tissue the cells were derived from.
  public let source: TissueSource
  /// Autologous or allogeneic.
  public let donor: DonorType
  /// Cells or extracellular vesicles.
  public let product: ProductType
  /// Culture passage, 0–50.
  public let passage: Int
  /// Viability, percent of cells (0–100).
  public let viabilityPct: Double
  /// Surface markers, percent positive.
  public let markers: MarkerPanel
  /// Sterility test result, if recorded.
  public let sterility: MicrobiologyResult?
  /// Mycoplasma test result, if recorded.
  public let mycoplasma: MicrobiologyResult?
  /// Endotoxin, EU/mL, if recorded.
  public let endotoxinEUPerML: Double?
  /// Date of manufacture.
  public let manufacturedOn: CalendarDate
  /// Last day the lot may be infused (an infusion on this day is allowed).
  public let expiresOn: CalendarDate
  /// Release status.
  public let status: LotStatus
  /// Why the lot was rejected (or other note on the last status change).
  public let statusReason: String?

  /// Creates a lot from already validated values.
  public init(
    lotNumber: String, source: TissueSource, donor: DonorType, product: ProductType,
    passage: Int, viabilityPct: Double, markers: MarkerPanel,
    sterility: MicrobiologyResult?, mycoplasma: MicrobiologyResult?, endotoxinEUPerML: Double?,
    manufacturedOn: CalendarDate, expiresOn: CalendarDate, status: LotStatus = .quarantine,
    statusReason: String? = nil
  ) {
    self.lotNumber = lotNumber
    self.source = source
    self.donor = donor
    self.product = product
    self.passage = passage
    self.viabilityPct = viabilityPct
    self.markers = markers
    self.sterility = sterility
    self.mycoplasma = mycoplasma
    self.endotoxinEUPerML = endotoxinEUPerML
    self.manufacturedOn = manufacturedOn
    self.expiresOn = expiresOn
    self.status = status
    self.statusReason = statusReason
  }

  enum CodingKeys: String, CodingKey {
    case source, donor, product, passage, markers, sterility, mycoplasma, status
    case lotNumber = "lot_number"
    case viabilityPct = "viability_pct"
    case endotoxinEUPerML = "endotoxin_eu_ml"
    case manufacturedOn = "manufactured_on"
    case expiresOn = "expires_on"
    case statusReason = "status_reason"
  }

  /// Whether a lot number has the accepted form (the database holds the same pattern).
  public static func isValidLotNumber(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 40 else {
      return false
    }
    func alnum(_ s: Unicode.Scalar) -> Bool {
      s.isASCII && (("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s))
    }
    return alnum(first)
      && text.unicodeScalars.dropFirst().allSatisfy {
        alnum($0) || "._/-".unicodeScalars.contains($0)
      }
  }

  /// Checks the lot number and returns it trimmed, or refuses naming `field`.
  public static func validatedLotNumber(_ text: String, field: String = "lot") throws -> String {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard isValidLotNumber(trimmed) else {
      throw RegistryError.refused(
        field,
        "\"\(trimmed.prefix(60))\" is not a lot number (1–40 letters, digits, . _ / -, "
          + "starting with a letter or digit)")
    }
    return trimmed
  }
}

/// What `lot add` was given, as typed; `validated()` turns it into a quarantined `MSCLot`.
public struct LotEntry: Sendable {
  /// `LOT`.
  public var lotNumber: String
  /// `--source`.
  public var source: String
  /// `--donor`.
  public var donor: String
  /// `--product`.
  public var product: String
  /// `--passage`.
  public var passage: String
  /// `--viability`.
  public var viability: String
  /// `--cd73` … `--hla-dr`, by field name (`cd73`, `hla_dr`).
  public var markers: [String: String]
  /// `--sterility`.
  public var sterility: String?
  /// `--mycoplasma`.
  public var mycoplasma: String?
  /// `--endotoxin` (EU/mL).
  public var endotoxin: String?
  /// `--manufactured`.
  public var manufactured: String
  /// `--expires`.
  public var expires: String

  /// Creates an entry from the options as typed.
  public init(
    lotNumber: String, source: String, donor: String, product: String, passage: String,
    viability: String, markers: [String: String] = [:], sterility: String? = nil,
    mycoplasma: String? = nil, endotoxin: String? = nil, manufactured: String, expires: String
  ) {
    self.lotNumber = lotNumber
    self.source = source
    self.donor = donor
    self.product = product
    self.passage = passage
    self.viability = viability
    self.markers = markers
    self.sterility = sterility
    self.mycoplasma = mycoplasma
    self.endotoxin = endotoxin
    self.manufactured = manufactured
    self.expires = expires
  }

  /// Validates every option and returns a lot in quarantine.
  ///
  /// Passage: whole number 0–50. Viability and markers: percent 0–100. Endotoxin: EU/mL ≥ 0.
  /// Dates: ISO 8601; manufacture not after `today`; expiry on or after manufacture.
  /// - Throws: the first `RegistryError.refused` met, naming its option.
  public func validated(today: CalendarDate = .today()) throws -> MSCLot {
    let lot = try MSCLot.validatedLotNumber(lotNumber)
    let source = try TissueSource.parse(source, field: "source")
    let donor = try DonorType.parse(donor, field: "donor")
    let product = try ProductType.parse(product, field: "product")
    let passageText = passage.trimmingCharacters(in: .whitespaces)
    guard let passage = Int(passageText), (0...50).contains(passage) else {
      throw RegistryError.refused(
        "passage", "\"\(passageText.prefix(40))\" is not a passage (a whole number 0–50)")
    }
    let viability = try Self.percent(viability, field: "viability")
    var panel = MarkerPanel()
    for marker in MarkerPanel.markers {
      if let text = markers[marker.field] {
        panel[keyPath: marker.keyPath] = try Self.percent(text, field: marker.field)
      }
    }
    for field in markers.keys where !MarkerPanel.markers.contains(where: { $0.field == field }) {
      throw RegistryError.refused(field, "is not a marker of the panel")
    }
    let sterility = try sterility.map { try MicrobiologyResult.parse($0, field: "sterility") }
    let mycoplasma = try mycoplasma.map {
      try MicrobiologyResult.parse($0, field: "mycoplasma")
    }
    let endotoxin = try endotoxin.map { text -> Double in
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      guard let value = Double(trimmed), value.isFinite, value >= 0, value < 1e6 else {
        throw RegistryError.refused(
          "endotoxin", "\"\(trimmed.prefix(40))\" is not an endotoxin level (EU/mL, ≥ 0)")
      }
      return value
    }
    let made = try TextField.date(manufactured, field: "manufactured")
    let expiry = try TextField.date(expires, field: "expires")
    guard made <= today else {
      throw RegistryError.refused("manufactured", "\(made) is in the future (today is \(today))")
    }
    guard expiry >= made else {
      throw RegistryError.refused(
        "expires", "\(expiry) is before the manufacture date \(made)")
    }
    return MSCLot(
      lotNumber: lot, source: source, donor: donor, product: product, passage: passage,
      viabilityPct: viability, markers: panel, sterility: sterility, mycoplasma: mycoplasma,
      endotoxinEUPerML: endotoxin, manufacturedOn: made, expiresOn: expiry)
  }

  static func percent(_ text: String, field: String) throws -> Double {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let number = trimmed.hasSuffix("%") ? String(trimmed.dropLast()) : trimmed
    guard let value = Double(number), value.isFinite, (0...100).contains(value) else {
      throw RegistryError.refused(
        field, "\"\(trimmed.prefix(40))\" is not a percentage (a number from 0 to 100)")
    }
    return value
  }
}
