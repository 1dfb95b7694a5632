"""Demo services, personas and operational metric definitions."""

from __future__ import annotations

from experience.models import OperationalMetric, Persona, Service

from . import text

METRICS = [
    ("resolution-time", "Resolution time", "hours", "lower", "Mean time to resolve a ticket."),
    (
        "first-contact-resolution",
        "First-contact resolution",
        "%",
        "higher",
        "Share of tickets solved at the first contact.",
    ),
    ("availability", "Availability", "%", "higher", "Service availability over the day."),
    (
        "device-crash-rate",
        "Device crash rate",
        "crashes/100 devices",
        "lower",
        "Application or device crashes per 100 devices per day.",
    ),
]


class CatalogueMixin:
    """Creates the services, personas and operational metrics the data refers to."""

    def ensure_services(self) -> dict:
        owner = self.users["service_owner"]
        result = {}
        for slug, name, area, _h, _w, _group, description in text.SERVICES:
            service, created = Service.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={
                    "name": name,
                    "it_area": area,
                    "description": description,
                    "owner": owner if slug in {"laptops", "remote-work", "mobile"} else None,
                },
            )
            self.add("services", int(created))
            result[slug] = service
        return result

    def ensure_personas(self) -> dict:
        result = {}
        for slug, name, _share, _offset, description in text.PERSONAS:
            persona, created = Persona.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={"name": name, "description": description},
            )
            self.add("personas", int(created))
            result[slug] = persona
        return result

    def ensure_metrics(self) -> dict:
        result = {}
        for slug, name, unit, direction, description in METRICS:
            metric, created = OperationalMetric.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={
                    "name": name,
                    "unit": unit,
                    "direction": direction,
                    "description": description,
                },
            )
            self.add("operational metrics", int(created))
            result[slug] = metric
        return result
