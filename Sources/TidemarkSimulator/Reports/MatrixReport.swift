import Foundation
import TidemarkConfig

/// The plain-text matrix `simulate` prints on stdout.
public enum MatrixReport {
    /// Per scenario and backend, a table: strategies down, policies across, each cell ✔, ✘ or – (not run) with
    /// the first run's rows loaded and its fallback ("✔ 1085 rows, 1 fallback"). Then one line per failure of
    /// a failed cell and a summary line with the counts, expected failures included. `color` adds ANSI colours;
    /// columns are aligned by Characters.
    ///
    /// Names and failure texts coming from the data are made terminal-safe: control characters (a newline included)
    /// are shown as escapes such as `\n` or `\u{1B}`, so every failure stays on one line and data cannot drive the terminal.
    /// A passed cell that is an expected failure is marked with `*`, explained once below the tables.
    public static func render(_ report: SimulationReport, color: Bool) -> String {
        let style = TerminalStyle(enabled: color)
        var lines: [String] = []
        let groups = ReportLayout.groups(of: report)

        for (index, group) in groups.enumerated() {
            if index > 0 { lines.append("") }
            if group.tables.isEmpty {
                lines.append(style.bold(header(for: group.scenario, backend: nil)))
                lines.append("  " + style.dim("(no cells)"))
                continue
            }
            for (tableIndex, table) in group.tables.enumerated() {
                if tableIndex > 0 { lines.append("") }
                lines.append(style.bold(header(for: group.scenario, backend: table.backend)))
                lines.append(contentsOf: render(table, style: style))
            }
        }

        let tally = ReportLayout.Tally(report.cells)
        if tally.expectedFailures > 0 {
            lines.append("")
            lines.append("Note: " + style.yellow("✘ … (as expected)") + " "
                + style.dim("means the policy's known weakness showed up exactly as the scenario predicts: the cell passes"))
        }

        let failed = report.cells.filter { $0.status == .failed }
        let notRun = report.cells.filter { $0.status == .notRun }
        if !failed.isEmpty || !notRun.isEmpty { lines.append("") }
        for cell in failed {
            let id = TerminalText.safe(cell.id)
            if cell.failures.isEmpty {
                lines.append(style.red("✘ \(id)") + ": failed (no failure recorded)")
            }
            for failure in cell.failures {
                lines.append(style.red("✘ \(id)") + ": " + TerminalText.safe(failure))
            }
        }
        for cell in notRun {
            let reason = cell.notRunReason.map { ": " + TerminalText.safe($0) } ?? ""
            lines.append(style.dim("– \(TerminalText.safe(cell.id)): not run\(reason)"))
        }

        lines.append("")
        let summary = "\(tally.total) \(tally.total == 1 ? "cell" : "cells"): \(tally.passed) passed, "
            + "\(tally.failed) failed, \(tally.notRun) not run "
            + "(\(tally.expectedFailures) expected \(tally.expectedFailures == 1 ? "failure" : "failures"))"
        lines.append(tally.failed > 0 ? style.red(summary) : style.green(summary))
        return lines.joined(separator: "\n") + "\n"
    }

    private static func header(for scenario: ScenarioSummary, backend: Backend?) -> String {
        var text = TerminalText.safe(scenario.name)
        if let mode = scenario.failureMode, !mode.isEmpty { text += " (\(TerminalText.safe(mode)))" }
        if let backend { text += " · \(backend.rawValue)" }
        return text
    }

    /// One matrix: a header row with the policy names, a rule, one row per strategy.
    private static func render(_ table: ReportLayout.Table, style: TerminalStyle) -> [String] {
        typealias Cell = (text: String, paint: (String) -> String)
        let plain: (String) -> String = { $0 }

        var rows: [[Cell]] = []
        for strategy in table.strategies {
            var row: [Cell] = [(strategy.rawValue, plain)]
            for policy in table.policies {
                guard let cell = table.cell(strategy: strategy, policy: policy) else {
                    row.append(("·", style.dim))
                    continue
                }
                let text = observation(cell)
                switch cell.status {
                case .passed where ReportLayout.isExpectedFailure(cell): row.append((text, style.yellow))
                case .passed: row.append((text, style.green))
                case .failed: row.append((text, style.red))
                case .notRun: row.append((text, style.dim))
                }
            }
            rows.append(row)
        }
        let headerRow = ["strategy"] + table.policies.map(\.rawValue)

        var widths = headerRow.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.text.count) }
        }

        func line(_ cells: [Cell]) -> String {
            var out = "  "
            for (column, cell) in cells.enumerated() {
                let isLast = column == cells.count - 1
                out += cell.paint(cell.text)
                if !isLast { out += String(repeating: " ", count: widths[column] - cell.text.count + 3) }
            }
            return out
        }

        var lines = [line(headerRow.map { ($0, style.dim) })]
        let ruleWidth = widths.reduce(0, +) + 3 * (widths.count - 1)
        lines.append("  " + style.dim(String(repeating: "─", count: ruleWidth)))
        lines.append(contentsOf: rows.map(line))
        return lines
    }

    /// "✔ 1085 rows, 1 fallback", "✘ 0 rows (as expected)", "✘ 2 rows FAIL", "– not run": ✘ marks a target the
    /// policy left wrong; a cell passes when that is exactly what the scenario predicts for the policy.
    static func observation(_ cell: CellResult) -> String {
        switch cell.status {
        case .notRun:
            return "– not run"
        case .passed, .failed:
            let expectedFailure = ReportLayout.isExpectedFailure(cell)
            var text = cell.status == .passed && !expectedFailure ? "✔ " : "✘ "
            if let rows = cell.observedRowsLoaded ?? cell.runs.first?.rowsLoaded {
                text += "\(rows) \(rows == 1 ? "row" : "rows")"
            } else {
                text += "no run"
            }
            if cell.observedFallbackRuns > 0 {
                text += ", \(cell.observedFallbackRuns) \(cell.observedFallbackRuns == 1 ? "fallback" : "fallbacks")"
                // Rolling: when the stale state was found, against when it had to be.
                if let foundBy = cell.expected?.foundBy, let first = cell.firstFallbackRun {
                    text += " (run \(first) of ≤\(foundBy))"
                }
            }
            if expectedFailure { text += " (as expected)" }
            if cell.status == .failed { text += " FAIL" }
            return text
        }
    }
}

