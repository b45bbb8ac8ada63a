import Foundation
import TidemarkDatabase

/// When the environment makes the target fail: the n-th write transaction (1-based) counted over every
/// connection sharing the plan — a load and its parallel workers — fails after its body ran and before it
/// commits, so the rollback path is exercised. Shared across threads; reset for each table's load.
public final class FaultPlan: @unchecked Sendable {
    private let lock = NSLock()
    private let failingTransaction: Int?
    private var transactions = 0

    /// A plan that fails transaction `failingTransaction`, or never when nil.
    public init(failingTransaction: Int?) {
        self.failingTransaction = failingTransaction
    }

    /// Starts counting again (the simulator's faults are per table load).
    public func reset() {
        lock.lock()
        transactions = 0
        lock.unlock()
    }

    /// Counts one transaction; the fault to raise when it is the one to fail.
    fileprivate func countTransaction() -> InjectedFault? {
        lock.lock()
        defer { lock.unlock() }
        transactions += 1
        return transactions == failingTransaction ? InjectedFault(transaction: transactions) : nil
    }
}

/// The error a ``FaultPlan`` raises.
public struct InjectedFault: Error, CustomStringConvertible {
    public let transaction: Int
    public var description: String { "injected fault inside transaction \(transaction)" }
}

/// A connection that behaves like the one it wraps except where its ``FaultPlan`` says it fails: the simulator
/// and tests wrap the target in it, so the loader under test has no fault options of its own.
public final class FaultInjectingConnection: Connection {
    private let base: any Connection
    private let plan: FaultPlan
    private var depth = 0

    public init(_ base: any Connection, plan: FaultPlan) {
        self.base = base
        self.plan = plan
    }

    public var dialect: any SQLDialect { base.dialect }
    public var sessionID: ObjectIdentifier { base.sessionID }
    public var interrupter: any StatementInterrupter { base.interrupter }
    public var isInTransaction: Bool { base.isInTransaction }
    public func close() { base.close() }

    public func execute(_ sql: String, _ parameters: [Value]) throws -> Int { try base.execute(sql, parameters) }
    public func query(_ sql: String, _ parameters: [Value]) throws -> [Row] { try base.query(sql, parameters) }

    public func stream(_ sql: String, _ parameters: [Value], batchSize: Int, _ body: ([Row]) throws -> Void) throws {
        try base.stream(sql, parameters, batchSize: batchSize, body)
    }

    public func prepare(_ sql: String) throws -> any PreparedStatement { try base.prepare(sql) }

    public func bulkInsert(into table: TableName, columns: [String], rows: some Sequence<[Value]>) throws -> Int {
        try base.bulkInsert(into: table, columns: columns, rows: rows)
    }

    /// The outermost transaction counts; it fails inside, after its body, when the plan says so.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth == 1 else { return try base.transaction(body) }
        return try base.transaction {
            let result = try body()
            if let fault = plan.countTransaction() { throw fault }
            return result
        }
    }

    public func readSnapshot<T>(_ body: () throws -> T) throws -> T { try base.readSnapshot(body) }
    public func readSnapshot<T>(of tables: [TableName], _ body: () throws -> T) throws -> T {
        try base.readSnapshot(of: tables, body)
    }
    public func tableNames(schema: String?) throws -> [String] { try base.tableNames(schema: schema) }
    public func columns(of table: TableName) throws -> [ColumnInfo] { try base.columns(of: table) }
    public func primaryKey(of table: TableName) throws -> [String] { try base.primaryKey(of: table) }
}
