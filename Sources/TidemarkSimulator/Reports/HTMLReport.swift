import Foundation

/// The report for people (`--html FILE`): one self-contained page.
public enum HTMLReport {
    /// A title and summary (seed, date, duration, counts), then per scenario its description and a coloured
    /// matrix per backend: green passed, red failed, grey not run, and amber for a cell that passed because a
    /// policy's documented weakness was observed as expected. Below each matrix, collapsible details per cell:
    /// expectation, observations, the invariant checks and the runs. Everything is HTML-escaped.
    ///
    /// The page has no script at all and refers to nothing outside itself. Each matrix cell links to its details;
    /// the details of failed cells start open.
    public static func render(_ report: SimulationReport) -> String {
        var page = HTMLPage()
        let tally = ReportLayout.Tally(report.cells)
        let groups = ReportLayout.groups(of: report)
        // Anchors by position in report.cells: unique whatever the names contain.
        var anchors: [String: String] = [:]
        for (index, cell) in report.cells.enumerated() where anchors[cell.id] == nil { anchors[cell.id] = "cell-\(index)" }

        let verdict = tally.failed == 0
            ? "Every cell behaved as its scenario expects"
            : "\(tally.failed) of \(tally.total) \(tally.total == 1 ? "cell" : "cells") did not behave as expected"
        page.line("<!DOCTYPE html>")
        page.line("<html lang=\"en\">")
        page.line("<head>")
        page.line("<meta charset=\"utf-8\">")
        page.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.line("<title>Tidemark simulate — \(tally.failed == 0 ? "passed" : "\(tally.failed) failed")</title>")
        page.line("<style>\(stylesheet)</style>")
        page.line("</head>")
        page.line("<body>")

        // Title and summary.
        page.line("<header class=\"page-header\">")
        page.line("<h1>Tidemark simulation report</h1>")
        page.line("<p class=\"verdict \(tally.failed == 0 ? "passed" : "failed")\">"
            + "\(tally.failed == 0 ? "✔" : "✘") \(escape(verdict))</p>")
        page.line("<dl class=\"facts\">")
        page.fact("Seed", "<code>\(report.seed)</code>")
        page.fact("Started", escape(report.startedAt.isEmpty ? "–" : report.startedAt))
        page.fact("Duration", escape(ReportLayout.duration(report.durationSeconds)))
        page.fact("Scenarios", "\(groups.count)")
        page.fact("Cells", "\(tally.total)")
        page.line("</dl>")
        page.line("<ul class=\"counts\">")
        page.line("<li class=\"chip passed\">\(tally.passed) passed</li>")
        if tally.expectedFailures > 0 {
            page.line("<li class=\"chip expected\">including \(tally.expectedFailures) expected "
                + "\(tally.expectedFailures == 1 ? "failure" : "failures")</li>")
        }
        page.line("<li class=\"chip failed\">\(tally.failed) failed</li>")
        page.line("<li class=\"chip notrun\">\(tally.notRun) not run</li>")
        page.line("</ul>")
        page.line("<ul class=\"legend\">")
        page.line("<li><span class=\"swatch passed\"></span>passed: everything happened as the scenario expects</li>")
        page.line("<li><span class=\"swatch expected\"></span>expected failure: passed, and the policy's documented "
            + "weakness was observed as expected (an invariant failed that the scenario says must fail)</li>")
        page.line("<li><span class=\"swatch failed\"></span>failed: something happened that the scenario does not expect</li>")
        page.line("<li><span class=\"swatch notrun\"></span>not run</li>")
        page.line("</ul>")
        page.line("</header>")

        if !groups.isEmpty {
            page.line("<nav class=\"toc\" aria-label=\"Scenarios\"><span>Scenarios</span>")
            for (index, group) in groups.enumerated() {
                let failed = group.tables.flatMap(\.cells).contains { $0.status == .failed }
                page.line("<a href=\"#scenario-\(index)\" class=\"\(failed ? "failed" : "ok")\">"
                    + "\(failed ? "✘" : "✔") \(escape(group.scenario.name))</a>")
            }
            page.line("</nav>")
        }

        let failedCells = report.cells.filter { $0.status == .failed }
        if !failedCells.isEmpty {
            page.line("<section class=\"failures\">")
            page.line("<h2>Failed cells</h2>")
            page.line("<ul>")
            for cell in failedCells {
                let reasons = cell.failures.isEmpty ? ["no failure recorded"] : cell.failures
                page.line("<li><a href=\"#\(anchors[cell.id] ?? "")\"><code>\(escape(cell.id))</code></a>"
                    + "<ul>" + reasons.map { "<li>\(escape($0))</li>" }.joined() + "</ul></li>")
            }
            page.line("</ul>")
            page.line("</section>")
        }

        page.line("<main>")
        for (index, group) in groups.enumerated() {
            page.line("<section class=\"scenario\" id=\"scenario-\(index)\">")
            var title = "<h2>\(escape(group.scenario.name))"
            if let mode = group.scenario.failureMode, !mode.isEmpty {
                title += " <span class=\"mode\">\(escape(mode))</span>"
            }
            page.line(title + "</h2>")
            if !group.scenario.description.isEmpty {
                page.line("<p class=\"description\">\(escape(group.scenario.description))</p>")
            }
            if group.tables.isEmpty { page.line("<p class=\"muted\">No cells ran for this scenario.</p>") }
            for table in group.tables {
                page.line("<h3>Backend <code>\(table.backend.rawValue)</code></h3>")
                matrix(table, anchors: anchors, into: &page)
                page.line("<div class=\"cell-list\">")
                for cell in table.cells { details(cell, anchor: anchors[cell.id] ?? "", into: &page) }
                page.line("</div>")
            }
            page.line("</section>")
        }
        page.line("</main>")
        page.line("<footer>Generated by <code>simulate</code> · seed \(report.seed) · "
            + "replay with <code>--seed \(report.seed)</code></footer>")
        page.line("</body>")
        page.line("</html>")
        return page.text
    }

