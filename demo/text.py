"""Vocabulary for the demo data: services, personas, factors, comment templates.

The tags and their rule phrases are in demo.tags.
"""

# slug, name, IT area, base happiness, volume weight, assignment group, description
SERVICES = [
    (
        "service-desk",
        "Service desk",
        "Workplace",
        76,
        26,
        "Service Desk L1",
        "First line: phone, chat, portal and walk-in support.",
    ),
    (
        "laptops",
        "Laptops & computers",
        "Workplace",
        73,
        16,
        "Desktop Support",
        "Laptops, desktops, peripherals and their software.",
    ),
    (
        "collaboration",
        "Collaboration",
        "Workplace",
        78,
        11,
        "Collaboration Team",
        "E-mail, Teams, meetings rooms and file sharing.",
    ),
    (
        "enterprise-apps",
        "Enterprise applications",
        "Business applications",
        71,
        10,
        "ERP Support",
        "ERP, HR and finance applications.",
    ),
    (
        "remote-work",
        "Remote work / VPN",
        "Workplace",
        75,
        11,
        "Network & VPN",
        "VPN client, remote access and home-working kit.",
    ),
    (
        "service-portal",
        "Service portal",
        "Business applications",
        77,
        9,
        "Portal Team",
        "Self-service portal, knowledge base and virtual agent.",
    ),
    (
        "mobile",
        "Mobile devices",
        "Workplace",
        74,
        8,
        "Mobile Device Team",
        "Phones, tablets and mobile device management.",
    ),
    (
        "identity",
        "Identity & access",
        "Business applications",
        79,
        9,
        "Identity & Access Mgmt",
        "Accounts, passwords, MFA and access requests.",
    ),
]

# slug, name, share, happiness offset, description
PERSONAS = [
    ("doers", "Doers", 35, -2, "Want to fix things themselves and get back to work quickly."),
    ("prioritizers", "Prioritizers", 25, -1, "Busy people who expect IT to put them first."),
    ("supported", "Supported", 25, 3, "Prefer to be helped by a person from start to finish."),
    ("triers", "Triers", 15, 0, "Try self-service first and call only when stuck."),
]

LOCATIONS = [
    ("London HQ", 30),
    ("Manchester", 16),
    ("Leeds", 11),
    ("Bristol", 10),
    ("Edinburgh", 9),
    ("Amsterdam", 8),
    ("Home / remote", 16),
]

CHANNELS = [
    ("portal", 34),
    ("phone", 20),
    ("email", 14),
    ("chat", 13),
    ("walk_in", 5),
    ("virtual_agent", 10),
    ("other", 4),
]

TOUCHPOINTS = [("incident", 56), ("request", 34), ("proactive", 10)]

POSITIVE_FACTORS = [
    ("Speed of service", 30),
    ("Knowledge of staff", 22),
    ("Service personnel's attitude", 24),
    ("Ease of use", 10),
    ("Information provided", 8),
    ("Solution was permanent", 6),
]
NEGATIVE_FACTORS = [
    ("Had to explain again", 22),
    ("Solution was not permanent", 18),
    ("Could not work during the ticket", 16),
    ("Slow response", 20),
    ("Service personnel's attitude", 6),
    ("Too many handoffs", 10),
    ("Information provided", 8),
]

OPENERS_POSITIVE = [
    "Great service",
    "Really quick",
    "Very happy",
    "Excellent",
    "Brilliant help",
    "Spot on",
    "Thanks a lot",
    "Impressed",
    "Smooth as always",
    "Good experience",
]
OPENERS_NEUTRAL = ["OK overall", "Fine in the end", "Got there", "Acceptable", "Mixed feelings"]
OPENERS_NEGATIVE = [
    "Not good",
    "Very frustrating",
    "Disappointing",
    "Poor experience",
    "Unacceptable",
    "Annoying",
    "Took far too long",
]

