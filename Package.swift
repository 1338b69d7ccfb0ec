// swift-tools-version:6.1
import Foundation
import PackageDescription

/// One settings array for every target: Swift 6 language mode is the package default;
/// existential `any` is spelled out and imports are internal unless a type crosses the API.
/// Release builds on Linux compile against the static Swift runtime and Foundation (see
/// `executableLinking`), so that their modules name the static libraries they need.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release)),
]

/// How libgit2 is linked. Where the distribution ships its static archives (Debian's
/// `libgit2-dev` does, with those of its dependencies), it is linked into the executable: the
/// shared library and the eight it pulls in cost ~3 ms of dynamic loading in every command, git
/// or not. Elsewhere (or with `JOBCTL_SHARED_LIBGIT2=1`), the shared library pkg-config names.
/// Kerberos, which libgit2 uses for HTTP Negotiate, has no static archive and stays shared.
let libgit2Archives = ["libgit2.a", "libmbedtls.a", "libmbedx509.a", "libmbedcrypto.a", "libhttp_parser.a", "libssh2.a", "libcrypto.a", "libpcre2-8.a"]
#if os(Linux) && arch(x86_64)
let libraryFolder = "/usr/lib/x86_64-linux-gnu"
#elseif os(Linux) && arch(arm64)
let libraryFolder = "/usr/lib/aarch64-linux-gnu"
#else
let libraryFolder = ""
#endif
let linksLibgit2Statically = !libraryFolder.isEmpty && ProcessInfo.processInfo.environment["JOBCTL_SHARED_LIBGIT2"] == nil
    && libgit2Archives.allSatisfy { FileManager.default.fileExists(atPath: libraryFolder + "/" + $0) }
    && FileManager.default.fileExists(atPath: libraryFolder + "/libgssapi_krb5.so.2")
let libgit2Linking: [LinkerSetting] = linksLibgit2Statically
    ? libgit2Archives.map { .linkedLibrary(":" + $0) } + [.linkedLibrary(":libgssapi_krb5.so.2"), .linkedLibrary("z"), .linkedLibrary("rt")]
    : [.linkedLibrary("git2")]

