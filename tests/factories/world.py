"""A small but complete organisation: one object of every kind, for access tests."""

import datetime

from . import (
    ActionItemFactory,
    AgendaItemFactory,
    BreachFactory,
    DecisionFactory,
    DutyFactory,
    EvaluationFactory,
    FollowUpFactory,
    ImprovementInitiativeFactory,
    IncidentFactory,
    IndicatorFactory,
    KeyResultFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    MonthlyReportFactory,
    ObjectiveFactory,
    OperationalMetricFactory,
    PersonaFactory,
    ReportSectionFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    TagFactory,
    TagRuleFactory,
    TagSuggestionFactory,
    TrainingItemFactory,
    XLAFactory,
    XLAVersionFactory,
)
from .changes import ChangeFactory, DisruptionFactory
from .webhooks import WebhookDeliveryFactory, WebhookEndpointFactory
from .xmo import ApiTokenFactory


def build(org, users) -> dict:
    w = {"org": org, "users": users}
    w["service"] = ServiceFactory(
        organisation=org, slug="service-desk", owner=users["service_owner"]
    )
    w["persona"] = PersonaFactory(organisation=org, slug="doers")
    w["metric"] = OperationalMetricFactory(organisation=org, slug="resolution-time")
    w["token"], w["token_key"] = ApiTokenFactory.create_with_key(organisation=org, name="itsm")
    w["webhook"] = WebhookEndpointFactory(organisation=org)
    w["webhook_delivery"] = WebhookDeliveryFactory(endpoint=w["webhook"])
    w["response"] = SurveyResponseFactory(
        organisation=org,
        service=w["service"],
        persona=w["persona"],
        score=3,
        comment="The VPN dropped twice.",
    )
    w["tag"] = TagFactory(organisation=org, name="VPN", slug="vpn")
    w["rule"] = TagRuleFactory(organisation=org, tag=w["tag"])
    w["suggestion"] = TagSuggestionFactory(response=w["response"], tag=w["tag"])
    w["follow_up"] = FollowUpFactory(response=w["response"], owner=users["officer"])
    w["xla"] = XLAFactory(organisation=org, name="Happy service desk", owner=users["officer"])
    w["xla"].services.add(w["service"])
    w["version"] = XLAVersionFactory(
        xla=w["xla"], number=1, status="active", effective_from=datetime.date(2026, 1, 1)
    )
    w["proposed_version"] = XLAVersionFactory(
        xla=w["xla"], number=2, status="proposed", effective_from=datetime.date(2027, 1, 1)
    )
    w["indicator"] = IndicatorFactory(version=w["version"], key="happiness")
    IndicatorFactory(version=w["proposed_version"], key="happiness", target=75, warning=65)
    w["evaluation"] = EvaluationFactory(indicator=w["indicator"])
    w["breach"] = BreachFactory(
        indicator=w["indicator"], evaluation=w["evaluation"], period_start=datetime.date(2026, 9, 1)
    )
    w["drop"] = ScoreDropFactory(
        organisation=org,
        service=w["service"],
        segment_value="service-desk",
        segment_label="Service desk",
    )
    w["incident"] = IncidentFactory(
        organisation=org,
        service=w["service"],
        headline_value="service-desk",
        headline_label="Service desk",
    )
    ScoreDropFactory._meta.model.objects.filter(pk=w["drop"].pk).update(incident=w["incident"])
    w["series"] = MeetingSeriesFactory(organisation=org, cadence="monthly", name="Workplace")
    w["meeting"] = MeetingFactory(series=w["series"])
    w["agenda_item"] = AgendaItemFactory(meeting=w["meeting"])
    w["action"] = ActionItemFactory(organisation=org, meeting=w["meeting"], owner=users["member"])
    w["initiative"] = ImprovementInitiativeFactory(organisation=org)
    w["draft_version"] = XLAVersionFactory(xla=w["xla"], number=3, status="draft")
    IndicatorFactory(version=w["draft_version"], key="happiness")
    w["quarterly_meeting"] = MeetingFactory(
        series=MeetingSeriesFactory(organisation=org, cadence="quarterly", name="Strategy")
    )
    w["decision"] = DecisionFactory(meeting=w["meeting"])
    w["objective"] = ObjectiveFactory(organisation=org)
    w["key_result"] = KeyResultFactory(objective=w["objective"])
    w["duty"] = DutyFactory(organisation=org)
    w["training"] = TrainingItemFactory(membership=org.memberships.get(user=users["officer"]))
    w["membership"] = org.memberships.get(user=users["viewer"])
    w["report"] = MonthlyReportFactory(
        organisation=org, month=datetime.date(2026, 10, 1), status="published"
    )
    w["draft_report"] = MonthlyReportFactory(organisation=org, month=datetime.date(2026, 9, 1))
    w["draft_section"] = ReportSectionFactory(report=w["draft_report"], key="summary")
    w["disruption"] = DisruptionFactory(organisation=org, services=[w["service"]])
    w["change"] = ChangeFactory(organisation=org, services=[w["service"]])
    return w
