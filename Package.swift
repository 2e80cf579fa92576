// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "MSCRegistry",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "mscreg", targets: ["mscreg"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CLibPQ",
      pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"])]
    ),
    .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
    .target(name: "RegistryDomain", dependencies: [.product(name: "Yams", package: "Yams")]),
    .target(name: "RegistryStore", dependencies: ["PostgresClient", "RegistryDomain"]),
    .target(name: "RegistryService", dependencies: ["RegistryStore", "RegistryDomain"]),
    .target(name: "RegistryReports", dependencies: ["RegistryDomain"]),
    .executableTarget(
      name: "mscreg",
      dependencies: [
        "RegistryService", "RegistryReports", "RegistryDomain",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "TestSupport", dependencies: ["PostgresClient", "RegistryStore"]),
    .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"]),
    .testTarget(name: "RegistryDomainTests", dependencies: ["RegistryDomain"]),
    .testTarget(name: "RegistryStoreTests", dependencies: ["RegistryStore", "TestSupport"]),
    .testTarget(
      name: "RegistryServiceTests", dependencies: ["RegistryService", "TestSupport"]),
    .testTarget(name: "mscregTests", dependencies: ["mscreg", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
