/// What the factory makes and buys: its products with their bills of materials, its parts and
/// suppliers, its departments and the words its rows are written with. Fixed data, so that the
/// same seed gives the same business.
enum FactoryCatalog {
    /// A part bought from a supplier.
    struct Part {
        let number: String
        let name: String
        let unit: String
        /// Cost per unit, in cents.
        let unitCostCents: Int64
        let supplier: String
    }

    /// A product sold to customers, and the parts one unit consumes.
    struct Product {
        let sku: String
        let name: String
        let category: String
        /// How many units one order asks for.
        let quantities: ClosedRange<Int>
        /// Part number → parts per unit.
        let bom: [(part: String, quantity: Int)]
        /// Sale price over the parts' cost.
        let margin: Double

        /// The mean order quantity.
        var meanQuantity: Double { Double(quantities.lowerBound + quantities.upperBound) / 2 }
    }

    static let parts: [Part] = [
        Part(number: "P-1001", name: "Steel tube 40x40x2 mm, 2 m", unit: "length", unitCostCents: 1_850, supplier: "Great Lakes Steel Supply"),
        Part(number: "P-1002", name: "Beech worktop 1800x750x40 mm", unit: "each", unitCostCents: 14_800, supplier: "Hartwell Timber Co."),
        Part(number: "P-1003", name: "Bolt set M10, 8 pieces", unit: "set", unitCostCents: 420, supplier: "Fastenal Midwest"),
        Part(number: "P-1004", name: "Levelling foot M12", unit: "each", unitCostCents: 310, supplier: "Fastenal Midwest"),
        Part(number: "P-1005", name: "Powder coat kit RAL 7035", unit: "kit", unitCostCents: 2_600, supplier: "Ridgeline Coatings"),
        Part(number: "P-1006", name: "Shipping crate, large", unit: "each", unitCostCents: 5_200, supplier: "Summit Packaging"),
        Part(number: "P-1007", name: "Cold-rolled sheet 1.5 mm, 1250x2500", unit: "sheet", unitCostCents: 6_400, supplier: "Great Lakes Steel Supply"),
        Part(number: "P-1008", name: "Drawer slide pair, 500 mm", unit: "pair", unitCostCents: 1_150, supplier: "Accuride Distribution"),
        Part(number: "P-1009", name: "Swivel castor 125 mm with brake", unit: "each", unitCostCents: 1_480, supplier: "Colson Wheels"),
        Part(number: "P-1010", name: "Drawer handle, aluminium", unit: "each", unitCostCents: 260, supplier: "Accuride Distribution"),
        Part(number: "P-1011", name: "Lock cylinder with two keys", unit: "each", unitCostCents: 690, supplier: "Keystone Locks"),
        Part(number: "P-1012", name: "Shipping crate, medium", unit: "each", unitCostCents: 3_100, supplier: "Summit Packaging"),
        Part(number: "P-1013", name: "Upright frame 2500 mm", unit: "each", unitCostCents: 9_800, supplier: "Great Lakes Steel Supply"),
        Part(number: "P-1014", name: "Box beam 2700 mm", unit: "each", unitCostCents: 3_600, supplier: "Great Lakes Steel Supply"),
        Part(number: "P-1015", name: "Beam lock pin", unit: "each", unitCostCents: 35, supplier: "Fastenal Midwest"),
        Part(number: "P-1016", name: "Wire deck panel 1000x1100", unit: "each", unitCostCents: 2_450, supplier: "Midland Wire Products"),
        Part(number: "P-1017", name: "Anchor bolt M12x100", unit: "each", unitCostCents: 95, supplier: "Fastenal Midwest"),
        Part(number: "P-1018", name: "Shelf bracket, 300 mm", unit: "each", unitCostCents: 180, supplier: "Midland Wire Products"),
        Part(number: "P-1019", name: "Wall anchor 10 mm", unit: "each", unitCostCents: 45, supplier: "Fastenal Midwest"),
        Part(number: "P-1020", name: "Shipping crate, small", unit: "each", unitCostCents: 1_400, supplier: "Summit Packaging"),
        Part(number: "P-1021", name: "Welded mesh panel 1200x1000", unit: "each", unitCostCents: 3_900, supplier: "Midland Wire Products"),
        Part(number: "P-1022", name: "Heavy-duty hinge", unit: "each", unitCostCents: 540, supplier: "Keystone Locks"),
        Part(number: "P-1023", name: "Stainless sheet 304, 1.2 mm", unit: "sheet", unitCostCents: 11_200, supplier: "Great Lakes Steel Supply"),
        Part(number: "P-1024", name: "Gas lift cylinder", unit: "each", unitCostCents: 1_650, supplier: "Seating Components Inc."),
        Part(number: "P-1025", name: "Seat cushion, polyurethane", unit: "each", unitCostCents: 2_100, supplier: "Seating Components Inc."),
        Part(number: "P-1026", name: "Castor 50 mm", unit: "each", unitCostCents: 240, supplier: "Colson Wheels"),
        Part(number: "P-1027", name: "Five-star base, nylon", unit: "each", unitCostCents: 1_800, supplier: "Seating Components Inc."),
        Part(number: "P-1028", name: "Gasket strip, 2 m", unit: "length", unitCostCents: 380, supplier: "Ridgeline Coatings"),
        Part(number: "P-1029", name: "DIN rail 35 mm, 1 m", unit: "length", unitCostCents: 290, supplier: "Northline Electric"),
        Part(number: "P-1030", name: "Checker plate 3 mm, 1000x2000", unit: "sheet", unitCostCents: 8_900, supplier: "Great Lakes Steel Supply"),
        Part(number: "P-1031", name: "Parts bin, size 3", unit: "each", unitCostCents: 160, supplier: "Akro Distribution"),
        Part(number: "P-1032", name: "Steel plate 10 mm, 1200x800", unit: "each", unitCostCents: 15_400, supplier: "Great Lakes Steel Supply"),
        Part(number: "P-1033", name: "Fixture clamp set", unit: "set", unitCostCents: 4_800, supplier: "Fastenal Midwest"),
        Part(number: "P-1034", name: "Vent grille", unit: "each", unitCostCents: 120, supplier: "Akro Distribution"),
    ]