    // MARK: Pieces

    private static func matrix(_ table: ReportLayout.Table, anchors: [String: String], into page: inout HTMLPage) {
        page.line("<table class=\"matrix\">")
        page.line("<thead><tr><th class=\"corner\">strategy \\ policy</th>"
            + table.policies.map { "<th scope=\"col\">\($0.rawValue)</th>" }.joined() + "</tr></thead>")
        page.line("<tbody>")
        for strategy in table.strategies {
            var row = "<tr><th scope=\"row\">\(strategy.rawValue)</th>"
            for policy in table.policies {
                guard let cell = table.cell(strategy: strategy, policy: policy) else {
                    row += "<td class=\"cell empty\">·</td>"
                    continue
                }
                let kind = tone(of: cell)
                var lines: [String] = []
                switch cell.status {
                case .notRun:
                    lines.append("not run")
                case .passed, .failed:
                    if let rows = cell.observedRowsLoaded ?? cell.runs.first?.rowsLoaded {
                        lines.append("\(rows) \(rows == 1 ? "row" : "rows")")
                    } else {
                        lines.append("no run")
                    }
                    lines.append(cell.observedFallbackRuns == 0 ? "no fallback"
                        : "\(cell.observedFallbackRuns) \(cell.observedFallbackRuns == 1 ? "fallback" : "fallbacks")")
                }
                if kind == "expected" { lines.append("expected failure") }
                row += "<td class=\"cell \(kind)\"><a href=\"#\(anchors[cell.id] ?? "")\" title=\"\(escape(cell.id))\">"
                    + "<span class=\"mark\">\(mark(of: cell))</span>"
                    + lines.map { "<span class=\"obs\">\(escape($0))</span>" }.joined()
                    + "</a></td>"
            }
            page.line(row + "</tr>")
        }
        page.line("</tbody>")
        page.line("</table>")
    }

