import Foundation

/// Money, dates and names as the factory's rows hold them.
enum FactoryValues {
    /// Money as a column value: exact cents become dollars (REAL on SQLite, NUMERIC on PostgreSQL).
    static func money(_ cents: Int64) -> DatabaseValue { .double(Double(cents) / 100) }

    /// A money column read back, in cents (rounded: REAL holds dollars in binary).
    static func cents(_ value: DatabaseValue) -> Int64? {
        value.doubleValue.map { Int64(($0 * 100).rounded()) }
    }

    /// `$1,234.50`, for descriptions.
    static func dollars(_ cents: Int64) -> String {
        let whole = cents / 100, fraction = cents % 100
        var digits = String(whole), grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return "$" + digits + grouped + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// The calendar date of `instant` in `zone` (`2026-03-06`): the business day a transaction
    /// is booked on.
    static func businessDate(_ instant: Date, in zone: TimeZone) -> String {
        String(ISO8601.format(instant, in: zone).prefix(10))
    }

    /// Whether `date` (`2026-03-06`) is a Friday.
    static func isFriday(_ date: String) -> Bool {
        guard let day = ISO8601.parse(dateOrDateTime: date, in: utc) else { return false }
        return calendar.component(.weekday, from: day) == 6
    }

    /// The weekday of `instant` in `zone`, 1 = Sunday … 7 = Saturday.
    static func weekday(_ instant: Date, in zone: TimeZone) -> Int {
        var calendar = calendar
        calendar.timeZone = zone
        return calendar.component(.weekday, from: instant)
    }

    private static let utc = TimeZone(identifier: "UTC")!
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar
    }()

    /// Locks every part of the tenant until the execution commits, in one order (by id), before
    /// stock is read and rewritten: two executions that move stock (processing, restock, a
    /// manual run beside a scheduled one) then take turns instead of one overwriting the
    /// other's level. On PostgreSQL a row lock; SQLite's write transaction already serialises.
    static func lockParts(_ context: UpdaterContext) throws {
        guard context.dialect == .postgres else { return }
        _ = try context.query("SELECT id FROM inventory.parts WHERE tenant_id = $1 ORDER BY id FOR UPDATE", .uuid(context.tenant.id))
    }

    /// ` FOR SHARE` on PostgreSQL (a row read that a concurrent delete must wait for), nothing on SQLite.
    static func forShare(_ context: UpdaterContext) -> String { context.dialect == .postgres ? " FOR SHARE" : "" }

    /// The next number of a per-tenant sequence column (`max + 1`, from `first`): only one
    /// updater inserts into each such table, one execution per tenant at a time, and the table's
    /// unique key refuses a duplicate anyway.
    static func nextNumber(_ context: UpdaterContext, table: String, column: String, first: Int64) throws -> Int64 {
        let max = try context.query("SELECT MAX(\(column)) AS n FROM \(table) WHERE tenant_id = $1", .uuid(context.tenant.id))
            .first?["n"].intValue
        return max.map { $0 + 1 } ?? first
    }
}

/// A business customer with its buyer and address.
struct GeneratedCustomer {
    let id: UUID
    let companyName: String
    let industry: String
    let contactName: String
    let contactTitle: String
    let contactEmail: String
    let contactPhone: String
    let street: String
    let city: Places.City
    let postalCode: String
    let paymentTermsDays: Int

    static func make(_ rng: inout SeededRandom) -> GeneratedCustomer {
        let city = rng.pick(Places.cities)
        let surnames = rng.sample(People.lastNames, count: 2)
        let company = Template.fill(rng.pick(FactoryCatalog.companyPatterns), [
            "last": surnames[0], "last2": surnames[1], "city": city.name, "word": rng.pick(FactoryCatalog.companyWords),
        ])
        let domain = company.lowercased().split(whereSeparator: { !$0.isLetter }).prefix(2).joined() + ".com"
        let first = rng.pick(People.firstNames), last = rng.pick(People.lastNames)
        return GeneratedCustomer(
            id: rng.uuid(), companyName: company, industry: rng.pick(FactoryCatalog.industries),
            contactName: "\(first) \(last)", contactTitle: rng.pick(FactoryCatalog.buyerTitles),
            contactEmail: "\(first.prefix(1).lowercased())\(last.lowercased())@\(domain)",
            contactPhone: Places.phone(in: city, &rng), street: Places.street(&rng), city: city,
            postalCode: city.zipPrefix + rng.digits(2), paymentTermsDays: rng.pick([(15, 1.0), (30, 5.0), (45, 2.0), (60, 1.0)]))
    }

    /// Its columns (without id and tenant), numbered `C-10001`.
    func columns(number: Int64, now: Date) -> KeyValuePairs<String, DatabaseValue> {
        [
            "customer_number": .text("C-\(number)"), "company_name": .text(companyName), "industry": .text(industry),
            "contact_name": .text(contactName), "contact_title": .text(contactTitle), "contact_email": .text(contactEmail),
            "contact_phone": .text(contactPhone), "street": .text(street), "city": .text(city.name), "state": .text(city.state),
            "postal_code": .text(postalCode), "payment_terms_days": .integer(Int64(paymentTermsDays)),
            "created_at": .timestamp(now), "updated_at": .timestamp(now),
        ]
    }
}
