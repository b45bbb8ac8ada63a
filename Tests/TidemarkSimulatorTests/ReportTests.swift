import Foundation
import Testing
import TidemarkConfig
import TidemarkLoader
@testable import TidemarkSimulator

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A hand-made report: two scenarios × two strategies × two policies on SQLite, with one failed cell (two failures),
/// one cell not run, and one passed cell whose `recovered` check failed exactly as the scenario expects.
enum SampleReport {
    static let hostileDescription = "Analytics truncated, watermark kept <script>alert(1)</script> & \"quotes\" 'single' 💊🧪"
    static let firstFailure = "recovered: target \"medication\" <missing> 5 rows & 'more'\nfirst keys: 1542, 1543 – ✓"
    static let secondFailure = "no-spurious-fallback: expected 1 fallback run, observed 0 \u{1B}[31m"

    static func check(_ invariant: Invariant, held: Bool = true, expected: Bool = true, _ detail: String = "holds")
        -> InvariantCheck {
        InvariantCheck(invariant: invariant, held: held, expectedToHold: expected, detail: detail)
    }

    static func allHold() -> [InvariantCheck] { Invariant.allCases.map { check($0) } }

    static func run(_ index: Int, rows: Int, fallback: LoadResult.Fallback = .none, reason: String? = nil,
                    error: String? = nil)
        -> RunRecord {
        RunRecord(index: index, table: "medication", rowsRead: rows, rowsLoaded: rows, fallback: fallback,
                  fallbackReason: reason, cursorBefore: "2025-10-11 23:10:58.906547",
                  cursorAfter: "2025-10-12 02:00:00", durationSeconds: 0.0421, error: error)
    }

    static func cell(_ scenario: String, _ strategy: StrategyKind, _ policy: PolicyKind, backend: Backend = .sqlite,
                     status: CellStatus = .passed, rows: Int? = 1085, fallbacks: Int = 1,
                     checks: [InvariantCheck]? = nil, failures: [String] = [], notRunReason: String? = nil,
                     expected: TidemarkSimulator.Expectation? = nil)
        -> CellResult {
        let ran = status != .notRun
        var runs: [RunRecord] = []
        if ran {
            let fallback: LoadResult.Fallback = fallbacks > 0 ? .full_reload : .none
            let reason: String? = fallbacks > 0 ? "target has fewer rows than the source" : nil
            runs = [run(1, rows: rows ?? 0, fallback: fallback, reason: reason), run(2, rows: 0)]
        }
        let allChecks = ran ? (checks ?? allHold()) : []
        let recovered = !allChecks.contains { $0.invariant == .recovered && !$0.held }
        return CellResult(
            scenario: scenario, strategy: strategy, backend: backend, policy: policy, status: status,
            notRunReason: notRunReason,
            expected: expected ?? .init(recovered: true, fallbackRuns: status == .passed ? fallbacks : 1,
                                        rowsLoaded: status == .passed ? rows : 1085),
            observedRecovered: ran ? recovered : nil,
            observedFallbackRuns: ran ? fallbacks : 0, observedRowsLoaded: ran ? rows : nil,
            runs: runs, checks: allChecks, failures: failures,
            durationSeconds: 0.25, seed: 42)
    }

    static let scenarios = [
        ScenarioSummary(name: "stale-medication", failureMode: "FM-1", description: hostileDescription),
        ScenarioSummary(name: "phantom-rows", failureMode: nil, description: "Rows only the target has."),
    ]

    static let staleCells: [CellResult] = {
        let broken: [InvariantCheck] = [
            check(.recovered, held: false, expected: true, "5 rows missing"),
            check(.noSpuriousFallback, held: false, expected: true, "0 ≠ 1"),
            check(.idempotent), check(.watermarkSound), check(.strategiesAgree), check(.referential),
        ]
        return [
            cell("stale-medication", .standard, .hybrid),
            cell("stale-medication", .standard, .reconcile),
            cell("stale-medication", .streaming, .hybrid, status: .failed, rows: 0, fallbacks: 0, checks: broken,
                 failures: [firstFailure, secondFailure]),
            cell("stale-medication", .streaming, .reconcile, status: .notRun,
                 notRunReason: "policy <reconcile> & friends not built"),
        ]
    }()

    static let phantomCells: [CellResult] = {
        var weak = allHold()
        weak[0] = check(.recovered, held: false, expected: false, "2 phantom rows remain in the target")
        return [
            cell("phantom-rows", .standard, .hybrid, rows: 0, fallbacks: 0, checks: weak,
                 expected: .init(recovered: false, fallbackRuns: 0)),
            cell("phantom-rows", .standard, .reconcile, rows: 3),
            cell("phantom-rows", .streaming, .hybrid, rows: 3),
            cell("phantom-rows", .streaming, .reconcile, rows: 3),
        ]
    }()

