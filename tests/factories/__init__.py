"""Factories for every model (factory_boy). Import from here: `from tests.factories import ...`."""

from .changes import ChangeFactory, DisruptionFactory  # noqa: F401
from .experience import (  # noqa: F401
    DataQualityAlertFactory,
    IncidentFactory,
    MetricSampleFactory,
    OperationalMetricFactory,
    PersonaFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    enqueue_responses,
    enqueue_samples,
)
from .feedback import (  # noqa: F401
    FeedbackTagFactory,
    FollowUpFactory,
    TagFactory,
    TagRuleFactory,
    TagSuggestionFactory,
)
from .meetings import (  # noqa: F401
    ActionItemFactory,
    AgendaItemFactory,
    DecisionFactory,
    ImprovementInitiativeFactory,
    MeetingAttendeeFactory,
    MeetingFactory,
    MeetingSeriesFactory,
)
from .office import (  # noqa: F401
    DutyFactory,
    FocusAreaFactory,
    KeyResultFactory,
    ObjectiveFactory,
    OfficeFactory,
    OfficerProfileFactory,
    TrainingItemFactory,
)
from .reports import MonthlyReportFactory, ReportSectionFactory  # noqa: F401
from .xlas import (  # noqa: F401
    BreachFactory,
    EvaluationFactory,
    IndicatorFactory,
    XLAFactory,
    XLAScoreFactory,
    XLAVersionFactory,
)
from .xmo import (  # noqa: F401
    ApiTokenFactory,
    AuditEventFactory,
    MembershipFactory,
    NotificationFactory,
    OrganisationFactory,
    UserFactory,
)


def build_world(org, users) -> dict:
    """One object of each kind in `org`, owned by the users of the `users` fixture."""
    from .world import build

    return build(org, users)
