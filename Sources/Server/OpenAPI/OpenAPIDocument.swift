/// The OpenAPI 3.1 document served at `GET /api/openapi.yaml`: `Resources/openapi.yaml`, the one
/// source of truth, embedded in the binary by SwiftPM (`resources: [.embedInCode(...)]`).
enum OpenAPIDocument {
    static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
