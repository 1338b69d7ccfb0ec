#if canImport(Glibc)
import Glibc
#endif

/// `prctl(2)` for the two settings jobctl makes (child subreaper, not dumpable). prctl is
/// variadic in C, which Swift cannot call directly; glibc reads its arguments as unsigned longs,
/// so it is called through a fixed five-argument pointer, the documented calling shape.
enum Prctl {
    static let setDumpable: Int32 = 4
    static let setChildSubreaper: Int32 = 36

    /// - Returns: whether the call succeeded (false off Linux).
    @discardableResult
    static func call(_ option: Int32, _ argument: UInt) -> Bool {
        #if os(Linux)
        typealias Function = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(nil, "prctl") else { return false }  // nil is RTLD_DEFAULT
        return unsafeBitCast(symbol, to: Function.self)(option, argument, 0, 0, 0) == 0
        #else
        return false
        #endif
    }
}
