import RegistryDomain

extension FieldSpelling {
  /// The command line's spelling of the domain's field names, used once for every `error:`
  /// line: a field that an option gives is spelled as that option (`weight_kg` →
  /// `--weight-kg`, `FieldSpelling.option`'s rule); a few name what the command line names
  /// otherwise; every other field (`database`, `ID`, `line 3, birth_date`) is printed as it is.
  static let commandLine = FieldSpelling(
    "CLI option",
    exceptions: Dictionary(
      uniqueKeysWithValues: optionFields.map { ($0, FieldSpelling.option($0)) }
    )
    .merging([
      // The protocol file being loaded (`protocol load FILE`), not the `--protocol` code.
      "protocol_definition": "protocol",
      // A correction that changes nothing (`patient correct`, `ae update`).
      "changes": "field",
      // The login `mscreg serve` connects with.
      "service_database": "--database",
    ]) { _, new in new })

  /// The domain's fields that `mscreg` takes as options.
  static let optionFields: [String] = [
    // Patients, consent and enrollment.
    "protocol", "site", "sites", "mrn", "given", "family", "birth_date", "sex", "age",
    "consent_version", "consent_date", "enrolled_on", "contact", "death_date", "reason",
    // Assessments and their measures.
    "visit", "date", "out_of_window", "anchor", "sledai_descriptors", "eular_acr_items",
    "ana_titer", "pga", "bilag", "upcr", "creatinine", "c3", "c4", "anti_dsdna", "bilirubin",
    "inr", "sodium", "albumin", "dialysis", "ascites", "encephalopathy",
    // Lots and infusions.
    "lot", "source", "donor", "product", "passage", "viability", "cd73", "cd90", "cd105", "cd45",
    "cd34", "cd14", "cd19", "hla_dr", "sterility", "mycoplasma", "endotoxin", "manufactured",
    "expires", "weight_kg", "cells", "route",
    // Adverse and clinical events.
    "ae", "term", "grade", "serious", "relatedness", "onset", "resolved", "infusion", "event",
    "kind",
    // Sites, reports, audit, seeding and the schema.
    "name", "country", "as_of", "min_cell", "field", "patients", "migrations", "role",
  ]
}