    private static func details(_ cell: CellResult, anchor: String, into page: inout HTMLPage) {
        let kind = tone(of: cell)
        let status: String
        switch cell.status {
        case .passed: status = kind == "expected" ? "passed · expected failure" : "passed"
        case .failed: status = "failed"
        case .notRun: status = "not run"
        }
        page.line("<details class=\"cell-details \(kind)\" id=\"\(anchor)\"\(cell.status == .failed ? " open" : "")>")
        page.line("<summary><span class=\"mark\">\(mark(of: cell))</span> <code>\(escape(cell.id))</code>"
            + " <span class=\"status\">\(status)</span>"
            + " <span class=\"muted\">\(escape(ReportLayout.duration(cell.durationSeconds)))</span></summary>")
        page.line("<div class=\"detail-body\">")

        if cell.status == .failed {
            let reasons = cell.failures.isEmpty ? ["no failure recorded"] : cell.failures
            page.line("<ul class=\"failure-list\">" + reasons.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
        }
        if cell.status == .notRun {
            page.line("<p class=\"note notrun\">Not run: \(escape(cell.notRunReason ?? "no reason given"))</p>")
        }
        if kind == "expected" {
            let weak = cell.checks.filter { !$0.held && !$0.expectedToHold }.map { "<code>\($0.invariant.rawValue)</code>" }
            page.line("<p class=\"note expected\">Expected failure: the policy's documented weakness was observed as "
                + "expected (\(weak.joined(separator: ", ")) did not hold, and the scenario says it must not).</p>")
        }

        // Expected against observed.
        let expected = cell.expected
        let idempotentCheck = cell.checks.first { $0.invariant == .idempotent }
        page.line("<table class=\"kv\">")
        page.line("<thead><tr><th></th><th>expected</th><th>observed</th></tr></thead>")
        page.line("<tbody>")
        page.compare("recovered", expected.map { yesNo($0.recovered) }, cell.observedRecovered.map(yesNo),
                     mismatch: expected != nil && cell.observedRecovered != nil
                        && expected?.recovered != cell.observedRecovered)
        page.compare("fallback runs", expected.map { "\($0.fallbackRuns)" }, "\(cell.observedFallbackRuns)",
                     mismatch: expected != nil && cell.status != .notRun
                        && expected?.fallbackRuns != cell.observedFallbackRuns)
        if let foundBy = expected?.foundBy {
            let first = cell.firstFallbackRun
            page.compare("first fallback by run", "\(foundBy)", first.map { "\($0)" } ?? "none",
                         mismatch: (expected?.fallbackRuns ?? 0) > 0 && (first ?? Int.max) > foundBy)
        }
        let pinned = expected?.rowsLoaded
        page.compare("rows loaded by the first run", expected.map { _ in pinned.map { "\($0)" } ?? "any" },
                     cell.observedRowsLoaded.map { "\($0)" },
                     mismatch: pinned != nil && cell.observedRowsLoaded != nil && pinned != cell.observedRowsLoaded)
        page.compare("idempotent", expected.map { yesNo($0.idempotent) }, idempotentCheck.map { yesNo($0.held) },
                     mismatch: expected != nil && idempotentCheck != nil && expected?.idempotent != idempotentCheck?.held)
        page.line("</tbody>")
        page.line("</table>")

        // The six invariants.
        page.line("<h4>Invariants</h4>")
        page.line("<table class=\"checks\">")
        page.line("<thead><tr><th>invariant</th><th>held</th><th>expected to hold</th><th>detail</th></tr></thead>")
        page.line("<tbody>")
        var listed = Invariant.allCases.map { invariant in (invariant, cell.checks.first { $0.invariant == invariant }) }
        // A repeated check is unusual; show it rather than hide it.
        var seen = Set<Invariant>()
        for check in cell.checks where !seen.insert(check.invariant).inserted { listed.append((check.invariant, check)) }
        for (invariant, check) in listed {
            guard let check else {
                page.line("<tr class=\"unchecked\"><th scope=\"row\"><code>\(invariant.rawValue)</code></th>"
                    + "<td>–</td><td>–</td><td class=\"muted\">not checked</td></tr>")
                continue
            }
            let rowClass = !check.asExpected ? "bad" : (check.held ? "ok" : "weak")
            page.line("<tr class=\"\(rowClass)\"><th scope=\"row\"><code>\(invariant.rawValue)</code></th>"
                + "<td>\(check.held ? "✔ yes" : "✘ no")</td><td>\(yesNo(check.expectedToHold))</td>"
                + "<td class=\"detail\">\(escape(check.detail))</td></tr>")
        }
        page.line("</tbody>")
        page.line("</table>")

        // The runs under test.
        page.line("<h4>Runs</h4>")
        if cell.runs.isEmpty {
            page.line("<p class=\"muted\">No runs.</p>")
        } else {
            page.line("<div class=\"scroll\"><table class=\"runs\">")
            page.line("<thead><tr><th>#</th><th>table</th><th>rows read</th><th>rows loaded</th><th>fallback</th>"
                + "<th>reason</th><th>cursor before → after</th><th>duration</th><th>error</th></tr></thead>")
            page.line("<tbody>")
            for run in cell.runs {
                let fallbackClass = run.fallback == .none ? "" : " class=\"took-fallback\""
                page.line("<tr\(run.error == nil ? "" : " class=\"errored\"")>"
                    + "<td class=\"num\">\(run.index)</td>"
                    + "<td><code>\(escape(run.table))</code></td>"
                    + "<td class=\"num\">\(run.rowsRead)</td>"
                    + "<td class=\"num\">\(run.rowsLoaded)</td>"
                    + "<td\(fallbackClass)>\(run.fallback.rawValue)</td>"
                    + "<td>\(escape(run.fallbackReason ?? ""))</td>"
                    + "<td class=\"cursor\"><code>\(escape(run.cursorBefore))</code> → "
                    + "<code>\(escape(run.cursorAfter))</code></td>"
                    + "<td class=\"num\">\(escape(ReportLayout.duration(run.durationSeconds)))</td>"
                    + "<td class=\"error\">\(escape(run.error ?? ""))</td></tr>")
            }
            page.line("</tbody>")
            page.line("</table></div>")
        }
        page.line("<p class=\"muted small\">seed \(cell.seed)</p>")
        page.line("</div>")
        page.line("</details>")
    }

