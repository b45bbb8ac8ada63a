import Foundation

/// The CI report (`--junit FILE`): one test case per cell.
public enum JUnitReport {
    /// One `<testsuite name="simulate">` with a `<testcase classname="simulate.<scenario>"
    /// name="<strategy>/<backend>/<policy>">` per cell: a failed cell carries `<failure>` with every failure and
    /// its runs, a cell not run `<skipped>`; counts on `testsuites` and `testsuite`.
    ///
    /// The output is pure ASCII. Tab, newline and carriage return become `&#9;`, `&#10;`, `&#13;`; the other C0 control
    /// characters cannot appear in XML 1.0 at all, not even as references, so they are written as the visible text
    /// `\u{1B}` and the file stays well-formed. A passed cell that is an expected failure says so in `<system-out>`.
    public static func render(_ report: SimulationReport) -> String {
        let tally = ReportLayout.Tally(report.cells)
        let counts = "tests=\"\(tally.total)\" failures=\"\(tally.failed)\" errors=\"0\" skipped=\"\(tally.notRun)\""
        let time = ReportLayout.seconds(report.durationSeconds)

        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"simulate\" \(counts) time=\"\(time)\">\n"
        var suite = "  <testsuite name=\"simulate\" \(counts) time=\"\(time)\""
        if !report.startedAt.isEmpty { suite += " timestamp=\"\(escape(report.startedAt))\"" }
        xml += suite + ">\n"
        xml += "    <properties>\n"
        xml += "      <property name=\"seed\" value=\"\(report.seed)\"/>\n"
        xml += "    </properties>\n"

        for cell in report.cells {
            let name = "\(cell.strategy.rawValue)/\(cell.backend.rawValue)/\(cell.column.rawValue)"
            xml += "    <testcase classname=\"\(escape("simulate." + cell.scenario))\" name=\"\(escape(name))\""
            xml += " time=\"\(ReportLayout.seconds(cell.durationSeconds))\""
            switch cell.status {
            case .failed:
                let message = cell.failures.first ?? "the cell did not behave as the scenario expects"
                xml += ">\n"
                xml += "      <failure message=\"\(escape(message))\" type=\"unexpected-outcome\">"
                xml += escape(details(of: cell))
                xml += "</failure>\n"
                xml += "    </testcase>\n"
            case .notRun:
                xml += ">\n"
                xml += "      <skipped message=\"\(escape(cell.notRunReason ?? "not run"))\"/>\n"
                xml += "    </testcase>\n"
            case .passed:
                if ReportLayout.isExpectedFailure(cell) {
                    xml += ">\n"
                    xml += "      <system-out>\(escape(expectedFailureNote(cell)))</system-out>\n"
                    xml += "    </testcase>\n"
                } else {
                    xml += "/>\n"
                }
            }
        }
        xml += "  </testsuite>\n"
        xml += "</testsuites>\n"
        return xml
    }

    /// All the failures, then what was expected and observed, the invariants and the runs.
    static func details(of cell: CellResult) -> String {
        var lines = [cell.id, "seed: \(cell.seed)", "", "failures:"]
        lines += cell.failures.isEmpty ? ["  (none recorded)"] : cell.failures.map { "  - " + $0 }

        lines.append("")
        if let expected = cell.expected {
            lines.append("expected: recovered=\(expected.recovered) fallback_runs=\(expected.fallbackRuns)"
                + " rows_loaded=\(expected.rowsLoaded.map { "\($0)" } ?? "any") idempotent=\(expected.idempotent)")
        } else {
            lines.append("expected: (no expectation)")
        }
        lines.append("observed: recovered=\(cell.observedRecovered.map { "\($0)" } ?? "unknown")"
            + " fallback_runs=\(cell.observedFallbackRuns)"
            + " rows_loaded=\(cell.observedRowsLoaded.map { "\($0)" } ?? "unknown")")

        if !cell.checks.isEmpty {
            lines += ["", "invariants:"]
            for check in cell.checks {
                let mark = check.asExpected ? "ok" : "UNEXPECTED"
                lines.append("  \(mark) \(check.invariant.rawValue): held=\(check.held)"
                    + " expected_to_hold=\(check.expectedToHold) — \(check.detail)")
            }
        }

        lines += ["", "runs:"]
        if cell.runs.isEmpty { lines.append("  (none)") }
        for run in cell.runs {
            var line = "  #\(run.index) \(run.table): read \(run.rowsRead), loaded \(run.rowsLoaded),"
                + " fallback \(run.fallback.rawValue)"
            if let reason = run.fallbackReason { line += " (\(reason))" }
            line += ", cursor \(run.cursorBefore) → \(run.cursorAfter), \(ReportLayout.seconds(run.durationSeconds)) s"
            if let error = run.error { line += ", error: \(error)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func expectedFailureNote(_ cell: CellResult) -> String {
        let weaknesses = cell.checks.filter { !$0.held && !$0.expectedToHold }
            .map { "\($0.invariant.rawValue) did not hold, as expected under \(cell.column.rawValue): \($0.detail)" }
        return (["expected failure: the policy's known weakness was observed"] + weaknesses).joined(separator: "\n")
    }

    /// XML text or attribute value, as ASCII only.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += "&#\(scalar.value);"
            case _ where scalar.value < 0x20:
                // Not allowed in XML 1.0 in any form: keep it visible instead.
                out += ReportLayout.escapeSequence(scalar)
            case _ where scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += ReportLayout.escapeSequence(scalar)
            case _ where !scalar.isASCII || scalar.value == 0x7F:
                out += "&#\(scalar.value);"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