    static let report = SimulationReport(
        seed: 42, startedAt: "2025-10-12T08:30:00Z", durationSeconds: 3.5,
        scenarios: scenarios, cells: staleCells + phantomCells)
}

private func removingANSI(_ text: String) -> String {
    text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
}

private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// Raw control characters other than newline (and tab, where allowed).
private func rawControls(in text: String, allowingTab: Bool = false) -> [Unicode.Scalar] {
    text.unicodeScalars.filter {
        ($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) && $0 != "\n" && !(allowingTab && $0 == "\t")
    }
}

@Suite struct MatrixReportTests {
    let plain = MatrixReport.render(SampleReport.report, color: false)
    var lines: [String] { plain.components(separatedBy: "\n") }

    @Test func `each scenario has a header and a table of strategies by policies`() throws {
        #expect(lines.contains("stale-medication (FM-1) · sqlite"))
        #expect(lines.contains("phantom-rows · sqlite"))
        let headers = lines.filter { $0.hasPrefix("  strategy") }
        #expect(headers.count == 2)
        for header in headers {
            let words = header.split(separator: " ").map(String.init)
            #expect(words == ["strategy", "hybrid", "reconcile"])
        }
        #expect(lines.filter { $0.hasPrefix("  standard ") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("  streaming ") }.count == 2)
    }

    @Test func `cells show the mark and what the first run did`() throws {
        let stale = try #require(lines.firstIndex(of: "stale-medication (FM-1) · sqlite"))
        let standard = lines[stale + 3], streaming = lines[stale + 4]
        #expect(standard.hasPrefix("  standard"))
        #expect(standard.contains("✔ 1085 rows, 1 fallback"))
        #expect(streaming.hasPrefix("  streaming"))
        #expect(streaming.contains("✘ 0 rows"))
        #expect(streaming.hasSuffix("– not run"))
        #expect(!streaming.contains("fallback"))

        let phantom = try #require(lines.firstIndex(of: "phantom-rows · sqlite"))
        #expect(lines[phantom + 3].contains("✘ 0 rows (as expected)"))
        #expect(lines[phantom + 4].contains("✔ 3 rows, 1 fallback"))
        #expect(plain.contains("Note: ✘ … (as expected) means the policy's known weakness"))
    }

    @Test func `columns line up counting characters`() throws {
        let stale = try #require(lines.firstIndex(of: "stale-medication (FM-1) · sqlite"))
        let table = Array(lines[stale + 1...stale + 4])
        func column(of needle: String, in line: String) throws -> Int {
            let range = try #require(line.range(of: needle))
            return line.distance(from: line.startIndex, to: range.lowerBound)
        }
        let hybrid = try column(of: "hybrid", in: table[0])
        let reconcile = try column(of: "reconcile", in: table[0])
        #expect(try column(of: "✔ 1085", in: table[2]) == hybrid)
        #expect(try column(of: "✘ 0", in: table[3]) == hybrid)
        #expect(try column(of: "– not run", in: table[3]) == reconcile)
        #expect(table[1].trimmingCharacters(in: .whitespaces).allSatisfy { $0 == "─" })
        #expect(!lines.contains { $0.hasSuffix(" ") })
    }