    /// The CSS class for a cell's colour.
    private static func tone(of cell: CellResult) -> String {
        switch cell.status {
        case .passed: ReportLayout.isExpectedFailure(cell) ? "expected" : "passed"
        case .failed: "failed"
        case .notRun: "notrun"
        }
    }

    private static func mark(of cell: CellResult) -> String {
        switch cell.status {
        case .passed: "✔"
        case .failed: "✘"
        case .notRun: "–"
        }
    }

    private static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }

    /// HTML text or attribute value. Control characters other than tab and newline are shown as `\u{…}`.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            case _ where ReportLayout.isControl(scalar): out += ReportLayout.escapeSequence(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static let stylesheet = """

    :root {
      --bg: #f6f8fa; --card: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --head: #f0f3f6;
      --pass-bg: #dafbe1; --pass-fg: #116329; --pass-edge: #4ac26b;
      --fail-bg: #ffebe9; --fail-fg: #a40e26; --fail-edge: #ff8182;
      --skip-bg: #eff2f5; --skip-fg: #59636e; --skip-edge: #c8d1da;
      --exp-bg: #fff1c5; --exp-fg: #7a4a00; --exp-edge: #e3b341;
      --link: #0969da;
      --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans",
              "DejaVu Sans", Arial, sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji";
      --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #0d1117; --card: #151b23; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --head: #1b222c;
        --pass-bg: #12361f; --pass-fg: #7ee2a0; --pass-edge: #2f6f43;
        --fail-bg: #44141a; --fail-fg: #ffa198; --fail-edge: #8e2a30;
        --skip-bg: #21262d; --skip-fg: #9198a1; --skip-edge: #3d444d;
        --exp-bg: #3d2e05; --exp-fg: #f2cc60; --exp-edge: #7d5e11;
        --link: #58a6ff;
      }
    }
    * { box-sizing: border-box; }
    html { font-size: 15px; }
    body { margin: 0; padding: 28px 32px 48px; background: var(--bg); color: var(--fg);
           font-family: var(--sans); line-height: 1.5; }
    body > * { max-width: 1200px; margin-left: auto; margin-right: auto; }
    h1 { font-size: 1.75rem; margin: 0 0 6px; letter-spacing: -0.01em; }
    h2 { font-size: 1.35rem; margin: 0 0 6px; }
    h3 { font-size: 1.05rem; margin: 20px 0 8px; font-weight: 600; }
    h4 { font-size: 0.95rem; margin: 16px 0 6px; }
    code { font-family: var(--mono); font-size: 0.92em; }
    a { color: var(--link); text-decoration: none; }
    a:hover { text-decoration: underline; }
    .muted { color: var(--muted); }
    .small { font-size: 0.85rem; }
    .page-header, .scenario, .failures, .toc { background: var(--card); border: 1px solid var(--border);
           border-radius: 8px; padding: 20px 24px; margin-bottom: 20px; }
    .verdict { font-size: 1.1rem; font-weight: 600; margin: 0 0 14px; }
    .verdict.passed { color: var(--pass-fg); }
    .verdict.failed { color: var(--fail-fg); }
    .facts { display: flex; flex-wrap: wrap; gap: 8px 36px; margin: 0 0 14px; }
    .facts div { min-width: 90px; }
    .facts dt { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); }
    .facts dd { margin: 0; font-weight: 600; }
    .counts { list-style: none; padding: 0; margin: 0 0 14px; display: flex; flex-wrap: wrap; gap: 8px; }
    .chip { padding: 2px 12px; border-radius: 999px; font-weight: 600; font-size: 0.9rem; border: 1px solid; }
    .chip.passed, .swatch.passed { background: var(--pass-bg); color: var(--pass-fg); border-color: var(--pass-edge); }
    .chip.failed, .swatch.failed { background: var(--fail-bg); color: var(--fail-fg); border-color: var(--fail-edge); }
    .chip.notrun, .swatch.notrun { background: var(--skip-bg); color: var(--skip-fg); border-color: var(--skip-edge); }
    .chip.expected, .swatch.expected { background: var(--exp-bg); color: var(--exp-fg); border-color: var(--exp-edge); }
    .legend { list-style: none; padding: 0; margin: 0; font-size: 0.88rem; color: var(--muted); }
    .legend li { margin: 2px 0; }
    .swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid; border-radius: 3px;
              vertical-align: -2px; margin-right: 8px; }
    .toc { display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 12px 24px; align-items: baseline; }
    .toc span { font-weight: 600; margin-right: 4px; }
    .toc a.failed { color: var(--fail-fg); }
    .toc a.ok { color: var(--pass-fg); }
    .failures { border-color: var(--fail-edge); }
    .failures h2 { color: var(--fail-fg); font-size: 1.1rem; }
    .failures > ul { margin: 0; padding-left: 20px; }
    .failures li { margin: 4px 0; }
    .failures li ul { margin: 2px 0 0; padding-left: 18px; white-space: pre-wrap; }
    .mode { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 1px 8px; border-radius: 4px;
            vertical-align: 3px; background: var(--head); border: 1px solid var(--border); color: var(--muted); }
    .description { margin: 0 0 8px; max-width: 90ch; white-space: pre-wrap; }
    table { border-collapse: collapse; }
    th, td { border: 1px solid var(--border); padding: 6px 10px; text-align: left; vertical-align: top; }
    thead th { background: var(--head); font-weight: 600; position: sticky; top: 0; z-index: 1; }
    .matrix { margin: 4px 0 10px; }
    .matrix th[scope=row] { background: var(--head); font-family: var(--mono); font-weight: 600; font-size: 0.9rem;
                            white-space: nowrap; }
    .matrix thead th { font-family: var(--mono); font-size: 0.9rem; min-width: 150px; }
    .matrix th.corner { font-family: var(--sans); font-weight: 400; color: var(--muted); min-width: 0; }
    .matrix td.cell { padding: 0; min-width: 150px; }
    .matrix td.cell a { display: block; padding: 7px 12px; color: inherit; text-decoration: none; }
    .matrix td.cell a:hover { filter: brightness(0.96); }
    .matrix td.empty { color: var(--muted); text-align: center; vertical-align: middle; }
    .cell .mark { font-size: 1.15rem; font-weight: 700; line-height: 1.2; display: block; }
    .cell .obs { display: block; font-size: 0.85rem; }
    td.passed { background: var(--pass-bg); color: var(--pass-fg); }
    td.failed { background: var(--fail-bg); color: var(--fail-fg); }
    td.notrun { background: var(--skip-bg); color: var(--skip-fg); }
    td.expected { background: var(--exp-bg); color: var(--exp-fg); }
    .cell-list { display: flex; flex-direction: column; gap: 6px; margin-bottom: 8px; }
    details.cell-details { border: 1px solid var(--border); border-left: 5px solid var(--skip-edge);
                           border-radius: 6px; background: var(--card); }
    details.passed { border-left-color: var(--pass-edge); }
    details.failed { border-left-color: var(--fail-edge); }
    details.expected { border-left-color: var(--exp-edge); }
    details > summary { cursor: pointer; padding: 6px 12px; }
    details > summary .mark { font-weight: 700; }
    details.passed > summary .mark { color: var(--pass-fg); }
    details.failed > summary .mark, details.failed > summary .status { color: var(--fail-fg); font-weight: 600; }
    details.expected > summary .mark, details.expected > summary .status { color: var(--exp-fg); }
    details.notrun > summary .mark { color: var(--skip-fg); }
    details[open] > summary { border-bottom: 1px solid var(--border); }
    .detail-body { padding: 10px 16px 4px; }
    .detail-body table { margin-bottom: 6px; font-size: 0.9rem; }
    .failure-list { margin: 0 0 10px; padding: 8px 12px 8px 30px; background: var(--fail-bg); color: var(--fail-fg);
                    border-radius: 6px; white-space: pre-wrap; }
    .note { margin: 0 0 10px; padding: 8px 12px; border-radius: 6px; }
    .note.expected { background: var(--exp-bg); color: var(--exp-fg); }
    .note.notrun { background: var(--skip-bg); color: var(--skip-fg); }
    .kv th[scope], .kv tbody th { background: var(--head); font-weight: 500; }
    .kv td { min-width: 90px; }
    td.mismatch { background: var(--fail-bg); color: var(--fail-fg); font-weight: 600; }
    .checks tr.ok td:nth-child(2) { color: var(--pass-fg); }
    .checks tr.weak td { background: var(--exp-bg); color: var(--exp-fg); }
    .checks tr.bad td { background: var(--fail-bg); color: var(--fail-fg); font-weight: 500; }
    .checks tr.unchecked td { color: var(--muted); }
    .checks td.detail { white-space: pre-wrap; max-width: 70ch; }
    .scroll { overflow-x: auto; }
    .runs td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .runs td.cursor { font-size: 0.85rem; }
    .runs td.took-fallback { color: var(--exp-fg); font-weight: 600; }
    .runs tr.errored td.error { color: var(--fail-fg); white-space: pre-wrap; }
    footer { color: var(--muted); font-size: 0.85rem; text-align: center; margin-top: 24px; }

    """
}

/// Accumulates the page, one line at a time.
private struct HTMLPage {
    var text = ""

    mutating func line(_ html: String) {
        text += html
        text += "\n"
    }

    mutating func fact(_ name: String, _ valueHTML: String) {
        line("<div><dt>\(name)</dt><dd>\(valueHTML)</dd></div>")
    }

    /// A row of expected against observed; nil shows as a dash.
    mutating func compare(_ name: String, _ expected: String?, _ observed: String?, mismatch: Bool) {
        line("<tr><th scope=\"row\">\(HTMLReport.escape(name))</th>"
            + "<td>\(HTMLReport.escape(expected ?? "–"))</td>"
            + "<td\(mismatch ? " class=\"mismatch\"" : "")>\(HTMLReport.escape(observed ?? "–"))</td></tr>")
    }
}
