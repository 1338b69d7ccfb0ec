public import Hummingbird
import Logging
import NIOCore

/// The HTTP API as a Hummingbird application: `jobctl serve` runs it as a service of its
/// `ServiceGroup`; tests drive the same value in-process with `app.test(.router)`.
///
/// ```swift
/// let app = buildApplication(api: api, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
/// - Parameters:
///   - idleTimeout: a connection that has not sent a whole request head (or a next request)
///     for this long is closed: slow-header and idle clients cannot hold connections forever.
///   - onListening: called with the bound port once the server listens (port 0 picks one).
///   - moreRoutes: routes served beside the API's own (serve's `/mcp`).
public func buildApplication(api: JobctlAPI, configuration: ApplicationConfiguration, idleTimeout: Duration = .seconds(30),
                             moreRoutes: (Router<APIRequestContext>) -> Void = { _ in },
                             onListening: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
    var logger = Logger(label: "jobctl.http")
    logger.logLevel = .warning
    let idle = TimeAmount.nanoseconds(Int64((idleTimeout / .nanoseconds(1)).rounded()))
    let router = buildRouter(api: api)
    moreRoutes(router)
    return Application(router: router, server: .http1(configuration: .init(idleTimeout: idle)), configuration: configuration,
                       onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) }, logger: logger)
}

/// Every route of the API (see `openapi.yaml`).
public func buildRouter(api: JobctlAPI) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: ErrorMiddleware(log: api.log))
    HealthRoutes(api: api).add(to: router)
    JobRoutes(api: api).add(to: router)
    RunRoutes(api: api).add(to: router)
    EventRoutes(api: api).add(to: router)
    FireTimeRoutes(api: api).add(to: router)
    RemoteRoutes(api: api).add(to: router)
    return router
}
