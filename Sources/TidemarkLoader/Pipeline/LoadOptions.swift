import TidemarkConfig
import TidemarkDatabase

/// Opens one more connection to the same database (the parallel strategy's workers use these).
public typealias ConnectionFactory = @Sendable () throws -> any Connection

/// Run-wide settings: the command line's overrides and the hooks the simulator uses.
public struct LoadOptions: Sendable {
    public var strategy: StrategyChoice?
    public var policy: PolicyKind?
    /// `--verify`: how much `reconcile` verifies, over every table's `verify:`.
    public var verify: VerifyMode?
    public var forceFull = false
    /// PostgreSQL schema of the source tables.
    public var sourceSchema = "public"
    /// PostgreSQL schema of the target tables and `etl_load_status`.
    public var targetSchema = "raw"
    public var batchSize: Int?
    public var parallelWorkers = 4
    /// Identifies this run in `method_usage.json`.
    public var runID: String
    /// Shifts the wall clock `_loaded_at` records (the simulator's clock-skew step); cursors never read it.
    public var clockSkewSeconds = 0
    /// How long a load waits for another run to finish with the same table (`--lock-timeout`).
    public var lockWaitSeconds = 600.0
    /// Skip a table another run holds instead of waiting (`--skip-locked`).
    public var skipLocked = false
    /// Bisection and repair settings of the `reconcile` policy.
    public var reconcile = ReconcileSettings()
    /// Hears how many rows each batch read, once they are committed (from the loading thread): `etl-run`'s
    /// progress line counts them.
    public var rowsCommitted: (@Sendable (Int) -> Void)?

    public init(runID: String = LoadOptions.newRunID()) {
        self.runID = runID
    }

    /// The verification a table gets: `--verify`, else its `verify:`, else `full`.
    public func verifyMode(for config: TableConfig) -> VerifyMode {
        verify ?? config.verify ?? .full
    }

    public static func newRunID() -> String {
        LoadStatusTable.now().description.replacingOccurrences(of: " ", with: "T")
    }
}