/// The release executable: the Swift runtime and Foundation linked in (`-static-stdlib`), and not
/// position-independent, so that the dynamic loader has next to nothing to relocate (a PIE of
/// this size has ~160,000 relative relocations to apply at every start). Debug builds (the test
/// suite's) stay dynamic: they link faster.
let executableLinking: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-Xlinker", "-no-pie", "-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "jobctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jobctl", targets: ["jobctl"]),
        .library(name: "Schedules", targets: ["Schedules"]),
        .library(name: "Expressions", targets: ["Expressions"]),
        .library(name: "Definitions", targets: ["Definitions"]),
        .library(name: "History", targets: ["History"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure domain targets: Foundation only (and the shared text diagnostics).
        .target(name: "Diagnostics", swiftSettings: swiftSettings),
        // The one lock type (a pthread mutex that ThreadSanitizer sees; Synchronization's is a futex it
        // cannot) and the one parallel map.
        .target(name: "Locks", swiftSettings: swiftSettings),
        // The one JSON reader: history lines, request bodies, events.
        .target(name: "JSONText", swiftSettings: swiftSettings),
        .target(name: "Schedules", dependencies: ["Diagnostics"], swiftSettings: swiftSettings),
        .target(name: "Expressions", dependencies: ["Diagnostics", "JSONText"], swiftSettings: swiftSettings),
        .target(
            name: "Definitions",
            dependencies: ["Diagnostics", "Schedules", "Expressions", "Locks", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The C library, quarantined: only GitStore imports CGit2.
        .systemLibrary(
            name: "CGit2",
            pkgConfig: linksLibgit2Statically ? nil : "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(name: "GitStore", dependencies: ["CGit2"], swiftSettings: swiftSettings, linkerSettings: libgit2Linking),
        .target(name: "Reconciler", dependencies: ["Definitions", "Expressions", "GitStore", "Locks", "Schedules"], swiftSettings: swiftSettings),
        .target(name: "History", dependencies: ["JSONText", "Locks"], swiftSettings: swiftSettings),
        // Every request jobctl makes to another machine: HTTP through AsyncHTTPClient, mail
        // through a small SMTP client on SwiftNIO. The only target that imports them.
        .target(
            name: "Outbound",
            dependencies: [
                "Definitions", "Locks",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Markdown reports → safe HTML (Ink, then an allow-list sanitiser): the API's report
        // page and the HTML part of mail.
        .target(name: "Reports", dependencies: [.product(name: "Ink", package: "Ink")], swiftSettings: swiftSettings),
        .target(
            name: "Execution",
            dependencies: ["Definitions", "Expressions", "History", "Outbound", "Locks", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Scheduler",
            dependencies: [
                "Definitions", "Schedules", "Expressions", "History", "Reconciler", "Execution", "GitStore", "Reports", "Outbound", "Locks",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API: the only target that imports Hummingbird.
        .target(
            name: "Server",
            dependencies: [
                "Scheduler", "History", "Definitions", "Schedules", "Expressions", "Execution", "Outbound", "Reports", "Locks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The OpenAPI document, compiled into the binary as bytes (served at /api/openapi.yaml).
            resources: [.embedInCode("Resources/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // The agent tools (seed 002): drafts written through validate and plan, search by keywords
        // and by meaning, daemon actions through the API. No protocol here: plain Swift values.
        .target(
            name: "AgentTools",
            dependencies: ["Definitions", "Expressions", "Schedules", "Reconciler", "GitStore", "History", "Scheduler", "Server", "Outbound", "Execution",
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The Model Context Protocol (JSON-RPC) over stdio and on serve's listener.
        .target(
            name: "MCPEndpoint",
            dependencies: ["AgentTools", "Server", "Expressions",
                           .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        // The web dashboard on serve's listener: pages rendered from Mustache templates (which
        // HTML-escape; job templates are another engine), sessions signed in with a token, and
        // report PDFs printed by headless Chromium.
        .target(
            name: "Dashboard",
            dependencies: [
                "Server", "Scheduler", "History", "Definitions", "Schedules", "Reconciler", "GitStore", "Reports", "Locks", "Expressions",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            resources: [
                .embedInCode("Resources/layout.mustache"), .embedInCode("Resources/overview.mustache"),
                .embedInCode("Resources/job.mustache"), .embedInCode("Resources/run.mustache"),
                .embedInCode("Resources/calendar.mustache"), .embedInCode("Resources/plan.mustache"),
                .embedInCode("Resources/signin.mustache"), .embedInCode("Resources/problem.mustache"),
                .embedInCode("Resources/dashboard.css"), .embedInCode("Resources/dashboard.js"),
            ],
            swiftSettings: swiftSettings
        ),
        // Cluster mode (`serve --cluster`): fire claims, runs, heartbeats, the leader's lease and
        // the history export in PostgreSQL. The only target that imports PostgresNIO.
        .target(
            name: "Cluster",
            dependencies: [
                "Scheduler", "History", "Definitions", "Locks",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // `jobctl serve` as one value: the scheduler, its services and the HTTP API, wired once.
        .target(
            name: "Daemon",
            dependencies: [
                "Definitions", "History", "Execution", "Scheduler", "Server", "Reconciler", "GitStore", "MCPEndpoint", "AgentTools", "Locks", "Dashboard", "Cluster",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "jobctl",
            dependencies: [
                "Schedules", "Expressions", "Definitions", "GitStore", "Reconciler", "History", "Execution", "Scheduler", "Server", "Daemon",
                "AgentTools", "MCPEndpoint",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: executableLinking
        ),
        .executableTarget(
            name: "jobctl-bench",
            dependencies: [
                "Schedules", "Expressions", "Definitions", "History", "GitStore", "Scheduler",
                // The bare route the server benchmark measures against.
                .product(name: "Hummingbird", package: "hummingbird"),
                // Signing push webhooks (the remote benchmark).
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: executableLinking
        ),
        // Test fixtures: temp roots and git repos, a test clock. Not a product.
        .target(name: "TestSupport", dependencies: ["Definitions", "History"], swiftSettings: swiftSettings),
        .testTarget(name: "SchedulesTests", dependencies: ["Schedules", "TestSupport"], resources: [.copy("Corpus")], swiftSettings: swiftSettings),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DefinitionsTests", dependencies: ["Definitions", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReconcilerTests", dependencies: ["Reconciler", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HistoryTests", dependencies: ["History", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ExecutionTests", dependencies: ["Execution", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Scheduler", "History", "Definitions", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"], swiftSettings: swiftSettings),
        .testTarget(name: "AgentToolsTests", dependencies: ["AgentTools", "Reconciler", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: ["Server", "Daemon", "TestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["Dashboard", "Server", "Daemon", "Reconciler", "Scheduler", "History", "Definitions", "Locks", "TestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            // The browser test script (python3 with selenium and axe-selenium-python from PyPI).
            exclude: ["Browser"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JobctlTests",
            dependencies: ["jobctl", "TestSupport", "Outbound", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Crypto", package: "swift-crypto")],
            // The MCP client script the MCP tests run (python3 with the mcp package from PyPI).
            exclude: ["MCPClient"],
            swiftSettings: swiftSettings
        ),
    ]
)
