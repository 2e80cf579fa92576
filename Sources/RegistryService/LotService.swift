import RegistryDomain
import RegistryStore

/// MSC lots: registration in quarantine, the release gate, rejection, and the look-back from a
/// lot to its recipients.
public struct LotService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Validates and registers a new lot in `quarantine`.
  ///
  /// Refused (exit 65, nothing written): any invalid option (see `LotEntry.validated`), a lot
  /// number already registered.
  public func add(_ entry: LotEntry, today: CalendarDate = .today()) throws -> MSCLot {
    let lot = try entry.validated(today: today)
    let store = try database.open()
    return try store.transaction(reason: "lot add \(lot.lotNumber)") {
      let lots = LotRepository(store)
      if try lots.find(lotNumber: lot.lotNumber) != nil {
        throw RegistryError.conflict("lot", "lot \(lot.lotNumber) is already registered")
      }
      try lots.insert(lot)
      return lot
    }
  }

  /// Releases a quarantined lot that meets the release specification (`ReleaseCheck`).
  ///
  /// Refused (exit 65, nothing written) with every failing item named; unknown lot: exit 66;
  /// a lot already released or rejected: exit 65.
  public func release(lotNumber: String, today: CalendarDate = .today()) throws -> MSCLot {
    let number = try MSCLot.validatedLotNumber(lotNumber)
    let store = try database.open()
    return try store.transaction(reason: "lot release \(number)") {
      let lots = LotRepository(store)
      guard let lot = try lots.find(lotNumber: number, lock: .update) else {
        throw RegistryError.notFound("lot", "no lot \(number)")
      }
      guard lot.status == .quarantine else {
        throw RegistryError.refused(
          "lot", "lot \(number) is \(lot.status.rawValue); only a lot in quarantine is released")
      }
      let failures = ReleaseCheck.failures(lot, today: today)
      guard failures.isEmpty else {
        throw RegistryError.refused(
          "lot",
          "lot \(number) cannot be released (\(failures.count) "
            + "item\(failures.count == 1 ? "" : "s") failed): "
            + failures.joined(separator: "; ") + "; it stays in quarantine")
      }
      try lots.updateStatus(lotNumber: number, to: .released, reason: nil)
      return try lots.find(lotNumber: number)!
    }
  }

  /// Rejects a lot in quarantine, or recalls a released one, with a mandatory reason.
  ///
  /// A rejected lot can no longer be infused; infusions already given stay on record (see
  /// `recipients`). Unknown lot: exit 66; already rejected: exit 65.
  public func reject(lotNumber: String, reason: String) throws -> MSCLot {
    let number = try MSCLot.validatedLotNumber(lotNumber)
    let reason = try TextField.validated(reason, field: "reason", maxLength: 1000)
    let store = try database.open()
    return try store.transaction(reason: reason) {
      let lots = LotRepository(store)
      guard let lot = try lots.find(lotNumber: number, lock: .update) else {
        throw RegistryError.notFound("lot", "no lot \(number)")
      }
      guard lot.status != .rejected else {
        throw RegistryError.conflict("lot", "lot \(number) is already rejected")
      }
      try lots.updateStatus(lotNumber: number, to: .rejected, reason: reason)
      return try lots.find(lotNumber: number)!
    }
  }

  /// Lots, optionally of one status.
  public func list(status: LotStatus? = nil) throws -> [MSCLot] {
    let store = try database.open()
    return try store.read { try LotRepository(store).list(status: status) }
  }

  /// A lot with its recipients and their adverse events since the infusion; exit 66 if unknown.
  public func show(lotNumber: String) throws -> LotDetail {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead) {
      let lots = LotRepository(store)
      guard let lot = try lots.find(lotNumber: lotNumber) else {
        throw RegistryError.notFound("lot", "no lot \(lotNumber)")
      }
      return LotDetail(
        lot: lot, recipients: try lots.recipients(lotNumber: lotNumber),
        adverseEvents: try lots.adverseEvents(lotNumber: lotNumber))
    }
  }

  /// Every live infusion from a lot with its recipient (for a recall); exit 66 if unknown.
  public func recipients(lotNumber: String) throws -> [LotRecipient] {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead) {
      let lots = LotRepository(store)
      guard try lots.find(lotNumber: lotNumber) != nil else {
        throw RegistryError.notFound("lot", "no lot \(lotNumber)")
      }
      return try lots.recipients(lotNumber: lotNumber)
    }
  }
}
