import RegistryProtocolYAML
import Testing

@testable import RegistryDomain

@Suite struct BlockRandomizerTests {
  static let twoToOne = [
    ProtocolArm(code: "msc", ratio: 2, receivesMSC: true),
    ProtocolArm(code: "control", ratio: 1, receivesMSC: false),
  ]

  @Test func splitMix64AndFNVReferenceValues() {
    // SplitMix64 seeded with 1234567 (Vigna's splitmix64.c): first outputs.
    var g = SplitMix64(seed: 1_234_567)
    #expect(g.next() == 6_457_827_717_110_365_317)
    #expect(g.next() == 3_203_168_211_198_807_973)
    #expect(g.next() == 9_817_491_932_198_370_423)
    // FNV-1a 64 reference vectors (Noll's test suite).
    #expect(FNV1a64.hash("") == 0xcbf2_9ce4_8422_2325)
    #expect(FNV1a64.hash("a") == 0xaf63_dc4c_8601_ec8c)
    #expect(FNV1a64.hash("foobar") == 0x8594_4171_f739_67e8)
  }

  @Test func completedBlocksAreBalancedByRatio() throws {
    let r = try #require(BlockRandomizer(arms: Self.twoToOne, blockSizes: [3, 6, 9], seed: 99))
    let blocks = r.blocks(stratum: "PAN", count: 500)
    var sizes: Set<Int> = []
    for block in blocks {
      sizes.insert(block.count)
      let msc = block.filter { $0.code == "msc" }.count
      #expect(msc * 3 == block.count * 2)
      #expect(block.count - msc == block.count / 3)
    }
    #expect(sizes == [3, 6, 9])
    // The allocation list is the concatenation of the blocks.
    let flat = blocks.flatMap { $0 }
    #expect(r.sequence(stratum: "PAN", count: flat.count) == flat)
    for index in [0, 1, 2, 17, 100, 333] {
      #expect(r.arm(stratum: "PAN", index: index) == flat[index])
    }
  }

  @Test func sameSeedSameSequenceOtherSeedOrStratumDiffers() throws {
    let arms = [
      ProtocolArm(code: "msc", ratio: 1, receivesMSC: true),
      ProtocolArm(code: "smt", ratio: 1, receivesMSC: false),
    ]
    let a = try #require(BlockRandomizer(arms: arms, blockSizes: [2, 4, 6], seed: 20_261_120))
    let b = try #require(BlockRandomizer(arms: arms, blockSizes: [2, 4, 6], seed: 20_261_120))
    let c = try #require(BlockRandomizer(arms: arms, blockSizes: [2, 4, 6], seed: 20_261_121))
    let pan = a.sequence(stratum: "PAN", count: 200).map(\.code)
    #expect(b.sequence(stratum: "PAN", count: 200).map(\.code) == pan)
    #expect(c.sequence(stratum: "PAN", count: 200).map(\.code) != pan)
    let tok = a.sequence(stratum: "TOK", count: 200).map(\.code)
    #expect(tok != pan)
    // Strata are independent: allocating in TOK does not move PAN's list (pure function).
    #expect(a.sequence(stratum: "PAN", count: 200).map(\.code) == pan)
    // Golden list: guards the algorithm against accidental change (re-derivable from the doc).
    #expect(a.sequence(stratum: "PAN", count: 12).map(\.code) == Self.goldenPAN)
  }

  /// The first 12 allocations of stratum PAN, seed 20261120, arms msc:smt 1:1, blocks [2, 4, 6],
  /// derived independently by a Python transcription of the documented algorithm
  /// (scripts/crosscheck_stats.py `block_sequence`).
  static let goldenPAN = [
    "smt", "msc", "smt", "msc", "msc", "smt", "msc", "smt", "msc", "smt", "smt", "msc",
  ]

  @Test func singleArmAlwaysGivesThatArm() throws {
    let only = [ProtocolArm(code: "msc", ratio: 1, receivesMSC: true)]
    let r = try #require(BlockRandomizer(arms: only, blockSizes: [], seed: 5))
    for index in 0..<50 { #expect(r.arm(stratum: "X", index: index).code == "msc") }
    #expect(r.sequence(stratum: "X", count: 3).map(\.code) == ["msc", "msc", "msc"])
  }

  @Test func refusesInconsistentSettings() {
    #expect(BlockRandomizer(arms: [], blockSizes: [2], seed: 1) == nil)
    #expect(BlockRandomizer(arms: Self.twoToOne, blockSizes: [4], seed: 1) == nil)
    #expect(BlockRandomizer(arms: Self.twoToOne, blockSizes: [], seed: 1) == nil)
  }

  @Test func fromProtocolUsesItsSettings() throws {
    let p = try TrialProtocol(yaml: ProtocolExamples.sle)
    let r = p.randomizer
    #expect(r.seed == 20_261_120 && r.blockSizes == [4] && r.arms == p.arms)
    for block in r.blocks(stratum: "PAN", count: 50) {
      #expect(block.filter { $0.code == "msc" }.count == 2 && block.count == 4)
    }
  }
}
