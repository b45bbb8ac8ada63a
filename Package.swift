// swift-tools-version: 6.0
import PackageDescription

let settings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Tidemark",
    products: [
        .library(name: "TidemarkDatabase", targets: ["TidemarkDatabase"]),
        .library(name: "TidemarkDrivers", targets: ["TidemarkDrivers"]),
        .library(name: "TidemarkLoader", targets: ["TidemarkLoader"]),
        .executable(name: "etl-run", targets: ["etl-run"]),
        .executable(name: "simulate", targets: ["simulate"]),
        .executable(name: "bench", targets: ["bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries. Only the driver modules import them.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),

        // The database interface: values, rows, errors, URLs, quoting, portable schema. No C.
        .target(name: "TidemarkDatabase", swiftSettings: settings),
        // Child processes: ProcessRunner and the throwaway servers' directory and watcher.
        .target(name: "TidemarkProcesses", swiftSettings: settings),
        // The drivers, with the throwaway servers of the server engines.
        .target(name: "TidemarkSQLite", dependencies: ["TidemarkDatabase", "CSQLite"], swiftSettings: settings),
        .target(
            name: "TidemarkPostgres", dependencies: ["TidemarkDatabase", "TidemarkProcesses", "CLibPQ"],
            swiftSettings: settings),
        .target(
            name: "TidemarkMySQL", dependencies: ["TidemarkDatabase", "TidemarkProcesses", "CMariaDB"],
            swiftSettings: settings),
        // Opens a connection from a URL with the right driver.
        .target(
            name: "TidemarkDrivers",
            dependencies: ["TidemarkDatabase", "TidemarkSQLite", "TidemarkPostgres", "TidemarkMySQL"],
            swiftSettings: settings),

        // tables.yml: the seed's table config plus Tidemark's own fields, with errors naming file, line, field.
        .target(
            name: "TidemarkConfig", dependencies: ["TidemarkDatabase", .product(name: "Yams", package: "Yams")],
            swiftSettings: settings),
        // The loader core: tracking, cursor planning, strategies, policies, method usage.
        .target(
            name: "TidemarkLoader",
            dependencies: [
                "TidemarkDatabase", "TidemarkConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: settings),
        // Deterministic Open Dental-shaped source data (medication, allergydef, generated large tables).
        .target(name: "TidemarkFixtures", dependencies: ["TidemarkDatabase"], swiftSettings: settings),

        // The scenario simulator: scenario files, damage steps, the matrix runner, the oracle, reports.
        .target(
            name: "TidemarkSimulator",
            dependencies: [
                "TidemarkLoader", "TidemarkDrivers", "TidemarkFixtures", "TidemarkConfig", "TidemarkProcesses",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: settings),

        // The benchmark: baselines, every strategy × path, incremental costs and peak RSS, each case a child process.
        .target(
            name: "TidemarkBenchmark",
            dependencies: [
                "TidemarkLoader", "TidemarkDrivers", "TidemarkFixtures", "TidemarkConfig", "TidemarkPostgres", "TidemarkMySQL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),

        // What the command-line tools share: the loader's choices as argument types, the harnesses' common options.
        .target(
            name: "TidemarkCommandLine",
            dependencies: [
                "TidemarkConfig", "TidemarkDatabase",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings),

        // Command-line tools: thin argument-parser commands over the libraries.
        .executableTarget(
            name: "etl-run",
            dependencies: [
                "TidemarkLoader", "TidemarkDrivers", "TidemarkCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),

        .executableTarget(
            name: "simulate",
            dependencies: [
                "TidemarkSimulator", "TidemarkCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings),

        .executableTarget(
            name: "bench",
            dependencies: [
                "TidemarkBenchmark", "TidemarkConfig", "TidemarkCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings),

        // Test support: throwaway PostgreSQL and MariaDB servers shared by the test process, temp SQLite files.
        .target(name: "TidemarkTestSupport", dependencies: ["TidemarkDrivers", "TidemarkPostgres", "TidemarkMySQL"],
                path: "Tests/TidemarkTestSupport", swiftSettings: settings),
        .testTarget(
            name: "TidemarkDatabaseTests",
            dependencies: [
                "TidemarkDatabase", "TidemarkDrivers", "TidemarkMySQL", "TidemarkProcesses", "TidemarkTestSupport",
            ],
            swiftSettings: settings),
        .testTarget(
            name: "TidemarkLoaderTests",
            dependencies: ["TidemarkLoader", "TidemarkDrivers", "TidemarkFixtures", "TidemarkSimulator", "TidemarkTestSupport"],
            swiftSettings: settings),
        .testTarget(
            name: "TidemarkSimulatorTests",
            dependencies: ["TidemarkSimulator", "TidemarkDrivers", "TidemarkFixtures", "TidemarkTestSupport"],
            swiftSettings: settings),
        .testTarget(
            name: "TidemarkBenchmarkTests",
            dependencies: ["TidemarkBenchmark", "TidemarkConfig", "TidemarkPostgres", "TidemarkTestSupport"],
            swiftSettings: settings),
        .testTarget(
            name: "TidemarkConfigTests",
            dependencies: ["TidemarkConfig", .product(name: "Yams", package: "Yams")],
            swiftSettings: settings),
        .testTarget(
            name: "TidemarkFixturesTests",
            dependencies: ["TidemarkFixtures", "TidemarkDrivers", "TidemarkTestSupport"],
            swiftSettings: settings),
    ]
)
