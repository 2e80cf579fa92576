import RegistryDomain

/// Small fixed lists the synthetic cohort draws names and adverse-event terms from.
enum SyntheticNames {
  static let female = [
    "María", "Ana", "Lucía", "Carmen", "Sofía", "Isabel", "Valentina", "Camila", "Elena", "Rosa",
    "Mei", "Li", "Xiu", "Yan", "Fang", "Hui", "Jing", "Ling",
  ]
  static let male = [
    "José", "Carlos", "Luis", "Juan", "Miguel", "Andrés", "Jorge", "Diego", "Pedro", "Rafael",
    "Wei", "Jun", "Hao", "Lei", "Ming", "Qiang", "Tao", "Bo",
  ]
  static let family = [
    "García", "Rodríguez", "Martínez", "Pérez", "González", "Sánchez", "Ramírez", "Torres",
    "Flores", "Díaz", "Castillo", "Herrera", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang",
    "Zhao", "Huang",
  ]

  /// CTCAE v5 terms of reactions on the day of an MSC infusion.
  static let infusionTerms = ["Fever", "Infusion related reaction", "Chills", "Headache"]
  /// CTCAE v5 terms common in SLE trials.
  static let sleTerms = [
    "Upper respiratory infection", "Urinary tract infection", "Herpes zoster", "Nausea",
    "Diarrhea", "Arthralgia", "Headache", "Anemia", "Hypertension", "Lung infection",
    "Fatigue", "Rash maculo-papular",
  ]
  /// CTCAE v5 terms common in acute-on-chronic liver failure.
  static let liverTerms = [
    "Ascites", "Hepatic failure", "Upper gastrointestinal hemorrhage", "Peritoneal infection",
    "Acute kidney injury", "Hyponatremia", "Lung infection", "Fever", "Diarrhea",
    "Encephalopathy", "Hypoalbuminemia", "Nausea",
  ]
  /// Terms of fatal (grade 5) events.
  static let sleFatalTerms = ["Sepsis", "Lung infection", "Acute kidney injury", "Stroke"]
  /// Terms of fatal (grade 5) events in liver failure.
  static let liverFatalTerms = [
    "Hepatic failure", "Multi-organ failure", "Sepsis", "Upper gastrointestinal hemorrhage",
  ]
}
