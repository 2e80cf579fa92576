import Testing

@testable import RegistryDomain

@Suite struct ScorePropertyTests {
  @Test func sledaiEqualsTheSumOfItsPartsOverRandomSubsets() {
    var rng = SeededGenerator(seed: 20_261_121)
    let all = SLEDAIDescriptor.allCases
    for _ in 0..<20_000 {
      let mask = UInt32.random(in: 0..<(1 << 24), using: &rng)
      let chosen = all.indices.filter { mask & (1 << $0) != 0 }.map { all[$0] }
      let s = SLEDAI2K(chosen.shuffled(using: &rng))
      #expect(s.score == s.parts.reduce(0) { $0 + Int($1.value) })
      #expect(s.score == chosen.reduce(0) { $0 + $1.weight })
      #expect((0...SLEDAI2K.maximum).contains(s.score))
      #expect(s.descriptors.count == chosen.count)
    }
  }

  @Test func eularACRTotalNeverExceedsTheDomainMaxima() throws {
    var rng = SeededGenerator(seed: 77)
    let all = EULARACRItem.allCases
    for _ in 0..<20_000 {
      let mask = UInt32.random(in: 0..<(1 << 21), using: &rng)
      let chosen = all.indices.filter { mask & (1 << $0) != 0 }.map { all[$0] }
      let titer = [nil, 0, 40, 80, 160, 1280].randomElement(using: &rng)!
      let r = try EULARACR2019(items: chosen, anaTiter: titer)
      #expect(r.total <= EULARACR2019.maximumTotal)
      #expect(r.total == r.counted.reduce(0) { $0 + $1.weight })
      #expect(Set(r.counted.map(\.domain)).count == r.counted.count)
      for item in chosen {
        let top = r.counted.first { $0.domain == item.domain }
        #expect(top != nil && top!.weight >= item.weight)
      }
      #expect(r.classified == (r.entryCriterionMet && r.total >= 10 && r.hasClinicalCriterion))
    }
  }

  @Test func liverScoresStayInTheirBounds() throws {
    var rng = SeededGenerator(seed: 4242)
    func draw(_ a: Analyte) -> Double {
      let r = a.plausibleRange
      return Double.random(in: r, using: &rng)
    }
    for _ in 0..<5_000 {
      let b = try Bilirubin(draw(.bilirubin))
      let c = try Creatinine(draw(.creatinine))
      let i = try INR(draw(.inr))
      let na = try Sodium(draw(.sodium))
      let alb = try Albumin(draw(.albumin))
      let dialysis = Bool.random(using: &rng)
      let m = try MELD(bilirubin: b, creatinine: c, inr: i, dialysis: dialysis)
      #expect((6...40).contains(m.score))
      let mn = try MELDNa(meld: m, sodium: na)
      #expect((6...40).contains(mn.score))
      #expect(mn.sodiumApplied || mn.score == m.score)
      let m3 = try MELD3(
        sex: Bool.random(using: &rng) ? .female : .male, bilirubin: b, sodium: na, inr: i,
        creatinine: c, albumin: alb, dialysis: dialysis)
      #expect((6...40).contains(m3.score))
      let cp = try ChildPugh(
        bilirubin: b, albumin: alb, inr: i, ascites: Ascites.allCases.randomElement(using: &rng),
        encephalopathy: Encephalopathy.allCases.randomElement(using: &rng))
      #expect((5...15).contains(cp.score))
      #expect(cp.classification == ChildPughClass(points: cp.score))
    }
  }

  @Test func meldNeverFallsWhenALabRises() throws {
    var rng = SeededGenerator(seed: 9)
    for _ in 0..<2_000 {
      let b = Double.random(in: 0.1...40, using: &rng)
      let c = Double.random(in: 0.1...10, using: &rng)
      let i = Double.random(in: 0.5...8, using: &rng)
      let base = try MELD(bilirubin: Bilirubin(b), creatinine: Creatinine(c), inr: INR(i))
      let higher = try MELD(bilirubin: Bilirubin(b * 1.5), creatinine: Creatinine(c), inr: INR(i))
      #expect(higher.score >= base.score)
    }
  }

  @Test func siEntryRoundTripsThroughText() throws {
    var rng = SeededGenerator(seed: 31)
    for _ in 0..<2_000 {
      let umol = (Double.random(in: 2...1300, using: &rng) * 10).rounded() / 10
      let parsed = try Bilirubin(parsing: "\(umol) µmol/L")
      #expect(parsed.entered == umol)
      #expect(abs(parsed.canonical - umol / 17.1) < 1e-8)
    }
  }
}
