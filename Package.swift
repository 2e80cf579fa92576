// swift-tools-version: 6.2
import PackageDescription

/// Source targets build with every warning as an error (test targets do not: Swift Testing's
/// macro expansions warn on some toolchains).
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
  name: "MSCRegistry",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "mscreg", targets: ["mscreg"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
  ],
  targets: [
    .systemLibrary(
      name: "CLibPQ",
      pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"])]
    ),
    .target(
      name: "PostgresClient", dependencies: ["CLibPQ", "RegistryDomain"], swiftSettings: strict),
    .target(name: "RegistryDomain", swiftSettings: strict),
    .target(
      name: "RegistryProtocolYAML",
      dependencies: ["RegistryDomain", .product(name: "Yams", package: "Yams")],
      swiftSettings: strict),
    .target(name: "RegistrySeed", dependencies: ["RegistryDomain"], swiftSettings: strict),
    .target(
      name: "RegistryStore",
      dependencies: ["PostgresClient", "RegistryDomain", "RegistryProtocolYAML", "RegistrySeed"],
      swiftSettings: strict),
    .target(
      name: "RegistryService",
      dependencies: [
        "RegistryStore", "RegistryDomain", "RegistryProtocolYAML", "RegistrySeed",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    .target(name: "RegistryReports", dependencies: ["RegistryDomain"], swiftSettings: strict),
    .target(
      name: "RegistryServer",
      dependencies: [
        "RegistryService", "RegistryReports", "RegistryDomain",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "HummingbirdTLS", package: "hummingbird"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict),
    .target(
      name: "MSCRegCLI",
      dependencies: [
        "RegistryService", "RegistryReports", "RegistryDomain", "RegistryServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),
    .executableTarget(name: "mscreg", dependencies: ["MSCRegCLI"], swiftSettings: strict),
    .target(
      name: "TestSupport",
      dependencies: ["PostgresClient", "RegistryStore", "RegistryService", "MSCRegCLI"],
      swiftSettings: strict),
    .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"]),
    .testTarget(
      name: "RegistryDomainTests", dependencies: ["RegistryDomain", "RegistryProtocolYAML"]),
    .testTarget(
      name: "RegistrySeedTests",
      dependencies: ["RegistrySeed", "RegistryDomain", "RegistryProtocolYAML"]),
    .testTarget(
      name: "RegistryReportsTests",
      dependencies: ["RegistryReports", "RegistryDomain", "RegistryProtocolYAML"]),
    .testTarget(name: "RegistryStoreTests", dependencies: ["RegistryStore", "TestSupport"]),
    .testTarget(
      name: "RegistryServiceTests", dependencies: ["RegistryService", "TestSupport"]),
    .testTarget(
      name: "RegistryServerTests",
      dependencies: [
        "RegistryServer", "RegistryService", "RegistryStore", "RegistryDomain", "PostgresClient",
        "TestSupport", .product(name: "Yams", package: "Yams"),
        .product(name: "Logging", package: "swift-log"),
      ]),
    .testTarget(
      name: "mscregTests",
      dependencies: [
        "mscreg", "MSCRegCLI", "TestSupport", "RegistryDomain",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Yams", package: "Yams"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
