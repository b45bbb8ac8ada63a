import TidemarkConfig

/// A column of the matrix: a policy, and for `reconcile` how much it verifies — `reconcile` every row on every
/// run (`verify: full`), `reconcile/rolling` the cheap invariants and one slice per run (`verify: rolling`).
public struct PolicyColumn: Sendable, Hashable, CaseIterable, RawRepresentable {
    public let policy: PolicyKind
    /// `rolling` for the rolling column; nil for the policy's own default.
    public let verify: VerifyMode?

    public init(_ policy: PolicyKind) {
        self.policy = policy
        self.verify = nil
    }

    public static let reconcileRolling = PolicyColumn(policy: .reconcile, verify: .rolling)

    private init(policy: PolicyKind, verify: VerifyMode?) {
        self.policy = policy
        self.verify = verify
    }

    public static var allCases: [PolicyColumn] { PolicyKind.allCases.map(PolicyColumn.init) + [reconcileRolling] }

    public var rawValue: String { verify == .rolling ? "reconcile/rolling" : policy.rawValue }

    public init?(rawValue: String) {
        guard let column = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = column
    }

    /// `verify_cycle` of the rolling column's tables unless the scenario sets one: short, so a stale state found
    /// only by the slice is found within a few runs, yet long enough that the slices matter.
    public static let rollingCycle = 4
}

extension Scenario {
    /// What the scenario expects in `column`: its own expectation, or for `reconcile/rolling` the one derived
    /// from `reconcile`'s (``rollingExpectation(cycle:configs:)``).
    public func expectation(for column: PolicyColumn, configs: [String: TableConfig]) -> Expectation? {
        guard column.verify == .rolling else { return expectations[column.policy] }
        return rollingExpectation(configs: configs).expectation
    }

    /// `reconcile/rolling` ends where `reconcile` does (recovered, the same fallback runs), but finds a stale
    /// state later when only the slice can see it. Derived from the steps before the first runs under test:
    /// a table that lost or gained rows on one side only (a truncate, deletes or phantoms, new source rows behind
    /// a tracking row moved past them), was recreated, had its tracking row marked failed or removed, a new column, or a run that
    /// fails — counts, key bounds, a failed previous run or a full read widen the first run to every row, so
    /// it is found by run 1. A table whose damage keeps its count (an edit without a cursor bump, on either
    /// side, or deletes offset by phantoms) is found when its slice comes up: by run `verify_cycle`, and that
    /// runs step runs at least that many loads. The first run's `rows_loaded` is kept only when found at once.
    public func rollingExpectation(configs: [String: TableConfig]) -> (expectation: Expectation?, runs: [Int: Int]) {
        guard var expected = expectations[.reconcile] else { return (nil, [:]) }
        var silent = Set<String>()
        var visible = Set<String>()
        var losses = Set<String>()
        var gains = Set<String>()
        var inserted = Set<String>()
        var moved = Set<String>()
        var runs: [Int: Int] = [:]
        var foundBy: Int?
        var runsBefore = 0
        for (position, located) in steps.enumerated() {
            switch located.step {
            case .targetTruncate(let table), .targetRecreate(let table), .trackingDelete(let table),
                 .trackingMarkFailed(let table), .sourceAddColumn(let table, _, _, _):
                visible.insert(table)
            case .fault:
                visible.formUnion(fixtures.map(\.name))
            case .targetDelete(let table, _):
                losses.insert(table)
            case .sourceInsert(let table, _, _, _):
                inserted.insert(table)
            case .trackingSet(let table, _):
                moved.insert(table)
            case .targetInsert(let table, _), .sourceDelete(let table, _):
                gains.insert(table)
            case .targetUpdate(let table, _, _):
                silent.insert(table)
            case .sourceUpdate(let table, _, let set):
                let config = configs[table]
                let cursor = Set((config?.incrementalColumns ?? []) + (config?.primaryIncrementalColumn.map { [$0] } ?? []))
                if cursor.isDisjoint(with: set.keys) { silent.insert(table) }
            case .runs(let count):
                // New source rows are read, unless the tracking row was moved past them.
                losses.formUnion(inserted.intersection(moved))
                // Offsetting row counts keep the count: only the slice sees them.
                visible.formUnion(losses.symmetricDifference(gains))
                silent.formUnion(losses.intersection(gains))
                let slow = !silent.subtracting(visible).isEmpty
                let cycle = configs.values.compactMap(\.verifyCycle).max() ?? PolicyColumn.rollingCycle
                let count = slow ? max(count, cycle) : count
                runs[position] = count
                if foundBy == nil, !visible.isEmpty || slow {
                    foundBy = runsBefore + (slow ? cycle : 1)
                    if slow { expected.rowsLoaded = nil }
                }
                runsBefore += count
                (silent, visible, losses, gains, inserted, moved) = ([], [], [], [], [], [])
            default:
                break
            }
        }
        expected.foundBy = foundBy
        return (expected, runs)
    }
}
