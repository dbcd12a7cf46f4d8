/// What a dealer of office equipment and managed print services sells, and how its sales
/// activities read.
enum Sales {
    static let products = [
        "Ricoh IM C4500 color MFP", "Canon imageRUNNER ADVANCE DX C3930i", "Konica Minolta bizhub C450i",
        "Sharp BP-70C45 color MFP", "Kyocera TASKalfa 4054ci", "Xerox AltaLink C8145", "HP LaserJet Enterprise fleet refresh",
        "managed print services", "document management software", "production printer", "wide-format plotter",
        "desktop scanner rollout", "print audit and fleet assessment",
    ]

    /// Subjects per activity type; `{product}`, `{company}`, `{first}` are filled in.
    static let subjects: [String: [String]] = [
        "call": ["Discovery call with {first}", "Follow-up call re: {product}", "Check-in call with {company}",
                 "Call to confirm lease terms", "Pricing questions from {first}", "Intro call — current copier contract"],
        "email": ["Sent pricing for {product}", "Follow-up email after demo", "Introductory email to {first}",
                  "Sent case study: {industry} customers", "Emailed revised quote", "Sent service contract draft"],
        "meeting": ["On-site assessment at {company}", "Needs analysis meeting", "Quarterly business review",
                    "Walkthrough of current print fleet", "Meeting with {first} and finance"],
        "demo": ["Demo of {product}", "Live demo: scan-to-cloud workflow", "Remote demo of secure print release",
                 "Showroom demo for {company}"],
        "proposal": ["Equipment proposal sent", "Lease proposal for {product}", "Managed print services proposal",
                     "Revised proposal with 60-month lease", "Service agreement proposal"],
        "task": ["Prepare quote for {product}", "Schedule site survey", "Send credit application", "Order demo unit",
                 "Book install date with IT", "Pull current meter reads"],
        "note": ["Decision maker is the {title}", "Current lease ends next quarter", "Budget approved for this fiscal year",
                 "Unhappy with current vendor's response times", "Prefers email over phone", "Wants color volume below 20%"],
    ]

    static let notes: [String: [String]] = [
        "call": ["Spoke with {first} about monthly volume (about {volume} pages). Interested in lower cost per page.",
                 "{first} asked about trade-in credit for the current machines.",
                 "Discussed service response times; they had two outages last month."],
        "email": ["Attached the quote and spec sheet; asked for feedback by Friday.",
                  "Summarised the demo and next steps.", "Included references from two {industry} customers."],
        "meeting": ["Counted {devices} devices across two floors; several are past end of life.",
                    "Met {first} and the controller; main concern is predictable monthly cost.",
                    "Reviewed usage reports; color volume higher than expected."],
        "demo": ["Showed mobile printing and badge release; {first} liked the scan-to-SharePoint workflow.",
                 "Demoed the finisher and booklet making; needs stapling on most jobs."],
        "proposal": ["60-month FMV lease, service and toner included, {volume} pages/month.",
                     "Includes {devices} devices, installation and user training."],
        "task": ["Due before the next call.", "Coordinate with service for the install window."],
        "note": ["Keep {first} in the loop on all pricing.", "Procurement requires three competing quotes."],
    ]

    static let outcomes: [String: [String]] = [
        "call": ["Connected — wants a demo", "Left voicemail", "Connected — asked for pricing", "No answer", "Connected — not ready until next quarter"],
        "email": ["Replied — reviewing internally", "No reply yet", "Replied — requested a call"],
        "meeting": ["Productive — next step is a proposal", "Rescheduled by client", "Identified additional departments"],
        "demo": ["Positive — moving to proposal", "Mixed — concerns about cost", "Positive — wants references"],
        "proposal": ["Under review", "Accepted pending signature", "Asked for revisions"],
        "task": ["Done"],
        "note": ["Recorded"],
    ]

    /// Relative frequency of activity types.
    static let activityTypes: [(String, Double)] = [
        ("call", 3.0), ("email", 2.5), ("meeting", 1.0), ("demo", 0.6), ("proposal", 0.5), ("task", 1.2), ("note", 0.8),
    ]

    /// Typical duration in minutes per type; nil for types that take no time.
    static let durations: [String: ClosedRange<Int>] = [
        "call": 5...45, "meeting": 30...90, "demo": 30...75, "proposal": 20...60, "task": 10...45,
    ]
}
