/// A provider's numbered error: Entra's AADSTS codes (in `error_codes`, or inside
/// `error_description`) and AD FS's MSIS codes (only ever inside `error_description`).
///
/// An integer literal is an AADSTS code, as Entra's JSON gives them; the text form of an AADSTS
/// code is the bare number (what logs have always shown) and of an MSIS code "MSIS9612".
public enum ProviderErrorCode: Hashable, Sendable, LosslessStringConvertible, ExpressibleByIntegerLiteral {
    case aadsts(Int)
    case msis(Int)

    public init(integerLiteral value: Int) { self = .aadsts(value) }

    public init?(_ description: String) {
        if description.hasPrefix("MSIS"), let number = Int(description.dropFirst(4)) {
            self = .msis(number)
        } else if let number = Int(description) {
            self = .aadsts(number)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .aadsts(let number): String(number)
        case .msis(let number): "MSIS\(number)"
        }
    }
}
