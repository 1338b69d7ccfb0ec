public import Hummingbird

/// The request context of the API: bodies up to 1 MiB, and the caller once authenticated.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token that authenticated the request, set by the authentication middleware.
    public var caller: Token?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Request bodies larger than this are answered 413.
    public static let maximumBodySize = 1 << 20

    public var maxUploadSize: Int { Self.maximumBodySize }
}
