/// HTTP dates (RFC 9110 §5.6.7), for `Retry-After` and `Date`.
///
/// Parsing accepts the three forms the RFC obliges recipients to read; formatting always
/// produces IMF-fixdate. Times are whole seconds since the Unix epoch, in UTC (GMT).
public enum HTTPDate {
    private static let dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longDayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// Parses IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850
    /// ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime ("Sun Nov  6 08:49:37 1994").
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        if let comma = bytes.firstIndex(of: UInt8(ascii: ",")) {
            let dayName = String(decoding: bytes[..<comma], as: UTF8.self)
            if dayNames.contains(dayName) { return parseIMFFixdate(bytes[(comma + 1)...]) }
            if longDayNames.contains(dayName) { return parseRFC850(bytes[(comma + 1)...]) }
            return nil
        }
        return parseAsctime(bytes[...])
    }

    /// IMF-fixdate, the only form a sender may generate (RFC 9110 §5.6.7).
    public static func format(_ epochSeconds: Int64) -> String {
        let days = floorDivide(epochSeconds, 86_400)
        let secondOfDay = (epochSeconds % 86_400 + 86_400) % 86_400
        let (year, month, day) = civilDate(fromDays: days)
        // 1970-01-01 was a Thursday (index 3 with Monday first).
        let weekday = Int(((days % 7) + 7 + 3) % 7)
        return "\(dayNames[weekday]), \(twoDigits(day)) \(monthNames[month - 1]) \(year) "
            + "\(twoDigits(Int(secondOfDay / 3600))):\(twoDigits(Int(secondOfDay / 60 % 60))):"
            + "\(twoDigits(Int(secondOfDay % 60))) GMT"
    }

    /// RFC 3339 in UTC to the second ("1994-11-06T08:49:37Z"), for moments a script or a JSON
    /// client reads (status, the `json` token format, Kubernetes' ExecCredential); it lives here
    /// for the calendar arithmetic the HTTP forms already need.
    public static func formatRFC3339(_ epochSeconds: Int64) -> String {
        let days = floorDivide(epochSeconds, 86_400)
        let secondOfDay = (epochSeconds % 86_400 + 86_400) % 86_400
        let (year, month, day) = civilDate(fromDays: days)
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-\(twoDigits(month))-\(twoDigits(day))T"
            + "\(twoDigits(Int(secondOfDay / 3600))):\(twoDigits(Int(secondOfDay / 60 % 60))):\(twoDigits(Int(secondOfDay % 60)))Z"
    }

    /// " 06 Nov 1994 08:49:37 GMT" after the comma.
    private static func parseIMFFixdate(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var reader = Reader(bytes: bytes)
        guard reader.literal(" "), let day = reader.number(digits: 2), reader.literal(" "),
            let month = reader.month(), reader.literal(" "), let year = reader.number(digits: 4),
            reader.literal(" "), let time = reader.timeOfDay(), reader.literal(" GMT"), reader.atEnd
        else { return nil }
        return epochSeconds(year: year, month: month, day: day, time: time)
    }

    /// " 06-Nov-94 08:49:37 GMT" after the comma. The two-digit year is read as 1970–2069:
    /// RFC 9110 §5.6.7 says to pick the most recent past year when it would be more than 50
    /// years ahead, and this obsolete form only comes from very old servers anyway.
    private static func parseRFC850(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var reader = Reader(bytes: bytes)
        guard reader.literal(" "), let day = reader.number(digits: 2), reader.literal("-"),
            let month = reader.month(), reader.literal("-"), let shortYear = reader.number(digits: 2),
            reader.literal(" "), let time = reader.timeOfDay(), reader.literal(" GMT"), reader.atEnd
        else { return nil }
        let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
        return epochSeconds(year: year, month: month, day: day, time: time)
    }

    /// "Sun Nov  6 08:49:37 1994": the day is space-padded to two characters.
    private static func parseAsctime(_ bytes: ArraySlice<UInt8>) -> Int64? {
        guard bytes.count >= 3, dayNames.contains(String(decoding: bytes.prefix(3), as: UTF8.self)) else {
            return nil
        }
        var reader = Reader(bytes: bytes.dropFirst(3))
        guard reader.literal(" "), let month = reader.month(), reader.literal(" ") else { return nil }
        let day: Int
        if reader.literal(" ") {
            guard let digit = reader.number(digits: 1) else { return nil }
            day = digit
        } else {
            guard let digits = reader.number(digits: 2) else { return nil }
            day = digits
        }
        guard reader.literal(" "), let time = reader.timeOfDay(), reader.literal(" "),
            let year = reader.number(digits: 4), reader.atEnd
        else { return nil }
        return epochSeconds(year: year, month: month, day: day, time: time)
    }

    private static func epochSeconds(year: Int, month: Int, day: Int, time: (Int, Int, Int)) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        // A leap second (60) is allowed by the grammar; it lands on the next second.
        guard time.0 <= 23, time.1 <= 59, time.2 <= 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86_400 + Int64(time.0 * 3600 + time.1 * 60 + time.2)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (the standard era-based
    /// conversion, valid for any year).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let monthIndex = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthIndex + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilDate(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Division rounding toward negative infinity; written so that even Int64.min cannot trap.
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor != 0 && value < 0 ? quotient - 1 : quotient
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    /// A cursor over the date's bytes; each method consumes input only when it matches.
    private struct Reader {
        var bytes: ArraySlice<UInt8>

        var atEnd: Bool { bytes.isEmpty }

        mutating func literal(_ text: String) -> Bool {
            let expected = Array(text.utf8)
            guard bytes.starts(with: expected) else { return false }
            bytes = bytes.dropFirst(expected.count)
            return true
        }

        mutating func number(digits: Int) -> Int? {
            let prefix = bytes.prefix(digits)
            guard prefix.count == digits, prefix.allSatisfy(HTTPGrammar.isDigit) else { return nil }
            bytes = bytes.dropFirst(digits)
            return prefix.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }

        mutating func month() -> Int? {
            let name = String(decoding: bytes.prefix(3), as: UTF8.self)
            guard let index = HTTPDate.monthNames.firstIndex(of: name) else { return nil }
            bytes = bytes.dropFirst(3)
            return index + 1
        }

        mutating func timeOfDay() -> (Int, Int, Int)? {
            guard let hour = number(digits: 2), literal(":"), let minute = number(digits: 2), literal(":"),
                let second = number(digits: 2)
            else { return nil }
            return (hour, minute, second)
        }
    }
}
