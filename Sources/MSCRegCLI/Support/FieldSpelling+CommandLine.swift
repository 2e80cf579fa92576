import RegistryDomain

extension FieldSpelling {
  /// The command line's spelling of the domain's field names: its options. Fields still
  /// named by their option in the middle layers (`--date`) pass through unchanged.
  static let commandLine = FieldSpelling(
    "CLI option",
    exceptions: [
      "lot": "--lot", "weight_kg": "--weight-kg", "cells": "--cells", "route": "--route",
    ])
}