    @Test func `every failure of a failed cell gets its own line, made terminal-safe`() {
        let failureLines = lines.filter { $0.hasPrefix("✘ ") }
        #expect(failureLines == [
            #"✘ stale-medication/streaming/sqlite/hybrid: recovered: target "medication" <missing> 5 rows & 'more'\nfirst keys: 1542, 1543 – ✓"#,
            #"✘ stale-medication/streaming/sqlite/hybrid: no-spurious-fallback: expected 1 fallback run, observed 0 \u{1B}[31m"#,
        ])
        #expect(lines.contains("– stale-medication/streaming/sqlite/reconcile: not run: policy <reconcile> & friends not built"))
        #expect(rawControls(in: plain).isEmpty)
    }

    @Test func `the last line counts the cells`() {
        let last = lines.last { !$0.isEmpty }
        #expect(last == "8 cells: 6 passed, 1 failed, 1 not run (1 expected failure)")
        #expect(plain.hasSuffix("\n"))
    }

    @Test func `colour is ANSI when asked for and absent otherwise`() {
        #expect(!plain.contains("\u{1B}"))
        let coloured = MatrixReport.render(SampleReport.report, color: true)
        #expect(coloured.contains("\u{1B}[32m✔ 1085 rows, 1 fallback\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[31m✘ 0 rows FAIL\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[2m– not run\u{1B}[0m"))
        #expect(removingANSI(coloured) == plain)
    }

    @Test func `several backends give one table per scenario and backend`() {
        var report = SampleReport.report
        report.cells += report.cells.filter { $0.scenario == "phantom-rows" }.map { cell in
            var cell = cell
            cell.backend = .postgres
            return cell
        }
        let text = MatrixReport.render(report, color: false)
        let headers = text.components(separatedBy: "\n").filter { $0.hasPrefix("phantom-rows") }
        #expect(headers == ["phantom-rows · sqlite", "phantom-rows · postgres"])
        #expect(text.contains("12 cells: 10 passed, 1 failed, 1 not run (2 expected failures)"))
    }

    @Test func `an empty report still ends with a summary`() {
        let empty = SimulationReport(seed: 1, startedAt: "", durationSeconds: 0, scenarios: [], cells: [])
        #expect(MatrixReport.render(empty, color: false).hasSuffix("0 cells: 0 passed, 0 failed, 0 not run (0 expected failures)\n"))
    }
}

@Suite struct JSONReportTests {
    @Test func `it round-trips through JSONDecoder`() throws {
        let json = try JSONReport.render(SampleReport.report)
        let decoded = try JSONDecoder().decode(SimulationReport.self, from: Data(json.utf8))
        #expect(decoded == SampleReport.report)
    }

    @Test func `it is pretty-printed with sorted, snake-case keys`() throws {
        let json = try JSONReport.render(SampleReport.report)
        #expect(json.hasPrefix("{\n  \"cells\" : ["))
        #expect(json.contains("\"observed_fallback_runs\" : 1"))
        #expect(json.contains("\"status\" : \"not_run\""))
        #expect(json.contains("\"invariant\" : \"no-spurious-fallback\""))
        let keys = json.components(separatedBy: "\n").filter { $0.hasPrefix("  \"") }
            .map { $0.split(separator: "\"")[1] }
        #expect(keys == ["cells", "duration_s", "scenarios", "seed", "started_at"])
    }
}

@Suite struct JUnitReportTests {
    let xml = JUnitReport.render(SampleReport.report)

    @Test func `suite and cases carry the counts`() {
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"simulate\" "
            + "tests=\"8\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"3.500\">"))
        #expect(xml.contains("<testsuite name=\"simulate\" tests=\"8\" failures=\"1\" errors=\"0\" skipped=\"1\" "
            + "time=\"3.500\" timestamp=\"2025-10-12T08:30:00Z\">"))
        #expect(occurrences(of: "<testcase ", in: xml) == 8)
        #expect(occurrences(of: "<failure ", in: xml) == 1)
        #expect(occurrences(of: "<skipped ", in: xml) == 1)
        #expect(xml.contains("<testcase classname=\"simulate.stale-medication\" name=\"standard/sqlite/hybrid\" "
            + "time=\"0.250\"/>"))
        #expect(xml.contains("<skipped message=\"policy &lt;reconcile&gt; &amp; friends not built\"/>"))
    }

    @Test func `special characters are escaped and the file is plain ASCII`() {
        let message = "recovered: target &quot;medication&quot; &lt;missing&gt; 5 rows &amp; &apos;more&apos;"
            + "&#10;first keys: 1542, 1543 &#8211; &#10003;"
        #expect(xml.contains("<failure message=\"\(message)\" type=\"unexpected-outcome\">"))
        // ESC may not appear in XML 1.0 even as a reference: it is spelled out.
        #expect(xml.contains(#"observed 0 \u{1B}[31m"#))
        #expect(xml.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(rawControls(in: xml).isEmpty)
        let references = xml.matches(of: /&#([0-9]+);/).compactMap { Int($0.output.1) }
        #expect(references.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || $0 >= 0x20 })
    }

    @Test func `the failure text has every failure and the runs`() throws {
        let start = try #require(xml.range(of: "type=\"unexpected-outcome\">"))
        let end = try #require(xml.range(of: "</failure>"))
        let body = String(xml[start.upperBound..<end.lowerBound])
        #expect(body.contains("no-spurious-fallback: expected 1 fallback run"))
        #expect(body.contains("  - recovered: target &quot;medication&quot;"))
        #expect(body.contains("#1 medication: read 0, loaded 0, fallback none, cursor 2025-10-11 23:10:58.906547 "
            + "&#8594; 2025-10-12 02:00:00, 0.042 s"))
        #expect(body.contains("UNEXPECTED recovered: held=false expected_to_hold=true"))
    }

    #if canImport(FoundationXML)
    @Test func `it parses as XML`() throws {
        let document = try XMLDocument(xmlString: xml)
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let suite = try #require(root.elements(forName: "testsuite").first)
        #expect(suite.attribute(forName: "tests")?.stringValue == "8")
        let cases = suite.elements(forName: "testcase")
        #expect(cases.count == 8)
        #expect(Set(cases.compactMap { $0.attribute(forName: "name")?.stringValue }).count == 4)
        let failure = try #require(cases.lazy.compactMap { $0.elements(forName: "failure").first }.first)
        #expect(failure.attribute(forName: "message")?.stringValue == SampleReport.firstFailure)
        #expect(failure.stringValue?.contains(#"observed 0 \u{1B}[31m"#) == true)
        let skipped = cases.compactMap { $0.elements(forName: "skipped").first }
        #expect(skipped.map { $0.attribute(forName: "message")?.stringValue } == ["policy <reconcile> & friends not built"])
    }
    #endif
}

