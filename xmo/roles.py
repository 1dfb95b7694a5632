"""Role helpers: what each role may do. Every view and endpoint asks here.

A capability is a verb; `can(membership, capability)` answers it. Service owners are
further limited to their own services by the selectors.
"""

from collections.abc import Iterable

from .choices import Role

ADMIN, OFFICER, MEMBER, LEADER, SERVICE_OWNER, VIEWER = (
    Role.ADMIN,
    Role.OFFICER,
    Role.MEMBER,
    Role.LEADER,
    Role.SERVICE_OWNER,
    Role.VIEWER,
)
ALL_ROLES = frozenset(Role.values)

CAPABILITIES: dict[str, frozenset[str]] = {
    # Reading
    "view_dashboard": ALL_ROLES,
    "view_published_reports": ALL_ROLES,
    "view_xlas": ALL_ROLES,
    "view_breaches": ALL_ROLES,
    "view_feedback": frozenset({ADMIN, OFFICER, MEMBER, SERVICE_OWNER}),
    "view_score_drops": frozenset({ADMIN, OFFICER, MEMBER, LEADER, SERVICE_OWNER}),
    "view_draft_reports": frozenset({ADMIN, OFFICER, MEMBER}),
    # Leaders read a report once it is in review, before it is published to everyone.
    "view_reports_in_review": frozenset({ADMIN, OFFICER, MEMBER, LEADER}),
    "view_meetings": frozenset({ADMIN, OFFICER, MEMBER, LEADER}),
    "view_audit_log": frozenset({ADMIN}),
    "view_office": ALL_ROLES,
    # Feedback work
    "tag_feedback": frozenset({ADMIN, OFFICER, MEMBER}),
    "triage_feedback": frozenset({ADMIN, OFFICER, MEMBER}),
    "manage_tags": frozenset({ADMIN, OFFICER}),
    # Drops, breaches, initiatives
    "review_score_drops": frozenset({ADMIN, OFFICER}),
    "work_breaches": frozenset({ADMIN, OFFICER, SERVICE_OWNER}),
    "manage_initiatives": frozenset({ADMIN, OFFICER, MEMBER}),
    "sign_business_cases": frozenset({ADMIN, LEADER}),
    # Planned disruptions and changes (service owners: their own services only)
    "declare_disruptions": frozenset({ADMIN, OFFICER, SERVICE_OWNER}),
    "view_changes": frozenset({ADMIN, OFFICER, MEMBER, LEADER, SERVICE_OWNER}),
    "record_changes": frozenset({ADMIN, OFFICER}),
    # XLA governance
    "edit_xla_drafts": frozenset({ADMIN, OFFICER}),
    "propose_xla_change": frozenset({ADMIN, OFFICER}),
    "approve_xla_change": frozenset({ADMIN, LEADER}),
    # Meetings and reports
    "run_meetings": frozenset({ADMIN, OFFICER, MEMBER}),
    "edit_reports": frozenset({ADMIN, OFFICER}),
    "publish_reports": frozenset({ADMIN, OFFICER}),
    # The office itself: mission, phase, roles, scope, objectives, people
    "edit_office": frozenset({ADMIN, OFFICER}),
    # Administration
    "manage_organisation": frozenset({ADMIN}),
    "manage_tokens": frozenset({ADMIN}),
    "run_jobs": frozenset({ADMIN}),
}


def role_of(membership) -> str | None:
    return getattr(membership, "role", None)


def can(membership, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    role = role_of(membership)
    return role is not None and role in CAPABILITIES[capability]


def roles_with(capability: str) -> frozenset[str]:
    return CAPABILITIES[capability]


def has_any_role(membership, roles: Iterable[str]) -> bool:
    role = role_of(membership)
    return role is not None and role in set(roles)


class Capabilities:
    """Template helper: `{% if caps.tag_feedback %}`."""

    def __init__(self, membership):
        self._membership = membership

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return can(self._membership, name)

    def __getitem__(self, name):
        return can(self._membership, name)
