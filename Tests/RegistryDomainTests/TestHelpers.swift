import Testing

@testable import RegistryDomain

/// Runs `body`, expects a refusal (`RegistryError.refused`) naming `field` whose message
/// contains `fragment`, and returns the error.
@discardableResult
func expectRefused<T>(
  _ field: String, _ fragment: String? = nil,
  sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) -> RegistryError? {
  do {
    _ = try body()
  } catch let error as RegistryError {
    #expect(error.kind == .refused, sourceLocation: sourceLocation)
    #expect(error.field == field, "\(error)", sourceLocation: sourceLocation)
    if let fragment {
      #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
    }
    return error
  } catch {
    Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    return nil
  }
  Issue.record("expected a refusal naming \(field)", sourceLocation: sourceLocation)
  return nil
}

/// A small seeded generator (SplitMix64) so that property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
