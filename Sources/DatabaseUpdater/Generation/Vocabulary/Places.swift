/// US cities with their state, ZIP prefix and area codes, so an address and a phone number of
/// the same contact agree with each other.
enum Places {
    struct City {
        let name: String
        let state: String
        let zipPrefix: String
        let areaCodes: [String]
    }

    static let cities: [City] = [
        City(name: "Columbus", state: "OH", zipPrefix: "432", areaCodes: ["614", "380"]),
        City(name: "Cleveland", state: "OH", zipPrefix: "441", areaCodes: ["216"]),
        City(name: "Denver", state: "CO", zipPrefix: "802", areaCodes: ["303", "720"]),
        City(name: "Austin", state: "TX", zipPrefix: "787", areaCodes: ["512", "737"]),
        City(name: "Dallas", state: "TX", zipPrefix: "752", areaCodes: ["214", "469", "972"]),
        City(name: "Houston", state: "TX", zipPrefix: "770", areaCodes: ["713", "281", "832"]),
        City(name: "Phoenix", state: "AZ", zipPrefix: "850", areaCodes: ["602", "480"]),
        City(name: "Atlanta", state: "GA", zipPrefix: "303", areaCodes: ["404", "678", "770"]),
        City(name: "Charlotte", state: "NC", zipPrefix: "282", areaCodes: ["704", "980"]),
        City(name: "Raleigh", state: "NC", zipPrefix: "276", areaCodes: ["919", "984"]),
        City(name: "Nashville", state: "TN", zipPrefix: "372", areaCodes: ["615", "629"]),
        City(name: "Chicago", state: "IL", zipPrefix: "606", areaCodes: ["312", "773", "872"]),
        City(name: "Naperville", state: "IL", zipPrefix: "605", areaCodes: ["630", "331"]),
        City(name: "Indianapolis", state: "IN", zipPrefix: "462", areaCodes: ["317", "463"]),
        City(name: "Milwaukee", state: "WI", zipPrefix: "532", areaCodes: ["414"]),
        City(name: "Minneapolis", state: "MN", zipPrefix: "554", areaCodes: ["612"]),
        City(name: "Kansas City", state: "MO", zipPrefix: "641", areaCodes: ["816"]),
        City(name: "St. Louis", state: "MO", zipPrefix: "631", areaCodes: ["314"]),
        City(name: "Omaha", state: "NE", zipPrefix: "681", areaCodes: ["402", "531"]),
        City(name: "Salt Lake City", state: "UT", zipPrefix: "841", areaCodes: ["801", "385"]),
        City(name: "Boise", state: "ID", zipPrefix: "837", areaCodes: ["208"]),
        City(name: "Portland", state: "OR", zipPrefix: "972", areaCodes: ["503", "971"]),
        City(name: "Seattle", state: "WA", zipPrefix: "981", areaCodes: ["206"]),
        City(name: "Tacoma", state: "WA", zipPrefix: "984", areaCodes: ["253"]),
        City(name: "Sacramento", state: "CA", zipPrefix: "958", areaCodes: ["916", "279"]),
        City(name: "San Diego", state: "CA", zipPrefix: "921", areaCodes: ["619", "858"]),
        City(name: "Pittsburgh", state: "PA", zipPrefix: "152", areaCodes: ["412"]),
        City(name: "Philadelphia", state: "PA", zipPrefix: "191", areaCodes: ["215", "267"]),
        City(name: "Richmond", state: "VA", zipPrefix: "232", areaCodes: ["804"]),
        City(name: "Baltimore", state: "MD", zipPrefix: "212", areaCodes: ["410", "443"]),
        City(name: "Hartford", state: "CT", zipPrefix: "061", areaCodes: ["860", "959"]),
        City(name: "Albany", state: "NY", zipPrefix: "122", areaCodes: ["518"]),
        City(name: "Buffalo", state: "NY", zipPrefix: "142", areaCodes: ["716"]),
        City(name: "Tampa", state: "FL", zipPrefix: "336", areaCodes: ["813", "656"]),
        City(name: "Orlando", state: "FL", zipPrefix: "328", areaCodes: ["407", "689"]),
        City(name: "Louisville", state: "KY", zipPrefix: "402", areaCodes: ["502"]),
    ]

    static let streetNames = [
        "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Commerce", "Industrial",
        "Market", "Church", "Highland", "Lincoln", "Jefferson", "Madison", "Franklin", "Riverside", "Ridge", "Meadow",
        "Corporate", "Technology", "Gateway", "Harbor", "Spring", "Sunset", "Mill", "Broad", "Center", "Valley",
    ]

    static let streetSuffixes = ["St", "Ave", "Blvd", "Dr", "Rd", "Pkwy", "Way", "Ct", "Pl", "Ln"]

    /// `(614) 372-5519`: an area code of the city, a plausible exchange, four digits.
    static func phone(in city: City, _ rng: inout SeededRandom) -> String {
        var exchange = rng.int(in: 201...989)
        if exchange % 100 == 11 || exchange == 555 { exchange += 1 }
        return "(\(rng.pick(city.areaCodes))) \(exchange)-\(rng.digits(4))"
    }

    /// `4120 Oak Street, Suite 300`: a number, a street, sometimes a suite.
    static func street(_ rng: inout SeededRandom) -> String {
        var street = "\(rng.int(in: 100...9_899)) \(rng.pick(streetNames)) \(rng.pick(streetSuffixes))"
        if rng.chance(0.35) { street += ", Suite \(rng.int(in: 1...9) * 100 + rng.int(in: 0...20))" }
        return street
    }
}
