import Foundation
import TidemarkConfig
import TidemarkFixtures

/// One drawn exploration: a table (a fixture and its size), a config, a sequence of steps from the scenario
/// vocabulary, and the strategy and policy that run it. It renders as a scenario file, so what exploration runs
/// and what it writes under `scenarios/found/` are the same text.
struct ExploreCase: Sendable {
    /// A table the generator knows how to change: its key, its timestamp cursor column (if any), a text column
    /// to edit, and the highest key the fixture holds at `rows`.
    struct Shape: Sendable {
        let fixture: String
        let key: String
        let timestamp: String?
        let text: String
        let textLength: Int
        let sizes: [Int]?
        /// No primary key: loaded and verified as a multiset of rows under every policy, so nothing is unseen.
        var keyless = false
        /// Columns a case may leave out (a few are drawn), so one type the loader cannot take does not hide
        /// what the others would show.
        var optionalColumns: [String] = []

        /// The lowest and the highest key of the fixture at `rows`.
        func keyBounds(rows: Int?) -> (low: Int64, high: Int64) {
            switch fixture {
            case "medication": return (1, 1545)
            case "extremekeys": return (ExtremeKeys.key(1), ExtremeKeys.key(rows.map { $0 >= 2 ? 2 : 1 } ?? 1))
            // Six lines to a claim; steps select whole claims.
            case "claimline": return (1, Int64(((rows ?? 600) + 5) / 6))
            case "auditlink": return (1, 120)
            default: return (1, Int64(rows ?? 1))
            }
        }
    }

    // Steps only use `key` (the leading key column, or the column a keyless table's steps select by),
    // `timestamp`, `text` and `keyBounds`.
    static let shapes: [Shape] = [
        Shape(fixture: "medication", key: "MedicationNum", timestamp: "DateTStamp", text: "MedName", textLength: 255,
              sizes: nil),
        // Sizes around a batch (250 by default) and a verification leaf (256).
        Shape(fixture: "procedurelog", key: "ProcNum", timestamp: "DateTStamp", text: "ToothNum", textLength: 10,
              sizes: [1, 2, 7, 249, 250, 251, 255, 256, 257, 513]),
        Shape(fixture: "typezoo", key: "id", timestamp: nil, text: "note", textLength: 1000,
              sizes: [1, 2, 7, 249, 250, 251, 255, 256, 257, 513], optionalColumns: typeZooColumns),
        // Keys at both ends of ±2⁶³.
        Shape(fixture: "extremekeys", key: "id", timestamp: nil, text: "note", textLength: 1000,
              sizes: [1, 2, 7, 249, 250, 251, 255, 256, 257, 513], optionalColumns: typeZooColumns),
        // A three-column key (bigint, varchar, integer), six tuples to each leading value, zero dates among the
        // stamps: whole claims around a batch and a leaf.
        Shape(fixture: "claimline", key: "ClaimNum", timestamp: "DateTStamp", text: "Note", textLength: 1000,
              sizes: [6, 12, 246, 252, 258, 600]),
        // `sync_profile: append_only`: its cursor is the key alone (the stamp is not a cursor), so every edit is
        // what only a verification sees.
        Shape(fixture: "securitylog", key: "SecurityLogNum", timestamp: nil, text: "CompName",
              textLength: 255, sizes: [1, 2, 249, 250, 251, 256, 257, 513]),
        // No key: groups of identical copies, rows with every column NULL. Its steps stay small (a few groups, a
        // few new copies): past half the table a keyless sync rewrites it whole, which counts as a fallback.
        Shape(fixture: "auditlink", key: "GroupNum", timestamp: nil, text: "Action", textLength: 50, sizes: nil,
              keyless: true),
    ]

    /// The type fixture's columns besides its key and the text the steps edit.
    static let typeZooColumns = Fixtures.typezoo(rows: 0, seed: 0).columnNames.filter { $0 != "id" && $0 != "note" }

    var shape: Shape
    var rows: Int?
    /// Only these columns of the fixture (nil: all of them).
    var columns: [String]?
    var cursorMode: IncrementalLogic?
    var batchSize: Int
    /// The steps after the clean load; the last is always `runs`.
    var steps: [Step]
    var strategy: StrategyKind
    var policy: PolicyKind
    /// `verify: off` for the table: the watermark alone must then carry every change the steps make (drawn only
    /// when the cursor sees them all, where no policy needs a verification to recover).
    var verifyOff = false

    /// Steps a policy other than `reconcile` is documented not to see (design §8): edits without a timestamp bump,
    /// edits a cursor of the key alone cannot see, deletes, and damage to the target. A keyless table is compared
    /// whole by every policy: nothing is unseen there.
    var unseenByWeakPolicies: Bool {
        !shape.keyless && steps.contains { step in
            switch step {
            case .sourceUpdate(_, _, let set):
                return shape.timestamp.map { set[$0] == nil } ?? true || cursorMode != .orLogic
            case .sourceDelete, .targetDelete, .targetUpdate, .targetTruncate: return true
            default: return false
            }
        }
    }

