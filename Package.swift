// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "updater",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "updater", targets: ["updater"]),
        .library(name: "Cron", targets: ["Cron"]),
        .library(name: "DatabaseUpdater", targets: ["DatabaseUpdater"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already in the graph through Hummingbird; named for the handler that gives malformed
        // requests a JSON error (DatabaseUpdaterHTTP/MalformedRequestHandler.swift).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // SHA-256 of row images in the change log (GroundTruth/RowImage.swift).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // Merging a client's log subscription with outside events and heartbeats (Streams/);
        // already in the graph through Hummingbird.
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        // The WebSocket stream of change events (DatabaseUpdaterHTTP).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    ],
    targets: [
        // System-library shims. Only Sources/DatabaseUpdater/Storage imports the database ones;
        // CMalloc (glibc's mallopt) only Service/MemoryTuning.swift.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        // Six-field cron: parsing, evaluation in a time zone, description. Foundation only.
        .target(name: "Cron"),
        // The library: configuration, scheduling, updaters, generation, storage, events, observability.
        .target(
            name: "DatabaseUpdater",
            dependencies: [
                "Cron", "CLibPQ", "CSQLite", "CMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]
        ),
        // The REST API, the Prometheus endpoint and the OpenAPI document.
        .target(
            name: "DatabaseUpdaterHTTP",
            dependencies: [
                "DatabaseUpdater",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Embedded in the binary: the service needs no file beside it.
            resources: [.embedInCode("openapi.yaml"), .embedInCode("LiveView/Assets/index.html"),
                        .embedInCode("LiveView/Assets/view.js"), .embedInCode("LiveView/Assets/view.css")]
        ),
        // The executable: argument parsing and printing, nothing else.
        .executableTarget(
            name: "updater",
            dependencies: [
                "Cron", "DatabaseUpdater", "DatabaseUpdaterHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "UpdaterBenchmark",
            dependencies: [
                "DatabaseUpdater", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Benchmarks/UpdaterBenchmark"
        ),
        .executableTarget(
            name: "CronBenchmark",
            dependencies: ["Cron"],
            path: "Benchmarks/CronBenchmark"
        ),
        .testTarget(name: "CronTests", dependencies: ["Cron"]),
        // Fresh real databases for tests: a new SQLite file, or a new database in the test cluster.
        .target(name: "UpdaterTestSupport", dependencies: ["DatabaseUpdater"], path: "Tests/UpdaterTestSupport"),
        .testTarget(
            name: "DatabaseUpdaterTests",
            dependencies: ["DatabaseUpdater", "UpdaterTestSupport", .product(name: "MetricsTestKit", package: "swift-metrics")]
        ),
        .testTarget(
            name: "DatabaseUpdaterHTTPTests",
            dependencies: ["DatabaseUpdaterHTTP", "DatabaseUpdater", "UpdaterTestSupport", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "UpdaterCLITests",
            dependencies: [.target(name: "updater"), "DatabaseUpdater", "UpdaterTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
