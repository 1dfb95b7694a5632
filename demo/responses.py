"""A year of survey responses: volumes per day, scores, lost time, factors and comments."""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random

from django.db import connection
from django.utils import timezone

from experience.models import SurveyResponse
from experience.rollups.queue import enqueue_all
from xmo.periods import period_start

from . import text
from .bulk import BATCH, db_datetime, insert_rows
from .metric_samples import collaboration_load

RESPONSE_COLUMNS = [
    "organisation",
    "external_id",
    "service",
    "persona",
    "score",
    "lost_time_minutes",
    "factors",
    "comment",
    "touchpoint",
    "channel",
    "location",
    "assignment_group",
    "ticket_ref",
    "reassignments",
    "resolution_hours",
    "submitted_at",
    "received_at",
    "triage_status",
    "highlighted",
]

_PICKERS: dict[int, tuple] = {}


def _weighted(rng: random.Random, pairs):
    """One value of [(value, weight), ...], drawn by weight."""
    picker = _PICKERS.get(id(pairs))
    if picker is None:
        cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        # Keeping `pairs` referenced keeps its id from being reused.
        picker = _PICKERS[id(pairs)] = (pairs, [value for value, _ in pairs], cumulative)
    _, values, cumulative = picker
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


class ResponsesMixin:
    """Generates the survey responses and their comments."""

    def _day_weights(self) -> list[tuple[datetime.date, float]]:
        days = []
        day = self.first_day
        while day < self.today:
            weight = (1.0, 1.0, 1.0, 1.0, 0.9, 0.25, 0.15)[day.weekday()]
            if day.month == 8:
                weight *= 0.8
            if day.month == 12 and day.day >= 22 or day.month == 1 and day.day <= 2:
                weight *= 0.45
            if self.drop_week <= day < self.drop_week + datetime.timedelta(days=7):
                weight *= 1.2
            days.append((day, weight))
            day += datetime.timedelta(days=1)
        return days

    def ensure_responses(self):
        if SurveyResponse.objects.filter(organisation=self.org).exists():
            return
        rng = random.Random(42)
        day_weights = self._day_weights()
        total_weight = sum(w for _, w in day_weights)
        service_pairs = [(s[0], s[4]) for s in text.SERVICES]
        drop_pairs = [(slug, w * 2.2 if slug == "remote-work" else w) for slug, w in service_pairs]
        base_h = {s[0]: s[3] for s in text.SERVICES}
        group_of = {s[0]: s[5] for s in text.SERVICES}
        persona_pairs = [(p[0], p[2]) for p in text.PERSONAS]
        persona_offset = {p[0]: p[3] for p in text.PERSONAS}
        hour_weights = (2, 8, 12, 12, 11, 8, 10, 11, 10, 8, 5, 2, 1)
        hours = list(zip(range(7, 20), hour_weights, strict=True))
        comments_made = []
        batch: list[tuple] = []
        created = 0
        org_id = self.org.pk
        service_ids = {slug: service.pk for slug, service in self.services.items()}
        persona_ids = {slug: persona.pk for slug, persona in self.personas.items()}
        factors_field = SurveyResponse._meta.get_field("factors")
        factors_cache: dict[tuple, object] = {}
        received = db_datetime(timezone.now())
        index = 0
        carry = 0.0
        total_days = len(day_weights)
        for day_number, (day, weight) in enumerate(day_weights):
            carry += self.n_responses * weight / total_weight
            count = int(carry)
            carry -= count
            if day_number == total_days - 1:
                count += round(carry)
            in_drop = self.drop_week <= day < self.drop_week + datetime.timedelta(days=7)
            month = period_start(day, "month")
            in_breach = month in self.breach_months
            at_risk_month = month == self.last_month
            trend = -2 + 4 * day_number / max(1, total_days - 1)
            load = collaboration_load(day)
            for _ in range(count):
                index += 1
                service = _weighted(rng, drop_pairs if in_drop else service_pairs)
                persona = _weighted(rng, persona_pairs) if rng.random() < 0.92 else None
                touchpoint = _weighted(rng, text.TOUCHPOINTS)
                story = None
                h = base_h[service] + persona_offset.get(persona, 0) + trend
                h += {"incident": -4, "request": 5, "proactive": -6}[touchpoint]
                if service == "identity" and day >= self.sspr_done:
                    h += 4
                lift, lost_factor = self.story_effect(service, day)
                h += lift
                if service == "collaboration":
                    h -= 12 * load
                if in_drop and service == "remote-work":
                    h, story = 8.0, "vpn"
                elif in_breach and persona == "doers" and service in ("laptops", "mobile"):
                    h -= 15
                    story = "laptop" if service == "laptops" else None
                elif (
                    at_risk_month
                    and persona == "supported"
                    and service in ("service-desk", "service-portal")
                ):
                    h = 69.0
                score = self._score(rng, h)
                lost = self._lost_time(rng, touchpoint, score, story, persona)
                if lost and lost_factor != 1.0:
                    lost = int(5 * round(lost * lost_factor / 5))
                factors = self._factors(rng, score, story)
                comment = self._comment(rng, service, score, story)
                local = datetime.datetime.combine(
                    day,
                    datetime.time(_weighted(rng, hours), rng.randrange(60), rng.randrange(60)),
                    tzinfo=self.tz,
                )
                location = _weighted(rng, text.LOCATIONS)
                if service == "remote-work" and rng.random() < 0.5:
                    location = "Home / remote"
                channel = _weighted(rng, text.CHANNELS)
                if channel == "walk_in" and location == "Home / remote":
                    channel = "phone"
                group = group_of[service]
                if service != "service-desk" and rng.random() < 0.15:
                    group = "Service Desk L1"
                ticket = ""
                reassignments = None
                resolution = None
                if touchpoint != "proactive":
                    ticket = f"{'INC' if touchpoint == 'incident' else 'RITM'}{1000000 + index}"
                    reassignments = min(6, int(rng.expovariate(1.6 if score >= 7 else 0.8)))
                    resolution = round(
                        rng.lognormvariate(math.log(6 if touchpoint == "incident" else 16), 0.9)
                        * (2.5 if story == "vpn" else 1),
                        2,
                    )
                triage = "new"
                if comment and day < self.today - datetime.timedelta(days=21):
                    triage = "closed" if rng.random() < 0.6 else "reviewed"
                external_id = f"demo-{index:06d}"
                if comment:
                    comments_made.append((external_id, day, score, comment, service))
                factors_key = tuple(factors)
                factors_db = factors_cache.get(factors_key)
                if factors_db is None:
                    factors_db = factors_cache[factors_key] = factors_field.get_db_prep_save(
                        factors, connection
                    )
                batch.append(
                    (
                        org_id,
                        external_id,
                        service_ids[service],
                        persona_ids[persona] if persona else None,
                        score,
                        lost,
                        factors_db,
                        comment,
                        touchpoint,
                        channel,
                        location,
                        group,
                        ticket,
                        reassignments,
                        resolution,
                        db_datetime(local),
                        received,
                        triage,
                        False,
                    )
                )
                if len(batch) >= BATCH:
                    created += insert_rows(SurveyResponse, RESPONSE_COLUMNS, batch)
                    batch = []
        created += insert_rows(SurveyResponse, RESPONSE_COLUMNS, batch)
        # Queued for the rollups, as ingestion leaves them; the jobs roll them up.
        enqueue_all(org_id)
        self.add("survey responses", created)
        self.add("comments", len(comments_made))
        self.ensure_feedback_work(comments_made, random.Random(42))

    @staticmethod
    def _score(rng: random.Random, happiness: float) -> int:
        h = max(-90.0, min(95.0, happiness)) / 100
        passive = 0.13 + 0.15 * max(0.0, 0.7 - h)
        promoters = max(0.0, (1 - passive + h) / 2)
        u = rng.random()
        if u < promoters:
            return 10 if rng.random() < 0.6 else 9
        if u < promoters + passive:
            return 8 if rng.random() < 0.6 else 7
        return rng.choices(range(7), weights=(3, 2, 3, 5, 7, 10, 14))[0]

    @staticmethod
    def _lost_time(rng, touchpoint, score, story, persona) -> int | None:
        if rng.random() > (0.5 if touchpoint == "proactive" else 0.78):
            return None
        mean = {"incident": 225.0, "request": 75.0, "proactive": 110.0}[touchpoint]
        sigma = 1.55
        minutes = rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)
        minutes *= 0.6 if score >= 9 else (1.1 if score >= 7 else 2.8)
        if story == "vpn":
            minutes *= 3
        elif story == "laptop":
            minutes *= 2.5
        return int(min(100_000, 5 * round(minutes / 5)))

    @staticmethod
    def _factors(rng, score, story) -> list[str]:
        if story == "vpn" and score <= 6:
            picked = {"Could not work during the ticket"} if rng.random() < 0.88 else set()
            if rng.random() < 0.4:
                picked.add("Solution was not permanent")
            return sorted(picked)
        if story == "laptop" and score <= 6:
            picked = {"Solution was not permanent"} if rng.random() < 0.6 else set()
            if rng.random() < 0.5:
                picked.add("Could not work during the ticket")
            return sorted(picked)
        if score >= 9:
            if rng.random() > 0.7:
                return []
            k = 1 if rng.random() < 0.6 else 2
            pool = text.POSITIVE_FACTORS
        elif score >= 7:
            if rng.random() > 0.5:
                return []
            k = 1
            pool = text.POSITIVE_FACTORS if rng.random() < 0.5 else text.NEGATIVE_FACTORS
        else:
            if rng.random() > 0.85:
                return []
            k = rng.choice((1, 1, 2, 2, 3))
            pool = text.NEGATIVE_FACTORS
        return sorted({_weighted(rng, pool) for _ in range(k)})

    @staticmethod
    def _comment(rng, service, score, story) -> str:
        if story == "vpn" and score <= 6:
            if rng.random() < 0.6:
                return rng.choice(text.VPN_OUTAGE_COMMENTS)
            return ""
        if story == "laptop" and score <= 6 and rng.random() < 0.45:
            return rng.choice(text.LAPTOP_SLOW_COMMENTS)
        chance = 0.2 if score >= 9 else (0.25 if score >= 7 else 0.45)
        if rng.random() > chance:
            return ""
        detail = text.SERVICE_DETAIL[service]
        agent = rng.choice(text.AGENTS)
        if score >= 9:
            opener = rng.choice(text.OPENERS_POSITIVE)
            staff = rng.choice(text.STAFF_POSITIVE).format(agent=agent)
            what = rng.choice(detail["pos"])
            closer = rng.choice(text.CLOSERS_POSITIVE)
        elif score >= 7:
            opener = rng.choice(text.OPENERS_NEUTRAL)
            staff = rng.choice(text.STAFF_POSITIVE + text.STAFF_NEGATIVE).format(agent=agent)
            what = rng.choice(detail["pos"] + detail["neg"])
            closer = ""
        else:
            opener = rng.choice(text.OPENERS_NEGATIVE)
            staff = rng.choice(text.STAFF_NEGATIVE)
            what = rng.choice(detail["neg"])
            closer = rng.choice(text.CLOSERS_NEGATIVE)
        form = rng.randrange(4)
        if form == 0:
            sentence = f"{opener}: {what}."
        elif form == 1:
            sentence = f"{opener}, {staff}. {closer}"
        elif form == 2:
            sentence = f"{what[0].upper()}{what[1:]}, and {staff}. {closer}"
        else:
            sentence = f"{staff[0].upper()}{staff[1:]}. {closer}"
        return sentence.strip()
