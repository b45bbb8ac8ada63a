import TidemarkConfig
import TidemarkLoader

/// The six invariants checked in every cell (design §8).
public enum Invariant: String, Sendable, Codable, CaseIterable {
    case recovered
    case noSpuriousFallback = "no-spurious-fallback"
    case idempotent
    case watermarkSound = "watermark-sound"
    case strategiesAgree = "strategies-agree"
    case referential
}

/// The outcome a scenario expects under one policy.
public struct Expectation: Sendable, Codable, Equatable {
    public var recovered: Bool
    public var fallbackRuns: Int
    /// Rows written by the first run under test, when the scenario pins it.
    public var rowsLoaded: Int?
    /// Whether one extra run writes nothing and takes no fallback (false for states a policy can never settle).
    public var idempotent: Bool
    /// The run under test by which the first fallback must have happened (`reconcile/rolling`: 1 when counts,
    /// bounds or a failed run show the stale state, `verify_cycle` when only the slice can).
    public var foundBy: Int?

    public init(recovered: Bool, fallbackRuns: Int, rowsLoaded: Int? = nil, idempotent: Bool = true, foundBy: Int? = nil) {
        self.recovered = recovered
        self.fallbackRuns = fallbackRuns
        self.rowsLoaded = rowsLoaded
        self.idempotent = idempotent
        self.foundBy = foundBy
    }

    enum CodingKeys: String, CodingKey {
        case recovered, fallbackRuns = "fallback_runs", rowsLoaded = "rows_loaded", idempotent, foundBy = "found_by"
    }
}

/// One run of the loader under test, as the runner saw it.
public struct RunRecord: Sendable, Codable, Equatable {
    public var index: Int
    public var table: String
    public var rowsRead: Int
    public var rowsLoaded: Int
    public var fallback: LoadResult.Fallback
    public var fallbackReason: String?
    public var cursorBefore: String
    public var cursorAfter: String
    public var durationSeconds: Double
    public var error: String?
    public var verified: Bool = false
    /// Rows rejected and outstanding after the run.
    public var rowsRejected: Int = 0

    enum CodingKeys: String, CodingKey {
        case index, table, rowsRead = "rows_read", rowsLoaded = "rows_loaded", fallback
        case fallbackReason = "fallback_reason", cursorBefore = "cursor_before", cursorAfter = "cursor_after"
        case durationSeconds = "duration_s", error, verified, rowsRejected = "rows_rejected"
    }
}

/// The result of checking one invariant in one cell.
public struct InvariantCheck: Sendable, Codable, Equatable {
    public var invariant: Invariant
    /// What was observed.
    public var held: Bool
    /// What the scenario expects for this policy (a stale scenario under `none` expects `recovered` to fail).
    public var expectedToHold: Bool
    /// How it broke (which table, the first differing keys), or why it holds.
    public var detail: String

    public var asExpected: Bool { held == expectedToHold }

    enum CodingKeys: String, CodingKey {
        case invariant, held, expectedToHold = "expected_to_hold", detail
    }
}

public enum CellStatus: String, Sendable, Codable {
    /// Everything happened as the scenario expects.
    case passed
    /// Something happened that the scenario does not expect.
    case failed
    /// The cell could not run (for example its policy does not exist yet).
    case notRun = "not_run"
}

/// One (scenario, strategy, backend, policy) combination.
public struct CellResult: Sendable, Codable, Equatable {
    public var scenario: String
    public var strategy: StrategyKind
    public var backend: Backend
    public var policy: PolicyKind
    /// `rolling` in the `reconcile/rolling` column; nil where the policy verifies as it does by default.
    public var verify: VerifyMode?
    public var status: CellStatus
    /// Why the cell did not run, when it did not.
    public var notRunReason: String?
    public var expected: Expectation?
    public var observedRecovered: Bool?
    public var observedFallbackRuns: Int
    /// Rows written by the first run under test.
    public var observedRowsLoaded: Int?
    public var runs: [RunRecord]
    public var checks: [InvariantCheck]
    /// One line per thing that was not as expected.
    public var failures: [String]
    public var durationSeconds: Double
    public var seed: UInt64

    /// The run under test that first took a fallback, if any.
    public var firstFallbackRun: Int? { runs.filter { $0.fallback != .none }.map(\.index).min() }

    /// The matrix column: the policy, `reconcile/rolling` for rolling verification.
    public var column: PolicyColumn { verify == .rolling ? .reconcileRolling : PolicyColumn(policy) }

    /// A stable identifier such as `stale-medication/standard/sqlite/hybrid`.
    public var id: String { "\(scenario)/\(strategy.rawValue)/\(backend.rawValue)/\(column.rawValue)" }

    enum CodingKeys: String, CodingKey {
        case scenario, strategy, backend, policy, verify, status, notRunReason = "not_run_reason", expected
        case observedRecovered = "observed_recovered", observedFallbackRuns = "observed_fallback_runs"
        case observedRowsLoaded = "observed_rows_loaded", runs, checks, failures
        case durationSeconds = "duration_s", seed
    }
}

/// A scenario as reports show it.
public struct ScenarioSummary: Sendable, Codable, Equatable {
    public var name: String
    public var failureMode: String?
    public var description: String

    enum CodingKeys: String, CodingKey { case name, failureMode = "failure_mode", description }
}

/// Everything one `simulate` invocation did.
public struct SimulationReport: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var startedAt: String
    public var durationSeconds: Double
    public var scenarios: [ScenarioSummary]
    public var cells: [CellResult]

    public var passed: Bool { !cells.contains { $0.status == .failed } }

    enum CodingKeys: String, CodingKey {
        case seed, startedAt = "started_at", durationSeconds = "duration_s", scenarios, cells
    }
}
