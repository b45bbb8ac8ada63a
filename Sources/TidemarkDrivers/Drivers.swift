@_exported import TidemarkDatabase
import TidemarkMySQL
import TidemarkPostgres
import TidemarkSQLite

/// Opens a connection for a URL with the driver for its engine.
///
///     let source = try openConnection("sqlite:opendental.db")
///     let target = try openConnection("postgresql://etl@localhost/analytics")
///     let opendental = try openConnection("mysql://etl@replica/opendental")
public func openConnection(_ url: DatabaseURL) throws -> any Connection {
    switch url {
    case .sqlite(let path): return try SQLiteConnection(path: path)
    case .postgres(let parameters): return try PostgresConnection(parameters: parameters)
    case .mysql(let parameters): return try MySQLConnection(parameters: parameters)
    }
}

/// Parses `url` (see ``DatabaseURL``) and opens it.
public func openConnection(_ url: String) throws -> any Connection {
    try openConnection(DatabaseURL(url))
}
