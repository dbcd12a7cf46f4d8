// swift-tools-version:6.1
// libFuzzer targets for the cron parser and the configuration loader (issue 12).
//
// A package of its own, so the sanitizer flags never reach the main build. Build and run with
// `make fuzz` (scripts/fuzz.sh, which documents the flags); by hand, from this folder:
//
//     swift build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address --product FuzzCron
//     SWIFT_BACKTRACE=enable=no .build/debug/FuzzCron -max_total_time=60 -rss_limit_mb=2048 -timeout=10 \
//         -dict=cron.dict .corpus/cron ../Fixtures/fuzz/cron
//
// Each target is one file defining `LLVMFuzzerTestOneInput` (not main.swift, so SwiftPM compiles it
// as a library file); libFuzzer provides `main`.
import PackageDescription

let package = Package(
    name: "UpdaterFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "updater", path: ".."),
    ],
    targets: [
        // Cron: parse, explain, evaluate in UTC and in zones with daylight saving; checks invariants.
        .executableTarget(
            name: "FuzzCron",
            dependencies: [.product(name: "Cron", package: "updater")]
        ),
        // Configuration: ConfigLoader.load(data:name:) on arbitrary bytes.
        .executableTarget(
            name: "FuzzConfig",
            dependencies: [.product(name: "DatabaseUpdater", package: "updater")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
