import Testing
@testable import Execution

@Suite("redaction")
struct RedactorTests {
    @Test("a stream redacts a secret wherever the pipe splits it")
    func streamRedaction() {
        var redactor = Redactor()
        redactor.add("secret-value")
        redactor.add("sec")
        let text = Array("a secret-value b secret-value c sec d secre".utf8)
        for split in 0...text.count {
            for second in split...text.count {
                var stream = Redactor.Stream()
                var output = stream.feed(Array(text[..<split]), using: redactor)
                output += stream.feed(Array(text[split..<second]), using: redactor)
                output += stream.feed(Array(text[second...]), using: redactor)
                output += stream.finish(using: redactor)
                #expect(String(decoding: output, as: UTF8.self) == "a *** b *** c *** d ***re", "split at \(split), \(second)")
            }
        }
    }
}
