import Foundation
import Testing
@testable import DatabaseUpdater

struct GeneratorTests {
    @Test func leadsHangTogether() throws {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<300 {
            let lead = LeadGenerator.make(&rng)
            let domain = String(lead.website.dropFirst("https://www.".count))
            #expect(lead.contactEmail.hasSuffix("@\(domain)"), "\(lead.contactEmail) vs \(lead.website)")
            let last = lead.contactName.split(separator: " ").last!.lowercased()
            let first = lead.contactName.split(separator: " ").first!.lowercased()
            let local = String(lead.contactEmail.split(separator: "@")[0])
            #expect(local.contains(last) || local.hasPrefix(first), "\(local) for \(lead.contactName)")
            let city = try #require(Places.cities.first { $0.name == lead.city })
            #expect(lead.state == city.state)
            #expect(lead.postalCode.hasPrefix(city.zipPrefix) && lead.postalCode.count == 5)
            #expect(city.areaCodes.contains(String(lead.contactPhone.dropFirst().prefix(3))), "\(lead.contactPhone) in \(lead.city)")
            #expect(lead.contactPhone.wholeMatch(of: /\(\d{3}\) \d{3}-\d{4}/) != nil)
            #expect(LeadGenerator.dealBand(employees: lead.employeeCount).contains(lead.estimatedDealValue))
            let industry = try #require(Industries.all.first { $0.name == lead.industry })
            let revenuePerEmployee = lead.annualRevenue / Double(lead.employeeCount)
            #expect(revenuePerEmployee > industry.revenuePerEmployee.lowerBound * 0.9 && revenuePerEmployee < industry.revenuePerEmployee.upperBound * 1.1)
            switch lead.interestLevel {
            case "low": #expect((8...40).contains(lead.leadScore))
            case "medium": #expect((35...70).contains(lead.leadScore))
            default: #expect((60...95).contains(lead.leadScore))
            }
            #expect(!lead.companyName.contains("{") && !lead.companyName.isEmpty)
        }
    }

    @Test func ticketsMatchTheirProblem() throws {
        var rng = SeededRandom(seed: 12)
        for _ in 0..<300 {
            let ticket = TicketGenerator.make(&rng)
            let problem = try #require(ServiceProblems.all.first { $0.category == ticket.category })
            #expect(problem.errorCodes.contains(ticket.errorCode ?? "none"))
            let parts = try JSONDecoder().decode([String].self, from: Data(ticket.requiredParts.utf8))
            let allowed = problem.parts.map { $0.map { $0.replacingOccurrences(of: #"\{[a-z]+\}"#, with: ".*", options: .regularExpression) } }
            #expect(allowed.contains { pattern in
                pattern.count == parts.count && zip(pattern, parts).allSatisfy { $1.range(of: "^\($0)$", options: .regularExpression) != nil }
            }, "\(parts) for \(ticket.category)")
            #expect(problem.priority.map(\.0).contains(ticket.priority))
            #expect(!ticket.description.contains("{") && !ticket.title.contains("{"))
            // The description is one of this problem's own templates, filled in.
            #expect(problem.descriptions.contains { template in
                let marked = template.replacingOccurrences(of: #"\{[a-z]+\}"#, with: "\u{1}", options: .regularExpression)
                let pattern = NSRegularExpression.escapedPattern(for: marked).replacingOccurrences(of: "\u{1}", with: ".+")
                return ticket.description.range(of: "^\(pattern)$", options: .regularExpression) != nil
            }, "\(ticket.description)")
        }
    }

    @Test func activitiesAreOrderedInTime() {
        var rng = SeededRandom(seed: 13)
        let lead = LeadReference(id: UUID(), companyName: "Acme", contactName: "Ann Lee", contactTitle: "Office Manager", industry: "legal")
        let now = Date(timeIntervalSince1970: 1_795_515_200)
        for _ in 0..<300 {
            let a = ActivityGenerator.make(&rng, lead: lead, at: now)
            if let followUp = a.followUpDate { #expect(followUp > a.activityDate) }
            if a.status == "completed" {
                #expect(a.activityDate <= now && a.outcome != nil && a.completedAt != nil)
            } else {
                #expect(a.activityDate > now && a.outcome == nil && a.completedAt == nil)
            }
            #expect(!a.subject.contains("{") && !a.notes.contains("{"))
        }
    }
}
