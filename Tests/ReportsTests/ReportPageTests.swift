import Testing
@testable import Reports

/// Agent output is untrusted: the report page and mail part keep Markdown's own markup and
/// nothing that could run script or fetch remote content.
@Suite struct ReportPageTests {
    @Test func markdownBecomesItsMarkup() {
        let html = ReportPage.fragment(markdown: "# Sales\n\n- **NL** up 4%\n- [dash](https://example.com/d)\n")
        #expect(html.contains("<h1>Sales</h1>"))
        #expect(html.contains("<strong>NL</strong>"))
        #expect(html.contains("<a href=\"https://example.com/d\" rel=\"noopener noreferrer nofollow\">dash</a>"))
    }

    @Test func rawHTMLScriptLinksAndImagesAreDefused() {
        let html = ReportPage.fragment(markdown: "<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![pixel](https://tracker.example/p.png) <img src=x onerror=alert(1)>\n")
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<a href=\"javascript"))
        #expect(html.contains("&lt;script>"))
    }

    @Test func thePageHasATitleEscaped() {
        let page = ReportPage.html(markdown: "hi", title: "a <b> \"c\"")
        #expect(page.contains("<title>a &lt;b&gt; &quot;c&quot;</title>"))
    }
}