// MARK: - Helpers shared by the reports

/// How the reports group and count cells.
enum ReportLayout {
    /// A passed cell in which some invariant did not hold, exactly as the scenario expects for its policy.
    static func isExpectedFailure(_ cell: CellResult) -> Bool {
        cell.status == .passed && cell.checks.contains { !$0.held && !$0.expectedToHold }
    }

    struct Tally: Equatable {
        var total = 0, passed = 0, failed = 0, notRun = 0, expectedFailures = 0

        init(_ cells: [CellResult]) {
            for cell in cells {
                total += 1
                switch cell.status {
                case .passed: passed += 1
                case .failed: failed += 1
                case .notRun: notRun += 1
                }
                if ReportLayout.isExpectedFailure(cell) { expectedFailures += 1 }
            }
        }
    }

    /// The cells of one (scenario, backend): strategies and policies in the order the cells first name them.
    struct Table {
        var backend: Backend
        var strategies: [StrategyKind] = []
        var policies: [PolicyColumn] = []
        var cells: [CellResult] = []

        init(backend: Backend) { self.backend = backend }

        mutating func add(_ cell: CellResult) {
            if !strategies.contains(cell.strategy) { strategies.append(cell.strategy) }
            if !policies.contains(cell.column) { policies.append(cell.column) }
            cells.append(cell)
        }

        func cell(strategy: StrategyKind, policy: PolicyColumn) -> CellResult? {
            cells.first { $0.strategy == strategy && $0.column == policy }
        }
    }

    struct ScenarioGroup {
        var scenario: ScenarioSummary
        var tables: [Table]
    }

    /// The report's scenarios in their order (then any scenario only the cells name), each with one table per backend.
    static func groups(of report: SimulationReport) -> [ScenarioGroup] {
        var order: [String] = []
        var summaries: [String: ScenarioSummary] = [:]
        for scenario in report.scenarios where summaries[scenario.name] == nil {
            order.append(scenario.name)
            summaries[scenario.name] = scenario
        }
        var tables: [String: [Table]] = [:]
        for cell in report.cells {
            if summaries[cell.scenario] == nil {
                order.append(cell.scenario)
                summaries[cell.scenario] = ScenarioSummary(name: cell.scenario, failureMode: nil, description: "")
            }
            var scenarioTables = tables[cell.scenario, default: []]
            if let index = scenarioTables.firstIndex(where: { $0.backend == cell.backend }) {
                scenarioTables[index].add(cell)
            } else {
                var table = Table(backend: cell.backend)
                table.add(cell)
                scenarioTables.append(table)
            }
            tables[cell.scenario] = scenarioTables
        }
        return order.map { ScenarioGroup(scenario: summaries[$0]!, tables: tables[$0] ?? []) }
    }

    /// Seconds for people: "420 ms", "3.25 s", "2 min 05 s".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return String(format: "%.2f s", seconds) }
        let whole = Int(seconds.rounded())
        return String(format: "%d min %02d s", whole / 60, whole % 60)
    }

    /// Seconds for machines: "0.125".
    static func seconds(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "0.000" }
        return String(format: "%.3f", seconds)
    }

    /// "\u{1B}" for a control character: the spelling used when a character must stay visible but cannot be emitted.
    static func escapeSequence(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        default: "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
    }

    /// C0 and C1 control characters and DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

/// Text from the data, made safe to print on a terminal.
enum TerminalText {
    static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: ReportLayout.isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if ReportLayout.isControl(scalar) {
                out += ReportLayout.escapeSequence(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// SGR colours, or nothing at all.
struct TerminalStyle {
    var enabled: Bool

    func green(_ text: String) -> String { paint(text, "32") }
    func red(_ text: String) -> String { paint(text, "31") }
    func yellow(_ text: String) -> String { paint(text, "33") }
    func dim(_ text: String) -> String { paint(text, "2") }
    func bold(_ text: String) -> String { paint(text, "1") }

    private func paint(_ text: String, _ code: String) -> String {
        enabled && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