STAFF_POSITIVE = [
    "the agent knew exactly what to do",
    "the technician was friendly and patient",
    "{agent} explained everything clearly",
    "{agent} fixed it while I waited",
    "the person on the phone was really helpful",
    "staff were polite and professional",
    "I was kept informed the whole time",
    "they followed up the next day to check",
]
STAFF_NEGATIVE = [
    "I had to explain the problem three times",
    "nobody called me back",
    "the ticket was passed between teams",
    "I was told to restart and that was it",
    "the fix only lasted a day",
    "I could not work for most of the morning",
    "the ticket was closed without asking me",
    "the answer was copied from a script",
]

SERVICE_DETAIL = {
    "service-desk": {
        "pos": ["password reset took two minutes", "chat answered straight away"],
        "neg": ["waited 40 minutes on the phone", "chat queue was very long"],
    },
    "laptops": {
        "pos": ["new laptop was ready on day one", "my laptop is fast again"],
        "neg": [
            "laptop is still slow after the update",
            "laptop keeps freezing during calls",
            "laptop performance is terrible since the new image",
        ],
    },
    "collaboration": {
        "pos": ["Teams meetings work perfectly now", "shared mailbox was set up quickly"],
        "neg": ["Teams meetings keep dropping audio", "cannot open shared files from home"],
    },
    "enterprise-apps": {
        "pos": ["SAP access granted the same day", "expense tool works well now"],
        "neg": ["SAP is slow every month end", "HR system error still not fixed"],
    },
    "remote-work": {
        "pos": ["VPN connects first time now", "remote access from home is stable"],
        "neg": ["VPN drops every hour", "remote access is slow in the evening"],
    },
    "service-portal": {
        "pos": ["found the answer in the knowledge base", "the portal form was easy"],
        "neg": ["the portal search finds nothing useful", "virtual agent did not understand me"],
    },
    "mobile": {
        "pos": ["new phone was enrolled in minutes", "mobile e-mail works again"],
        "neg": ["mobile email stopped syncing", "phone enrolment failed twice"],
    },
    "identity": {
        "pos": ["password reset was instant", "MFA setup was simple"],
        "neg": ["account locked again after the password reset", "access request took a week"],
    },
}

CLOSERS_POSITIVE = ["Thank you!", "Keep it up.", "Much appreciated.", "", "", "Top marks."]
CLOSERS_NEGATIVE = [
    "Please improve this.",
    "This needs fixing.",
    "I lost half a day.",
    "",
    "",
    "Not the first time.",
]

AGENTS = ["Sam", "Priya", "Tom", "Aisha", "Lukas", "Maria", "Jonas", "Chloe", "Ravi", "Eva"]

# The VPN outage week: what people wrote.
VPN_OUTAGE_COMMENTS = [
    "VPN disconnects every few minutes since Monday, I could not work.",
    "The VPN keeps dropping during calls. Lost most of the day.",
    "Cannot stay connected to the VPN from home, every reconnect takes ages.",
    "VPN disconnected again and again, the ticket said it was a known issue but no fix.",
    "Remote access is unusable this week, VPN drops constantly.",
    "I had to come into the office because the VPN kept disconnecting.",
    "VPN client crashes after the update, could not reach any internal system.",
    "Third day with VPN disconnects, nobody tells us when it will be fixed.",
    "The new VPN client disconnects whenever my laptop sleeps.",
    "Could not work at all, the VPN kept disconnecting during my shift.",
]

# Laptop slowness in the last three closed months (the Doers' lost-time breach).
LAPTOP_SLOW_COMMENTS = [
    "Laptop is painfully slow since the new image, I lose an hour every day.",
    "My laptop freezes during Teams calls, the fix did not last.",
    "Laptop performance is terrible, boot takes ten minutes.",
    "Still waiting for a replacement laptop, cannot work properly.",
    "The laptop update broke Excel again, had to explain it twice.",
]
