// swift-tools-version:6.1
// libFuzzer targets for jobctl's parsers, built apart from the product (they need the fuzzer
// runtime, which provides main):
//   swift build --package-path Tests/Fuzz --sanitize fuzzer --sanitize address
//   Tests/Fuzz/.build/debug/FuzzCron Tests/Fuzz/Corpus/cron -max_total_time=600
// `.ci/fuzz-replay` replays the committed corpora; `.ci/hardening` fuzzes for longer.
import PackageDescription

let fuzz: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "jobctl-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "jobctl", path: "../..")],
    targets: [
        .executableTarget(name: "FuzzCron", dependencies: [.product(name: "Schedules", package: "jobctl")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzExpressions", dependencies: [.product(name: "Expressions", package: "jobctl")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzJobFile", dependencies: [.product(name: "Definitions", package: "jobctl")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzHistoryLine", dependencies: [.product(name: "History", package: "jobctl")], swiftSettings: fuzz),
    ]
)
