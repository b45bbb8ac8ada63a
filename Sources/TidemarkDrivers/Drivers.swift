@_exported import TidemarkDatabase
import TidemarkMySQL
import TidemarkPostgres
import TidemarkSQLite

/// Opens a connection for a URL with the driver for its engine; a source is opened `.readOnly`.
///
///     let source = try openConnection("sqlite:opendental.db", mode: .readOnly)
///     let target = try openConnection("postgresql://etl@localhost/analytics")
///     let opendental = try openConnection("mysql://etl@replica/opendental", mode: .readOnly)
public func openConnection(_ url: DatabaseURL, mode: AccessMode = .readWrite) throws -> any Connection {
    switch url {
    case .sqlite(let path): return try SQLiteConnection(path: path, mode: mode)
    case .postgres(let parameters): return try PostgresConnection(parameters: parameters, mode: mode)
    case .mysql(let parameters): return try MySQLConnection(parameters: parameters, mode: mode)
    }
}

/// Parses `url` (see ``DatabaseURL``) and opens it.
public func openConnection(_ url: String, mode: AccessMode = .readWrite) throws -> any Connection {
    try openConnection(DatabaseURL(url), mode: mode)
}