    static let products: [Product] = [
        Product(sku: "WB-1800", name: "Steel Workbench WB-1800", category: "Workbenches", quantities: 1...12,
                bom: [("P-1001", 8), ("P-1002", 1), ("P-1003", 2), ("P-1004", 4), ("P-1005", 1), ("P-1006", 1)], margin: 1.9),
        Product(sku: "TC-7", name: "Mobile Tool Cabinet TC-7", category: "Storage", quantities: 1...10,
                bom: [("P-1007", 3), ("P-1008", 7), ("P-1009", 4), ("P-1010", 7), ("P-1011", 1), ("P-1005", 1), ("P-1012", 1)], margin: 2.0),
        Product(sku: "PR-2500", name: "Pallet Racking Bay PR-2500", category: "Racking", quantities: 2...24,
                bom: [("P-1013", 2), ("P-1014", 6), ("P-1015", 12), ("P-1016", 3), ("P-1017", 8), ("P-1006", 1)], margin: 1.6),
        Product(sku: "WS-900", name: "Wall Shelving Unit WS-900", category: "Storage", quantities: 2...20,
                bom: [("P-1007", 2), ("P-1018", 8), ("P-1003", 1), ("P-1019", 4), ("P-1020", 1)], margin: 2.1),
        Product(sku: "SG-1200", name: "Safety Guard Panel SG-1200", category: "Safety", quantities: 4...30,
                bom: [("P-1021", 1), ("P-1001", 4), ("P-1022", 2), ("P-1003", 1), ("P-1005", 1), ("P-1012", 1)], margin: 1.8),
        Product(sku: "ST-1500", name: "Stainless Prep Table ST-1500", category: "Workbenches", quantities: 1...8,
                bom: [("P-1023", 2), ("P-1001", 6), ("P-1004", 4), ("P-1003", 1), ("P-1006", 1)], margin: 1.9),
        Product(sku: "LS-60", name: "Ergonomic Lab Stool LS-60", category: "Seating", quantities: 2...24,
                bom: [("P-1024", 1), ("P-1025", 1), ("P-1026", 5), ("P-1027", 1), ("P-1020", 1)], margin: 2.2),
        Product(sku: "EN-600", name: "Electrical Enclosure EN-600", category: "Enclosures", quantities: 2...16,
                bom: [("P-1007", 1), ("P-1022", 2), ("P-1028", 2), ("P-1011", 1), ("P-1029", 2), ("P-1020", 1)], margin: 2.3),
        Product(sku: "LR-3000", name: "Loading Ramp LR-3000", category: "Material Handling", quantities: 1...3,
                bom: [("P-1030", 2), ("P-1001", 6), ("P-1022", 2), ("P-1017", 4), ("P-1005", 1), ("P-1006", 1)], margin: 1.7),
        Product(sku: "BR-40", name: "Parts Bin Rack BR-40", category: "Storage", quantities: 1...10,
                bom: [("P-1007", 1), ("P-1031", 40), ("P-1019", 4), ("P-1012", 1)], margin: 2.0),
        Product(sku: "WT-1200", name: "Welding Table WT-1200", category: "Workbenches", quantities: 1...4,
                bom: [("P-1032", 1), ("P-1001", 6), ("P-1033", 1), ("P-1004", 4), ("P-1006", 1)], margin: 1.8),
        Product(sku: "LB-4", name: "Locker Bank LB-4", category: "Storage", quantities: 1...8,
                bom: [("P-1007", 4), ("P-1022", 8), ("P-1011", 4), ("P-1034", 4), ("P-1005", 1), ("P-1006", 1)], margin: 2.0),
    ]