@Suite struct HTMLReportTests {
    let html = HTMLReport.render(SampleReport.report)

    @Test func `data is escaped and nothing is scripted`() {
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39; 💊🧪"))
        #expect(html.contains("&lt;missing&gt; 5 rows &amp; &#39;more&#39;\nfirst keys"))
        #expect(html.contains(#"observed 0 \u{1B}[31m"#))
        #expect(rawControls(in: html).isEmpty)
    }

    @Test func `it refers to nothing outside itself`() {
        for needle in ["http://", "https://", "<link", "@import", "url(", "src="] {
            #expect(!html.contains(needle), "found \(needle)")
        }
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<style>"))
    }

    @Test func `every scenario and every cell is there`() {
        for scenario in SampleReport.report.scenarios { #expect(html.contains(scenario.name)) }
        for cell in SampleReport.report.cells { #expect(html.contains("<code>\(cell.id)</code>"), Comment(rawValue: cell.id)) }
        #expect(occurrences(of: "<details class=\"cell-details", in: html) == 8)
        #expect(occurrences(of: "<table class=\"matrix\">", in: html) == 2)
        #expect(html.contains("<span class=\"mode\">FM-1</span>"))
    }

    @Test func `cells are coloured by outcome, with a legend for expected failures`() {
        #expect(occurrences(of: "<td class=\"cell passed\">", in: html) == 5)
        #expect(occurrences(of: "<td class=\"cell expected\">", in: html) == 1)
        #expect(occurrences(of: "<td class=\"cell failed\">", in: html) == 1)
        #expect(occurrences(of: "<td class=\"cell notrun\">", in: html) == 1)
        #expect(html.contains("documented weakness was observed as expected"))
        #expect(html.contains("<details class=\"cell-details failed\" id=\"cell-2\" open>"))
        #expect(html.contains("<details class=\"cell-details passed\" id=\"cell-0\">"))
    }

    @Test func `details show the six invariants and the runs`() {
        #expect(occurrences(of: "<table class=\"checks\">", in: html) == 8)
        for invariant in Invariant.allCases {
            #expect(occurrences(of: "<code>\(invariant.rawValue)</code></th>", in: html) == 8)
        }
        #expect(html.contains("<tr class=\"weak\"><th scope=\"row\"><code>recovered</code></th>"))
        #expect(html.contains("<tr class=\"bad\"><th scope=\"row\"><code>no-spurious-fallback</code></th>"))
        #expect(occurrences(of: "<table class=\"runs\">", in: html) == 7)
        #expect(html.contains("<code>2025-10-11 23:10:58.906547</code> → <code>2025-10-12 02:00:00</code>"))
        #expect(html.contains("Not run: policy &lt;reconcile&gt; &amp; friends not built"))
        // The failed cell's expected/observed table marks the three values that differ, and only those.
        #expect(occurrences(of: "<td class=\"mismatch\">", in: html) == 3)
        #expect(html.contains("<tr><th scope=\"row\">recovered</th><td>yes</td><td class=\"mismatch\">no</td></tr>"))
    }

    @Test func `tags are balanced`() {
        for tag in ["table", "tr", "details", "summary", "section", "ul", "li", "a", "td", "th"] {
            let opened = html.matches(of: try! Regex("<\(tag)[ >]")).count
            #expect(opened == occurrences(of: "</\(tag)>", in: html), "\(tag)")
        }
    }
}
