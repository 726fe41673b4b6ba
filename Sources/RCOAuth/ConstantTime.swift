/// Comparison whose running time does not depend on where two secrets differ.
///
/// Any local process can send callbacks, so comparing `state` byte by byte with an early exit
/// would let it learn a pending state one byte at a time from response timing.
public enum ConstantTime {
    /// True when `a` and `b` have the same UTF-8 bytes. Time depends only on the longer length.
    public static func equals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt(bitPattern: left.count ^ right.count)
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= UInt(x ^ y)
        }
        return difference == 0
    }
}
