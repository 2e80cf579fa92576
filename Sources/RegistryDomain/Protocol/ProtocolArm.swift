/// One arm of a trial (`arms[]` in the protocol file).
public struct ProtocolArm: Sendable, Hashable {
  /// The arm's code, lower-case (`msc`, `control`, `smt`); unique within the protocol.
  public let code: String
  /// Allocation ratio, a positive integer (1:1 → both 1; 2:1 → 2 and 1).
  public let ratio: Int
  /// Whether patients of this arm receive MSC infusions (infusions are refused otherwise).
  public let receivesMSC: Bool

  /// Creates an arm; the values are taken as given (validation happens when a file is read).
  public init(code: String, ratio: Int, receivesMSC: Bool) {
    self.code = code
    self.ratio = ratio
    self.receivesMSC = receivesMSC
  }
}
