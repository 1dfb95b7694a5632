"""Write the labelled sample of demo-style comments used to measure tag suggestions.

    python -m bench.labelled_comments  [--out tests/feedback/data/labelled_comments.csv]

Comments, scores and factors come from the demo's own generator (demo.responses); the
expected tags come from MEANINGS below: what each sentence fragment of the demo vocabulary
means, read by a person against the tags' descriptions, not what any rule matches. A
comment's expected tags are the union of its fragments' meanings.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")
    django.setup()

from demo import text  # noqa: E402
from demo.responses import ResponsesMixin  # noqa: E402

DEFAULT_OUT = Path("tests/feedback/data/labelled_comments.csv")
ROWS = 420

# Fragment (as in demo.text; "{agent}" is any name) -> the tags it means.
MEANINGS: dict[str, tuple[str, ...]] = {
    # Openers and closers
    "Took far too long": ("slow-response",),
    "Not the first time.": ("fix-did-not-last",),
    # Staff, praise: the people who helped
    "the agent knew exactly what to do": ("friendly-staff",),
    "the technician was friendly and patient": ("friendly-staff",),
    "{agent} explained everything clearly": ("friendly-staff",),
    "{agent} fixed it while I waited": ("friendly-staff",),
    "the person on the phone was really helpful": ("friendly-staff",),
    "staff were polite and professional": ("friendly-staff",),
    "I was kept informed the whole time": (),
    "they followed up the next day to check": (),
    # Staff, complaints
    "I had to explain the problem three times": ("had-to-repeat",),
    "nobody called me back": ("slow-response",),
    "the ticket was passed between teams": (),
    "I was told to restart and that was it": (),
    "the fix only lasted a day": ("fix-did-not-last",),
    "I could not work for most of the morning": (),
    "the ticket was closed without asking me": (),
    "the answer was copied from a script": (),
    # What happened, per service
    "password reset took two minutes": ("password-reset",),
    "chat answered straight away": (),
    "waited 40 minutes on the phone": ("slow-response",),
    "chat queue was very long": ("slow-response",),
    "new laptop was ready on day one": (),
    "my laptop is fast again": (),
    "laptop is still slow after the update": ("laptop-performance",),
    "laptop keeps freezing during calls": ("laptop-performance",),
    "laptop performance is terrible since the new image": ("laptop-performance",),
    "Teams meetings work perfectly now": ("teams-meetings",),
    "shared mailbox was set up quickly": (),
    "Teams meetings keep dropping audio": ("teams-meetings",),
    "cannot open shared files from home": (),
    "SAP access granted the same day": (),
    "expense tool works well now": (),
    "SAP is slow every month end": (),
    "HR system error still not fixed": ("slow-response",),
    "VPN connects first time now": ("vpn",),
    "remote access from home is stable": ("vpn",),
    "VPN drops every hour": ("vpn",),
    "remote access is slow in the evening": ("vpn",),
    "found the answer in the knowledge base": ("self-service",),
    "the portal form was easy": ("self-service",),
    "the portal search finds nothing useful": ("self-service",),
    "virtual agent did not understand me": ("self-service",),
    "new phone was enrolled in minutes": (),
    "mobile e-mail works again": ("mobile-email",),
    "mobile email stopped syncing": ("mobile-email",),
    "phone enrolment failed twice": (),
    "password reset was instant": ("password-reset",),
    "MFA setup was simple": ("password-reset",),
    "account locked again after the password reset": ("password-reset", "fix-did-not-last"),
    "access request took a week": ("slow-response",),
    # The VPN outage week
    "VPN disconnects every few minutes since Monday, I could not work.": ("vpn",),
    "The VPN keeps dropping during calls. Lost most of the day.": ("vpn",),
    "Cannot stay connected to the VPN from home, every reconnect takes ages.": ("vpn",),
    "VPN disconnected again and again, the ticket said it was a known issue but no fix.": ("vpn",),
    "Remote access is unusable this week, VPN drops constantly.": ("vpn",),
    "I had to come into the office because the VPN kept disconnecting.": ("vpn",),
    "VPN client crashes after the update, could not reach any internal system.": ("vpn",),
    "Third day with VPN disconnects, nobody tells us when it will be fixed.": (
        "vpn",
        "slow-response",
    ),
    "The new VPN client disconnects whenever my laptop sleeps.": ("vpn",),
    "Could not work at all, the VPN kept disconnecting during my shift.": ("vpn",),
    # Laptop slowness months
    "Laptop is painfully slow since the new image, I lose an hour every day.": (
        "laptop-performance",
    ),
    "My laptop freezes during Teams calls, the fix did not last.": (
        "laptop-performance",
        "fix-did-not-last",
    ),
    "Laptop performance is terrible, boot takes ten minutes.": ("laptop-performance",),
    "Still waiting for a replacement laptop, cannot work properly.": ("slow-response",),
    "The laptop update broke Excel again, had to explain it twice.": (
        "had-to-repeat",
        "fix-did-not-last",
    ),
}


def _fragment_regex(fragment: str) -> re.Pattern:
    pattern = re.escape(fragment).replace(re.escape("{agent}"), r"[A-Z][a-z]+")
    return re.compile(pattern, re.IGNORECASE)


FRAGMENTS = [(_fragment_regex(f), tags) for f, tags in MEANINGS.items()]


def expected_tags(comment: str) -> list[str]:
    tags: set[str] = set()
    for regex, meant in FRAGMENTS:
        if regex.search(comment):
            tags.update(meant)
    return sorted(tags)


def rows(n: int = ROWS, seed: int = 20260401) -> list[dict]:
    """n distinct demo comments with their score, factors and expected tags."""
    rng = random.Random(seed)
    services = [s[0] for s in text.SERVICES]
    out: list[dict] = []
    seen: set[tuple[str, int]] = set()
    # Every fixed sentence of the incident stories once, so none is left out by chance.
    for story, sentences in (
        ("vpn", text.VPN_OUTAGE_COMMENTS),
        ("laptop", text.LAPTOP_SLOW_COMMENTS),
    ):
        for sentence in sentences:
            score = rng.randrange(0, 7)
            seen.add((sentence, score))
            out.append(
                {
                    "text": sentence,
                    "score": score,
                    "factors": "|".join(ResponsesMixin._factors(rng, score, story)),
                    "expected_tags": "|".join(expected_tags(sentence)),
                    "source": story,
                }
            )
    while len(out) < n:
        pick = rng.random()
        story = "vpn" if pick < 0.1 else ("laptop" if pick < 0.18 else None)
        service = "remote-work" if story == "vpn" else "laptops" if story else rng.choice(services)
        # Happiness spread wide so every score band is well represented.
        score = ResponsesMixin._score(rng, rng.uniform(-60, 90) if story is None else -40)
        factors = ResponsesMixin._factors(rng, score, story)
        comment = ""
        while not comment:
            comment = ResponsesMixin._comment(rng, service, score, story)
        if (comment, score) in seen:
            continue
        seen.add((comment, score))
        out.append(
            {
                "text": comment,
                "score": score,
                "factors": "|".join(factors),
                "expected_tags": "|".join(expected_tags(comment)),
                "source": story or service,
            }
        )
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    data = rows()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    print(f"{len(data)} labelled comments written to {args.out}")


if __name__ == "__main__":
    main()