    /// What design §8's rule expects of `policy` after these steps: every policy recovers from what its cursor
    /// sees; otherwise only `reconcile` is judged (and this case is drawn only under it), which falls back once
    /// in each run that follows such a step.
    func expectation(_ policy: PolicyKind) -> Expectation? {
        guard unseenByWeakPolicies else { return Expectation(recovered: true, fallbackRuns: 0) }
        guard policy == .reconcile else { return nil }
        var fallbacks = 0
        var pending = false
        for step in steps {
            if case .runs = step {
                if pending { fallbacks += 1 }
                pending = false
            } else if ExploreCase(shape: shape, rows: rows, columns: columns, cursorMode: cursorMode, batchSize: batchSize,
                                  steps: [step], strategy: strategy, policy: policy, verifyOff: verifyOff).unseenByWeakPolicies {
                pending = true
            }
        }
        return Expectation(recovered: true, fallbackRuns: fallbacks)
    }

    /// Draws a case from `random`: NULL-heavy, edge-biased edits; sizes at batch and leaf boundaries.
    static func draw(_ random: inout SeededRandom) -> ExploreCase {
        let shape = random.pick(shapes)
        let rows = shape.sizes.map { random.pick($0) }
        let cursorMode: IncrementalLogic? = shape.timestamp == nil ? nil : random.pick([.singleColumn, .orLogic, .andLogic])
        let batchSize = random.pick([3, 7, 100, 249, 250, 251])
        var draft = ExploreCase(shape: shape, rows: rows, cursorMode: cursorMode, batchSize: batchSize, steps: [],
                                strategy: random.pick(StrategyKind.allCases), policy: .reconcile)
        if !shape.optionalColumns.isEmpty, !random.chance(250) {
            // A few of the optional columns, in the table's order, beside the key and the edited text.
            var chosen = Set<String>()
            for _ in 0..<random.within(1...3) { chosen.insert(random.pick(shape.optionalColumns)) }
            draft.columns = [shape.key] + shape.optionalColumns.filter(chosen.contains) + [shape.text]
        }
        var stamp = 0
        for _ in 0..<random.within(1...4) {
            draft.steps += draft.drawStep(&random, stamp: &stamp, batchSize: batchSize)
            if random.chance(250) { draft.steps.append(.runs(1)) }
        }
        draft.steps.append(.runs(1))
        // A fault is judged as the run it fails, which a weak policy's expectation does not cover together with
        // damage: keep one or the other.
        if draft.unseenByWeakPolicies { draft.steps.removeAll { if case .fault = $0 { return true } else { return false } } }
        draft.policy = draft.unseenByWeakPolicies ? .reconcile : random.pick(PolicyKind.allCases)
        draft.verifyOff = !draft.unseenByWeakPolicies && !shape.keyless && random.chance(333)
        return draft
    }

    /// One step (a fault comes with the run it fails).
    private func drawStep(_ random: inout SeededRandom, stamp: inout Int, batchSize: Int) -> [Step] {
        let table = shape.fixture
        func later() -> [String: ScalarValue] {
            stamp += 1
            return shape.timestamp.map { [$0: .string(String(format: "2030-01-01 00:%02d:%02d", stamp / 60, stamp % 60))] } ?? [:]
        }
        func text() -> ScalarValue {
            random.pick([.null, .null, .string(""), .string(" "), .string("ünï"), .string("a'b\"c"), .string("x\ny"),
                         .string(String(repeating: "z", count: shape.textLength))])
        }
        func rows() -> RowSelector {
            let (low, high) = shape.keyBounds(rows: self.rows)
            if shape.keyless { return random.pick([.every(97), .keys([low, high]), .keys([high])]) }
            return random.pick([.every(Int64(random.pick([1, 2, 3, 97]))), .keys([low, high]),
                                .keyRange(low, max(low, low / 2 + high / 2)), .keys([high])])
        }
        switch random.below(8) {
        case 0, 1:
            let counts = shape.keyless ? [1, 2, 3] : [1, batchSize - 1, batchSize, batchSize + 1]
            return [.sourceInsert(table: table, rows: [], generate: max(1, random.pick(counts)), set: later())]
        case 2: return [.sourceUpdate(table: table, rows: rows(), set: [shape.text: text()].merging(later()) { a, _ in a })]
        case 3: return [.sourceUpdate(table: table, rows: rows(), set: [shape.text: text()])]
        // Never every source row: a later insert copies the highest row.
        case 4: return [.sourceDelete(table: table, rows: .every(Int64(random.pick(shape.keyless ? [97] : [2, 3, 97]))))]
        case 5: return [.targetDelete(table: table, rows: rows())]
        case 6: return [.targetUpdate(table: table, rows: rows(), set: [shape.text: text()])]
        default: return [.fault(failInsideCommit: random.within(1...3)), .runs(1)]
        }
    }
}
