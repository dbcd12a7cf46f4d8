/// Industries a lead can be in: how their companies are named, who buys, how big they are, and
/// what a deal with them is worth.
enum Industries {
    struct Industry {
        /// Stored in `business_records.industry`.
        let name: String
        /// Company name patterns: `{last}`, `{last2}`, `{city}`, `{word}`.
        let namePatterns: [String]
        /// Words that fill `{word}`.
        let words: [String]
        let titles: [String]
        /// Employee count bounds for a typical lead.
        let employees: ClosedRange<Int>
        /// Annual revenue per employee, in dollars.
        let revenuePerEmployee: ClosedRange<Double>
        /// Top-level domain their websites use.
        let tld: String
    }

    static let all: [Industry] = [
        Industry(name: "healthcare",
                 namePatterns: ["{city} Family Medicine", "{last} Pediatrics", "{word} Health Partners", "{city} Dental Group",
                                "{last} Orthopedic Associates", "{word} Physical Therapy", "{city} Urgent Care"],
                 words: ["Summit", "Riverbend", "Lakeside", "Pinnacle", "Cornerstone", "Evergreen", "Bluewater", "Northside"],
                 titles: ["Practice Administrator", "Practice Manager", "Office Manager", "Director of Operations"],
                 employees: 8...220, revenuePerEmployee: 110_000...180_000, tld: "com"),
        Industry(name: "legal",
                 namePatterns: ["{last} & {last2} LLP", "{last} Law Group", "{last}, {last2} & Associates", "{city} Legal Partners",
                                "The {last} Law Firm"],
                 words: [],
                 titles: ["Managing Partner", "Office Administrator", "Firm Administrator", "IT Director"],
                 employees: 5...140, revenuePerEmployee: 180_000...320_000, tld: "com"),
        Industry(name: "education",
                 namePatterns: ["{city} Montessori School", "{word} Academy", "{city} Christian School", "{word} Learning Center",
                                "{city} Community College"],
                 words: ["St. Anne's", "Westbrook", "Oakridge", "Heritage", "Brighton", "Crestview", "Lincoln", "Horizon"],
                 titles: ["Business Manager", "Head of School", "Technology Coordinator", "Director of Finance"],
                 employees: 20...600, revenuePerEmployee: 60_000...95_000, tld: "org"),
        Industry(name: "manufacturing",
                 namePatterns: ["{last} Precision Machining", "{word} Plastics Inc.", "{city} Tool & Die", "{word} Fabrication",
                                "{last} Manufacturing Co.", "{word} Components"],
                 words: ["Allied", "Keystone", "Ironwood", "Apex", "Midwest", "Titan", "Precision", "Great Lakes"],
                 titles: ["Plant Manager", "Purchasing Manager", "Controller", "Operations Manager"],
                 employees: 25...900, revenuePerEmployee: 150_000...260_000, tld: "com"),
        Industry(name: "financial services",
                 namePatterns: ["{word} Wealth Management", "{last} Financial Group", "{city} Credit Union", "{word} Insurance Agency",
                                "{last} CPA Group"],
                 words: ["Harborview", "Sterling", "Beacon", "Fidelity Point", "Meridian", "Granite", "Liberty"],
                 titles: ["Office Manager", "Chief Operating Officer", "Branch Manager", "Controller"],
                 employees: 6...350, revenuePerEmployee: 200_000...400_000, tld: "com"),
        Industry(name: "real estate",
                 namePatterns: ["{word} Realty", "{last} Property Management", "{city} Commercial Properties", "{word} Title & Escrow"],
                 words: ["Keller Ridge", "Parkside", "Homestead", "Crossroads", "Landmark", "Prestige"],
                 titles: ["Broker", "Office Manager", "Operations Director"],
                 employees: 4...120, revenuePerEmployee: 140_000...260_000, tld: "com"),
        Industry(name: "construction",
                 namePatterns: ["{last} Construction", "{word} Builders", "{last} & Sons Contracting", "{city} Roofing & Restoration"],
                 words: ["Benchmark", "Foundation", "Ironclad", "Summit", "Blue Ridge", "Cornerstone"],
                 titles: ["Project Manager", "Office Manager", "Controller", "Vice President of Operations"],
                 employees: 10...400, revenuePerEmployee: 170_000...300_000, tld: "com"),
        Industry(name: "government",
                 namePatterns: ["{city} Public Works Department", "County of {city} Clerk's Office", "{city} Public Library",
                                "{city} Parks & Recreation"],
                 words: [],
                 titles: ["Procurement Officer", "Department Director", "IT Manager", "Administrative Services Manager"],
                 employees: 15...500, revenuePerEmployee: 70_000...110_000, tld: "gov"),
        Industry(name: "nonprofit",
                 namePatterns: ["{city} Food Bank", "{word} Foundation", "{city} Habitat Partners", "{word} Community Services"],
                 words: ["Open Door", "Hope Harbor", "Second Chance", "Bright Futures", "Common Ground"],
                 titles: ["Executive Director", "Operations Coordinator", "Finance Director"],
                 employees: 5...150, revenuePerEmployee: 50_000...90_000, tld: "org"),
        Industry(name: "logistics",
                 namePatterns: ["{word} Freight", "{last} Logistics", "{city} Distribution Center", "{word} Transport"],
                 words: ["Crosstown", "Interstate", "Swift River", "Northstar", "Pacific Coast", "Heartland"],
                 titles: ["Warehouse Manager", "Operations Manager", "Purchasing Manager"],
                 employees: 15...700, revenuePerEmployee: 160_000...280_000, tld: "com"),
        Industry(name: "architecture",
                 namePatterns: ["{last} {last2} Architects", "{word} Design Studio", "{last} + Partners", "{city} Design Collaborative"],
                 words: ["Northlight", "Fieldstone", "Atelier", "Linea", "Monolith"],
                 titles: ["Studio Manager", "Principal", "IT Coordinator"],
                 employees: 4...90, revenuePerEmployee: 130_000...210_000, tld: "com"),
        Industry(name: "hospitality",
                 namePatterns: ["The {word} Hotel", "{city} Conference Center", "{word} Resort & Spa", "{last} Hospitality Group"],
                 words: ["Grandview", "Lakeshore", "Magnolia", "Silver Creek", "Harbor House"],
                 titles: ["General Manager", "Director of Operations", "Front Office Manager"],
                 employees: 20...450, revenuePerEmployee: 60_000...110_000, tld: "com"),
    ]

    static let leadSources = [
        ("website form", 3.0), ("referral", 2.5), ("trade show", 1.2), ("cold call", 1.0), ("partner", 0.8),
        ("webinar", 0.8), ("LinkedIn", 1.0), ("existing customer", 1.2),
    ]
}
