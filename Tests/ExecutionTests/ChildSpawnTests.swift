import Foundation
import Testing
import TestSupport

/// The tests' own way of starting children (`ChildSpawn`): a helper started with `posix_spawn`
/// holds none of the test process's descriptors beyond its standard three, so no other test's
/// pipe can be kept open by it.
@Suite struct ChildSpawnTests {
    @Test func aSpawnedChildHoldsNoneOfTheParentsPipes() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let pid = try ChildSpawn.spawn(["/bin/sleep", "30"], actions: &actions)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        // The dynamic loader opens the child's libraries for a moment after the exec: wait for
        // it to be done; a descriptor the child inherited would stay.
        var held: [Int32] = []
        let clean = try await eventually("the child holds only its standard descriptors") {
            held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(Int32.init).sorted()
            return held == [0, 1, 2]
        }
        #expect(clean, "the child holds \(held); the pipe was \(ends)")
    }
}
