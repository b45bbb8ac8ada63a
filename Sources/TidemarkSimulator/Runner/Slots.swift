import Foundation

/// Results of work run side by side, each written from its worker thread into a slot of its own and read in
/// order once every worker is done.
final class Slots<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Element?]
    private var filled = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores a result; returns how many slots are filled now (for progress).
    @discardableResult
    func set(_ index: Int, _ value: Element) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = value
        filled += 1
        return filled
    }

    /// The results in slot order.
    func all() -> [Element] {
        lock.lock()
        defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
