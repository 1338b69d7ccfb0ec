import Definitions
import Foundation
import Testing

@Suite("Hostile files: each is one located error, never a crash or a hang")
struct HostileFileTests {
    @Test func emptyFile() {
        #expect(problems("") == ["jobs/x.yaml:1:1: error: file is empty; a job file is a YAML mapping of fields"])
        #expect(problems("# only a comment\n") == ["jobs/x.yaml:1:1: error: file is empty; a job file is a YAML mapping of fields"])
    }

    @Test func syntaxError() {
        #expect(problems("steps: [\n") == ["jobs/x.yaml:2:1: error: YAML syntax: did not find expected node content (while parsing a flow node at line 2)"])
        #expect(problems("name: a\n  bad: indent\n") == ["jobs/x.yaml:2:6: error: YAML syntax: mapping values are not allowed in this context"])
    }

    @Test func duplicateKeys() {
        #expect(problems("name: a\nname: b\n" + minimalSteps) == ["jobs/x.yaml:2:1: error: duplicate key 'name' (first written at line 1)"])
    }

    @Test func multipleDocuments() {
        #expect(problems(minimalSteps + "---\nname: b\n") == ["jobs/x.yaml:3:1: error: file holds more than one YAML document; write one job per file"])
    }

    @Test func nonMappingTopLevel() {
        #expect(problems("- a\n- b\n") == ["jobs/x.yaml:1:1: error: a job file must be a mapping of fields, not a list"])
        #expect(problems("just text\n") == ["jobs/x.yaml:1:1: error: a job file must be a mapping of fields, not \"just text\""])
    }

    @Test func invalidUTF8AndBinary() {
        let invalid = DefinitionLoader.load(config: nil, jobFiles: [SourceFile(path: "jobs/x.yaml", bytes: Array("name: ".utf8) + [0xFF, 0xFE, 0x0A])])
        #expect(invalid.diagnostics.map(\.description) == ["jobs/x.yaml:1:7: error: file is not valid UTF-8 (byte 0xFF)"])
        let binary = DefinitionLoader.load(config: nil, jobFiles: [SourceFile(path: "jobs/x.yaml", bytes: [0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01])])
        #expect(binary.diagnostics.map(\.description) == ["jobs/x.yaml:1:5: error: file contains a NUL byte; this is not a text file"])
    }

    @Test func oversizedFile() {
        let big = "description: \"" + String(repeating: "a", count: 1 << 20) + "\"\n"
        #expect(problems(big) == ["jobs/x.yaml:1:1: error: file is 1048592 bytes; job files are limited to 1048576 bytes (1 MiB)"])
    }

    @Test func billionLaughsIsRefusedBeforeExpansion() {
        var yaml = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            yaml += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ",") + "]\n"
        }
        let result = problems(yaml)
        #expect(result.count == 1)
        #expect(result.first?.hasPrefix("jobs/x.yaml:5:") == true)
        #expect(result.first?.contains("expands to more than 100000 nodes; refusing it (aliases that multiply are an 'alias bomb')") == true)
    }

    @Test func deepNesting() {
        let yaml = "description: " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "\n"
        #expect(problems(yaml) == ["jobs/x.yaml:1:77: error: nesting is deeper than 64 levels"])
    }

    @Test func undefinedAlias() {
        #expect(problems("name: *nothing\n" + minimalSteps).first == "jobs/x.yaml:1:7: error: YAML syntax: found undefined alias" || problems("name: *nothing\n" + minimalSteps).first == "jobs/x.yaml:1:7: error: alias '*nothing' refers to no anchor defined before it")
    }

    @Test func invalidIDs() {
        #expect(diagnostics(["jobs/Weekly Report.yaml": minimalSteps]) == [
            "jobs/Weekly Report.yaml:1:1: error: job id 'Weekly Report' may use only lower-case letters, digits, '-', '_' and '/'; rename it to jobs/weekly-report.yaml",
        ])
        #expect(diagnostics(["jobs/a.yaml": minimalSteps, "jobs/a.yml": minimalSteps]) == [
            "jobs/a.yml:1:1: error: job id 'a' is also defined by jobs/a.yaml; keep one of the two files",
        ])
    }

    @Test func mergeKeysApply() {
        let yaml = """
        x-defaults: &defaults {run: ["true"], timeout: 5m}
        steps:
          - <<: *defaults
            name: one
        """
        // `x-` keys are ignored extensions, the place for anchors; the merge fills the step.
        let set = load(["jobs/x.yaml": yaml])
        #expect(set.diagnostics.isEmpty)
        let step = set.jobs["x"]?.steps.first
        #expect(step?.name == "one")
        #expect(step?.timeout?.description == "5m")
    }
}
