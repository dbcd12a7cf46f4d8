import Foundation

/// A new lead: a company in an industry, a contact at it, and what it might be worth.
public struct GeneratedLead: Sendable, Equatable {
    public var id: UUID
    public var companyName: String
    public var industry: String
    public var website: String
    public var employeeCount: Int
    public var annualRevenue: Double
    public var contactName: String
    public var contactTitle: String
    public var contactEmail: String
    public var contactPhone: String
    public var street: String
    public var city: String
    public var state: String
    public var postalCode: String
    public var leadSource: String
    public var interestLevel: String
    public var leadScore: Int
    public var estimatedDealValue: Double
}

/// Makes coherent leads: the email uses the contact's name and the company's domain, the phone's
/// area code belongs to the city, revenue follows head count, and the deal value fits the
/// company's size band.
enum LeadGenerator {
    /// Deal value bands by employee count: an office-equipment deal for a 10-person practice is
    /// a few thousand dollars; for a 600-person manufacturer, a few hundred thousand.
    static func dealBand(employees: Int) -> ClosedRange<Double> {
        switch employees {
        case ..<25: 3_000...18_000
        case ..<100: 12_000...60_000
        case ..<300: 40_000...160_000
        default: 90_000...350_000
        }
    }

    static func make(_ rng: inout SeededRandom) -> GeneratedLead {
        let industry = rng.pick(Industries.all)
        let city = rng.pick(Places.cities)
        let surnames = rng.sample(People.lastNames, count: 2)
        let company = Template.fill(rng.pick(industry.namePatterns), [
            "last": surnames[0], "last2": surnames[1], "city": city.name,
            "word": industry.words.isEmpty ? surnames[0] : rng.pick(industry.words),
        ])
        let domain = industry.tld == "gov"
            ? "\(slug(city.name))\(city.state.lowercased()).gov"
            : "\(slug(company, dropping: ["the", "llp", "inc", "co", "and", "associates", "group", "of"]))."
                + industry.tld
        let first = rng.pick(People.firstNames)
        let last = rng.pick(People.lastNames)
        let email: String = switch rng.int(in: 0...3) {
        case 0: "\(first).\(last)"
        case 1: "\(first.prefix(1))\(last)"
        case 2: "\(first)"
        default: "\(first)\(last.prefix(1))"
        }
        // Log-uniform head count: most leads are small, a few are large.
        let lo = log(Double(industry.employees.lowerBound)), hi = log(Double(industry.employees.upperBound))
        let employees = Int(exp(rng.double(in: lo...hi)).rounded())
        let revenue = (Double(employees) * rng.double(in: industry.revenuePerEmployee) / 1_000).rounded() * 1_000
        let interest = rng.pick([("low", 3.0), ("medium", 4.0), ("high", 2.0)])
        let score = switch interest {
        case "low": rng.int(in: 8...40)
        case "medium": rng.int(in: 35...70)
        default: rng.int(in: 60...95)
        }
        let deal = (rng.double(in: dealBand(employees: employees)) / 50).rounded() * 50
        let street = Places.street(&rng)
        return GeneratedLead(
            id: rng.uuid(),
            companyName: company,
            industry: industry.name,
            website: "https://www.\(domain)",
            employeeCount: employees,
            annualRevenue: revenue,
            contactName: "\(first) \(last)",
            contactTitle: rng.pick(industry.titles + (rng.chance(0.3) ? People.commonTitles : [])),
            contactEmail: "\(email.lowercased())@\(domain)",
            contactPhone: Places.phone(in: city, &rng),
            street: street,
            city: city.name,
            state: city.state,
            postalCode: city.zipPrefix + rng.digits(2),
            leadSource: rng.pick(Industries.leadSources),
            interestLevel: interest,
            leadScore: score,
            estimatedDealValue: deal
        )
    }

    /// A domain label from the significant words, shortened the way companies do rather than
    /// cut off: "Smith & Jones LLP" → "smithjones", "Naperville Christian School" →
    /// "napervillechristian", "Raleigh Commercial Properties" → "raleighcommercial".
    static func slug(_ text: String, dropping stopWords: Set<String> = []) -> String {
        let words = text.lowercased()
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { String($0.unicodeScalars.filter { $0.isASCII }) }
            .filter { !$0.isEmpty && !stopWords.contains($0) }
        let all = words.joined()
        if all.count <= 20 || words.count < 2 { return all }
        let firstTwo = words[0] + words[1]
        if firstTwo.count <= 20 { return firstTwo }
        return words[0] + words.dropFirst().map { String($0.prefix(1)) }.joined()
    }
}
