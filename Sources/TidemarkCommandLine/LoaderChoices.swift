import ArgumentParser
import TidemarkConfig

// The loader's choices as command-line values, so ArgumentParser validates them, lists them in `--help`, and
// names the flag and the allowed values when one is wrong (exit 64). Their raw values are the spellings.
extension StrategyChoice: ExpressibleByArgument {}
extension StrategyKind: ExpressibleByArgument {}
extension PolicyKind: ExpressibleByArgument {}
extension VerifyMode: ExpressibleByArgument {}
