import ArgumentParser
import Foundation
import TidemarkDatabase

extension ParsableCommand {
    /// ArgumentParser's `main()`, but every message it prints goes through the one redaction rule first: it
    /// quotes a misplaced argument as it is (`Unexpected argument 'postgresql://u:pw@h/db'`, `The value '…' is
    /// invalid for '--jobs'`), and that argument may be a URL holding a password. See
    /// ``DatabaseURL/redactingArguments(_:in:)``.
    public static func mainRedactingArguments(_ arguments: [String] = Array(CommandLine.arguments.dropFirst()))
        -> Never
    {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            let message = DatabaseURL.redactingArguments(arguments, in: fullMessage(for: error))
            if !message.isEmpty {
                if code.isSuccess {
                    print(message)
                } else {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                }
            }
            Foundation.exit(code.rawValue)
        }
    }
}
