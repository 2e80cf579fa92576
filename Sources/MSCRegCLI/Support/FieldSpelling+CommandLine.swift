import ArgumentParser
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
      // Positional arguments, as the help shows them (`patient show ID`, `site add CODE`).
      // `lot` and `name` are options of some commands and positional arguments of others:
      // those commands add their own spelling (`PositionalFields`).
      "study_id": "ID", "audit_row": "ID", "code": "CODE", "file": "FILE", "key": "KEY",
    ]) { _, new in new })

  /// The command line's spelling for one command: `commandLine` with the command's own
  /// positional arguments (`lot release LOT`) when it declares them.
  static func commandLine(for command: (any ParsableCommand)?) -> FieldSpelling {
    guard let fields = command as? any PositionalFields else { return commandLine }
    return commandLine.adding(type(of: fields).positionalFields)
  }

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
    // The service.
    "tls_certificate", "tls_key",
    // Adverse and clinical events.
    "ae", "term", "grade", "serious", "relatedness", "onset", "resolved", "infusion", "event",
    "kind",
    // Sites, reports, audit, seeding and the schema.
    "name", "country", "as_of", "min_cell", "field", "patients", "migrations", "role",
  ]
}

/// A command whose positional arguments name a domain field that other commands take as an
/// option: `lot release LOT` against `infuse --lot`, `user add NAME` against `site add --name`.
protocol PositionalFields {
  /// Domain field name → the positional argument's name in the help (`lot` → `LOT`).
  static var positionalFields: [String: String] { get }
}
