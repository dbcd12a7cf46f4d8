/// Service problems on office equipment, each with the error codes, parts and priority that
/// belong to it, and the words a customer uses to describe it.
enum ServiceProblems {
    struct Problem {
        let category: String
        let title: String
        let descriptions: [String]
        let errorCodes: [String]
        let parts: [[String]]
        let priority: [(String, Double)]
        let resolutions: [String]
    }

    static let all: [Problem] = [
        Problem(category: "paper_jam", title: "Repeated paper jams in tray {tray}",
                descriptions: ["The {model} on the {floor} floor keeps jamming when printing from tray {tray}. Happens every 20–30 pages.",
                               "Paper jams in tray {tray} several times a day; staff have been pulling torn sheets out of the feed area.",
                               "Jam light comes on as soon as we print anything larger than a few pages from tray {tray}."],
                errorCodes: ["J-101", "J-103", "J-204", "J-501"],
                parts: [["pickup roller kit", "separation pad"], ["feed roller", "tray {tray} separation pad"], ["registration roller"]],
                priority: [("medium", 3), ("high", 1)],
                resolutions: ["Replaced pickup and separation rollers in tray {tray}; ran 200 test sheets without a jam.",
                              "Cleaned the feed path and replaced the worn separation pad."]),
        Problem(category: "print_quality", title: "Streaks and faded output",
                descriptions: ["Every page from the {model} has a dark streak down the left side.",
                               "Prints are faded and blotchy, especially in color. We already replaced the toner.",
                               "Gray background on copies and a repeating smudge every few inches."],
                errorCodes: ["SC-396", "SC-442", "C-2557", "none"],
                parts: [["drum unit"], ["developer unit", "drum cleaning blade"], ["transfer belt"], ["fuser unit"]],
                priority: [("low", 1), ("medium", 3)],
                resolutions: ["Replaced the drum unit and cleaned the charge corona; output back to normal.",
                              "Replaced the developer unit and recalibrated color registration."]),
        Problem(category: "network", title: "Cannot print or scan over the network",
                descriptions: ["Nobody can print to the {model} since the weekend. It shows on the network but jobs sit in the queue.",
                               "Scan to email stopped working after our IT changed the mail server.",
                               "The machine keeps dropping off the network; power cycling fixes it for an hour or so."],
                errorCodes: ["E-253", "SC-819", "W-0110", "SMTP 535"],
                parts: [[], ["network interface board"]],
                priority: [("high", 3), ("critical", 1)],
                resolutions: ["Assigned a static IP and updated the print server's port; test pages print from all PCs.",
                              "Updated SMTP settings for the new mail server and re-authenticated scan to email."]),
        Problem(category: "maintenance", title: "Scheduled preventive maintenance due",
                descriptions: ["The panel says maintenance kit required on the {model}.",
                               "Meter is past {meter} pages; please schedule the preventive maintenance visit.",
                               "Machine is getting noisy and slow to warm up; it's probably due for service."],
                errorCodes: ["PM-001", "SC-997", "none"],
                parts: [["maintenance kit"], ["fuser unit", "transfer roller"], ["maintenance kit", "waste toner bottle"]],
                priority: [("low", 3), ("medium", 1)],
                resolutions: ["Completed preventive maintenance and reset the PM counter.",
                              "Installed the maintenance kit and cleaned the optics."]),
        Problem(category: "hardware", title: "Machine down with service call error",
                descriptions: ["The {model} shows a service call error and won't do anything. Power cycling didn't help.",
                               "Loud grinding noise from the back of the machine, then it stopped with an error code.",
                               "Finisher won't staple and the output tray won't move."],
                errorCodes: ["SC-542", "SC-555", "C-3101", "SC-899", "E-020"],
                parts: [["fuser unit", "thermistor"], ["main drive gear"], ["finisher stapler unit"], ["fuser drive motor"]],
                priority: [("high", 2), ("critical", 1)],
                resolutions: ["Replaced the fuser unit and thermistor; cleared SC code and tested all trays.",
                              "Replaced the stripped drive gear; machine back in service."]),
        Problem(category: "supplies", title: "Toner not recognised",
                descriptions: ["Just installed a new {color} toner and the machine says the cartridge is not recognised.",
                               "Toner low warning even though we put a new cartridge in yesterday."],
                errorCodes: ["TC-01", "C-5003"],
                parts: [["{color} toner cartridge"], ["toner supply sensor"]],
                priority: [("medium", 2), ("low", 1)],
                resolutions: ["Replaced the defective cartridge under warranty.", "Cleaned the cartridge chip contacts; toner now detected."]),
    ]

    static let equipmentModels = [
        ("Ricoh IM C3000", "3130R"), ("Ricoh IM C4500", "3140R"), ("Canon imageRUNNER ADVANCE DX C5840i", "2GZ"),
        ("Konica Minolta bizhub C360i", "AA2J"), ("Sharp MX-3071", "05K"), ("Kyocera TASKalfa 3554ci", "W9R"),
        ("Xerox VersaLink C7025", "3390"), ("HP LaserJet Enterprise M611", "PHB"),
    ]

    static let floors = ["1st", "2nd", "3rd", "4th", "ground"]
    static let colors = ["black", "cyan", "magenta", "yellow"]
    static let technicians = ["Marcus Bell", "Dana Whitfield", "Luis Ortega", "Priya Raman", "Tom Becker", "Keisha Grant", "Sam Novak"]
}