    /// Orders per business day the default schedule generates on average: stock levels are
    /// sized from it (``OrderGenerationUpdater``).
    static let meanOrdersPerBusinessDay = 9.6

    /// A part's expected consumption per business day, given the product mix.
    static func meanDailyUsage(of part: String) -> Double {
        products.reduce(0) { total, product in
            let perUnit = product.bom.first { $0.part == part }?.quantity ?? 0
            return total + meanOrdersPerBusinessDay / Double(products.count) * product.meanQuantity * Double(perUnit)
        }
    }

    /// The most of a part one order can consume.
    static func largestOrderNeed(of part: String) -> Int {
        products.map { product in (product.bom.first { $0.part == part }?.quantity ?? 0) * product.quantities.upperBound }.max() ?? 0
    }

    /// A product's price: its parts' cost times its margin, to the cent.
    static func unitPriceCents(_ product: Product) -> Int64 {
        let cost = product.bom.reduce(Int64(0)) { total, line in
            total + (parts.first { $0.number == line.part }?.unitCostCents ?? 0) * Int64(line.quantity)
        }
        // List prices in steps of 50 cents.
        let raw = (Double(cost) * product.margin / 50).rounded() * 50
        return Int64(raw)
    }

    /// Departments with their head count, titles and yearly pay band (dollars): 200 employees.
    static let departments: [(name: String, headCount: Int, titles: [String], pay: ClosedRange<Double>)] = [
        ("Production", 118, ["Machine Operator", "Welder", "Assembler", "Press Brake Operator", "Production Lead"], 38_000...62_000),
        ("Warehouse", 24, ["Warehouse Associate", "Forklift Operator", "Shipping Clerk"], 34_000...50_000),
        ("Quality", 14, ["Quality Inspector", "Quality Engineer"], 45_000...78_000),
        ("Maintenance", 10, ["Maintenance Technician", "Electrician"], 48_000...72_000),
        ("Engineering", 10, ["Manufacturing Engineer", "Design Engineer", "CAD Technician"], 62_000...105_000),
        ("Sales", 12, ["Account Manager", "Inside Sales Representative", "Sales Engineer"], 50_000...95_000),
        ("Finance", 7, ["Accountant", "Payroll Specialist", "Accounts Receivable Clerk"], 52_000...88_000),
        ("Management", 5, ["Plant Manager", "Operations Director", "Production Planner"], 85_000...150_000),
    ]

    /// Industries of the business customers.
    static let industries = [
        "Automotive", "Food Processing", "Logistics", "Aerospace", "Pharmaceuticals", "Retail Distribution",
        "Electronics", "Education", "Healthcare", "Construction", "Agriculture", "Energy",
    ]

    /// Company name patterns (`{last}`, `{city}`, `{word}`).
    static let companyPatterns = [
        "{last} {word}", "{city} {word}", "{last} & {last2} {word}", "{last} Industries", "{city} {word} Group",
    ]

    /// Words that end company names.
    static let companyWords = [
        "Logistics", "Manufacturing", "Foods", "Distribution", "Components", "Systems", "Supply", "Engineering",
        "Fulfillment", "Labs", "Automotive", "Packaging",
    ]

    /// Titles of the people who buy equipment.
    static let buyerTitles = [
        "Purchasing Manager", "Facilities Manager", "Operations Manager", "Plant Manager", "Procurement Specialist",
        "Warehouse Manager", "Maintenance Supervisor",
    ]

    /// Workstations of the shop floor.
    static let workstations = [
        "Laser cell 1", "Laser cell 2", "Saw line", "Press brake 1", "Press brake 2", "Weld bay A", "Weld bay B",
        "Weld bay C", "Assembly line 1", "Assembly line 2", "Assembly line 3", "Coating booth", "Finishing cell", "Pack-out",
    ]

    /// Hours each stage takes for an order of up to ten units (``FactorySchema/stages``); larger ones take half as long again.
    static let stageHours: [Double] = [4, 8, 2, 2]

    /// Subjects of customer interactions that are not about one order.
    static let interactionSubjects = [
        ("phone", "Question about lead times for Q{quarter}"),
        ("email", "Request for updated price list"),
        ("meeting", "Site visit to review warehouse layout"),
        ("phone", "Follow-up on delivery scheduling"),
        ("email", "Request for certificate of conformity"),
        ("phone", "Inquiry about volume discount"),
    ]
}
