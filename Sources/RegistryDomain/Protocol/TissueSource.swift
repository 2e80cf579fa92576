/// The tissue an MSC lot was derived from (SPEC §2, `lot add --source`).
public enum TissueSource: String, Sendable, Hashable, CaseIterable, Codable {
  /// Bone marrow.
  case boneMarrow = "bone_marrow"
  /// Adipose tissue.
  case adipose
  /// Umbilical cord (Wharton's jelly).
  case umbilicalCord = "umbilical_cord"
  /// Umbilical cord blood.
  case cordBlood = "cord_blood"
  /// Amniotic membrane or fluid.
  case amniotic
  /// Placenta.
  case placenta
}
