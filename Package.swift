// swift-tools-version: 6.0
import PackageDescription

let settings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Tidemark",
    products: [
        .library(name: "TidemarkDatabase", targets: ["TidemarkDatabase"]),
        .library(name: "TidemarkDrivers", targets: ["TidemarkDrivers"]),
    ],
    dependencies: [],
    targets: [
        // C libraries. Only the two driver modules import them.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // The database interface: values, rows, errors, URLs, quoting, portable schema. No C.
        .target(name: "TidemarkDatabase", swiftSettings: settings),
        // The two drivers.
        .target(name: "TidemarkSQLite", dependencies: ["TidemarkDatabase", "CSQLite"], swiftSettings: settings),
        .target(name: "TidemarkPostgres", dependencies: ["TidemarkDatabase", "CLibPQ"], swiftSettings: settings),
        // Opens a connection from a URL with the right driver.
        .target(
            name: "TidemarkDrivers",
            dependencies: ["TidemarkDatabase", "TidemarkSQLite", "TidemarkPostgres"],
            swiftSettings: settings),

        // Test support: a throwaway PostgreSQL cluster shared by a suite, temp SQLite files.
        .target(name: "TidemarkTestSupport", dependencies: ["TidemarkDrivers"], path: "Tests/TidemarkTestSupport",
                swiftSettings: settings),
        .testTarget(
            name: "TidemarkDatabaseTests",
            dependencies: ["TidemarkDatabase", "TidemarkDrivers", "TidemarkTestSupport"],
            swiftSettings: settings),
    ]
)
