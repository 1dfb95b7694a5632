"""Every database constraint of the domain refuses the row it exists to refuse.

Each case writes around model validation (create with bad values, or update()), so the
database itself must say no.
"""

import datetime
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from experience.models import SurveyResponse
from feedback.models import FeedbackTag, Tag, TagSuggestion
from meetings.models import AgendaItem, Meeting, MeetingAttendee, MeetingSeries
from office.models import OfficerProfile
from reports.models import MonthlyReport, ReportSection
from tests.factories import (
    AgendaItemFactory,
    ApiTokenFactory,
    BreachFactory,
    DataQualityAlertFactory,
    EvaluationFactory,
    FeedbackTagFactory,
    IndicatorFactory,
    MeetingAttendeeFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    MembershipFactory,
    MetricSampleFactory,
    MonthlyReportFactory,
    NotificationFactory,
    OfficerProfileFactory,
    OperationalMetricFactory,
    OrganisationFactory,
    PersonaFactory,
    ReportSectionFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    TagFactory,
    TagSuggestionFactory,
    UserFactory,
    XLAFactory,
    XLAScoreFactory,
    XLAVersionFactory,
)
from xlas.models import XLA, Breach, Evaluation, Indicator, XLAScore, XLAVersion
from xmo.models import (
    ApiToken,
    JobLock,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    SsoIdentity,
    SsoRoleMapping,
)

pytestmark = pytest.mark.django_db


def refused():
    """Context: the statement inside must raise IntegrityError (in its own savepoint)."""

    class _Refused:
        def __enter__(self):
            self._raises = pytest.raises(IntegrityError)
            self._raises.__enter__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def __exit__(self, *exc):
            self._atomic.__exit__(*exc)
            return self._raises.__exit__(*exc)

    return _Refused()


def set_fields(obj, **values):
    with refused():
        type(obj).objects.filter(pk=obj.pk).update(**values)


# -- xmo --------------------------------------------------------------------------------------


def test_organisation_slug_unique():
    OrganisationFactory(slug="same")
    with refused():
        Organisation.objects.create(slug="same", name="Twin")


@pytest.mark.parametrize("value", [-101, 101])
def test_org_benchmark_range(value):
    set_fields(OrganisationFactory(), benchmark_happiness=value)


@pytest.mark.parametrize("value", [-100.5, 100.5])
def test_org_target_range(value):
    set_fields(OrganisationFactory(), happiness_target=value)


def test_org_lost_time_target_nonneg():
    set_fields(OrganisationFactory(), lost_time_target_minutes=-1)


def test_membership_unique():
    membership = MembershipFactory()
    with refused():
        Membership.objects.create(
            user=membership.user, organisation=membership.organisation, role="admin"
        )


def test_membership_role_valid():
    set_fields(MembershipFactory(), role="emperor")


@pytest.mark.parametrize("share", [0, 101])
def test_officer_share_range(share):
    set_fields(OfficerProfileFactory(), part_time_share=share)


def test_officer_profile_one_per_membership():
    profile = OfficerProfileFactory()
    with refused():
        OfficerProfile.objects.create(membership=profile.membership)


def test_api_token_active_name_unique():
    token = ApiTokenFactory(name="itsm")
    with refused():
        ApiTokenFactory(organisation=token.organisation, name="itsm")


def test_api_token_name_reusable_after_revocation():
    token = ApiTokenFactory(name="itsm", revoked_at=timezone.now())
    ApiTokenFactory(organisation=token.organisation, name="itsm")
    assert ApiToken.objects.filter(name="itsm").count() == 2


def test_sso_mapping_unique():
    mapping = SsoRoleMapping.objects.create(
        organisation=OrganisationFactory(), group="xmo-officers", role="officer"
    )
    with refused():
        SsoRoleMapping.objects.create(
            organisation=mapping.organisation, group="xmo-officers", role="viewer"
        )


def test_sso_mapping_role():
    mapping = SsoRoleMapping.objects.create(
        organisation=OrganisationFactory(), group="staff", role="viewer"
    )
    set_fields(mapping, role="emperor")


def test_sso_identity_unique():
    SsoIdentity.objects.create(user=UserFactory(), issuer="https://id.example", subject="42")
    with refused():
        SsoIdentity.objects.create(user=UserFactory(), issuer="https://id.example", subject="42")


def test_api_token_hash_unique():
    token = ApiTokenFactory()
    with refused():
        ApiTokenFactory(key_hash=token.key_hash)


def test_notification_once_per_recipient():
    note = NotificationFactory(dedupe_key="breach:1")
    with refused():
        Notification.objects.create(
            organisation=note.organisation,
            recipient=note.recipient,
            kind="info",
            title="Again",
            dedupe_key="breach:1",
        )


def test_notification_preference_once():
    note = NotificationFactory()
    key = {"user": note.recipient, "organisation": note.organisation, "kind": "breach"}
    NotificationPreference.objects.create(**key, channel="email")
    with refused():
        NotificationPreference.objects.create(**key, channel="in_app")


def test_job_lock_key_unique():
    now = timezone.now()
    JobLock.objects.create(key="job:x:1", holder="a", acquired_at=now, expires_at=now)
    with refused():
        JobLock.objects.create(key="job:x:1", holder="b", acquired_at=now, expires_at=now)


# -- experience ---------------------------------------------------------------------------------


def test_service_slug_unique():
    service = ServiceFactory(slug="vpn")
    with refused():
        ServiceFactory._meta.model.objects.create(
            organisation=service.organisation, slug="vpn", name="VPN again"
        )


def test_service_slug_may_repeat_across_organisations():
    ServiceFactory(slug="vpn")
    ServiceFactory(slug="vpn", organisation=OrganisationFactory())


def test_persona_slug_unique():
    persona = PersonaFactory(slug="doers")
    with refused():
        PersonaFactory._meta.model.objects.create(
            organisation=persona.organisation, slug="doers", name="Doers"
        )


def test_response_external_id_unique():
    response = SurveyResponseFactory(external_id="x-1")
    with refused():
        SurveyResponse.objects.create(
            organisation=response.organisation,
            service=response.service,
            external_id="x-1",
            score=5,
            submitted_at=timezone.now(),
        )


@pytest.mark.parametrize("score", [-1, 11])
def test_response_score_range(score):
    set_fields(SurveyResponseFactory(), score=score)


@pytest.mark.parametrize("minutes", [-1, 100_001])
def test_response_lost_time_range(minutes):
    set_fields(SurveyResponseFactory(), lost_time_minutes=minutes)


def test_response_reassignments_nonneg():
    set_fields(SurveyResponseFactory(), reassignments=-1)


def test_response_resolution_nonneg():
    set_fields(SurveyResponseFactory(), resolution_hours=-0.5)


def test_response_touchpoint_valid():
    set_fields(SurveyResponseFactory(), touchpoint="pigeon")


def test_response_channel_valid():
    set_fields(SurveyResponseFactory(), channel="fax")


def test_metric_slug_unique():
    metric = OperationalMetricFactory(slug="mttr")
    with refused():
        OperationalMetricFactory._meta.model.objects.create(
            organisation=metric.organisation, slug="mttr", name="MTTR"
        )


def test_sample_external_id_unique_when_given():
    sample = MetricSampleFactory(external_id="s-1")
    MetricSampleFactory(organisation=sample.organisation, metric=sample.metric, external_id=None)
    MetricSampleFactory(organisation=sample.organisation, metric=sample.metric, external_id=None)
    with refused():
        MetricSampleFactory(
            organisation=sample.organisation, metric=sample.metric, external_id="s-1"
        )


def test_score_drop_once():
    drop = ScoreDropFactory(segment_value="vpn")
    with refused():
        ScoreDropFactory(
            organisation=drop.organisation,
            week_start=drop.week_start,
            measure=drop.measure,
            segment_kind=drop.segment_kind,
            segment_value="vpn",
        )


@pytest.mark.parametrize("p", [-0.01, 1.01])
def test_drop_p(p):
    set_fields(ScoreDropFactory(), p_value=p)


def test_alert_one_open_per_subject():
    alert = DataQualityAlertFactory(subject="service:vpn")
    DataQualityAlertFactory(
        organisation=alert.organisation, subject="service:desk", resolved_at=timezone.now()
    )
    with refused():
        DataQualityAlertFactory(organisation=alert.organisation, subject="service:vpn")


def test_alert_may_reopen_after_resolution():
    alert = DataQualityAlertFactory(subject="service:vpn", resolved_at=timezone.now())
    DataQualityAlertFactory(organisation=alert.organisation, subject="service:vpn")


# -- xlas -------------------------------------------------------------------------------------


def test_xla_name_unique():
    xla = XLAFactory(name="Remote work")
    with refused():
        XLA.objects.create(organisation=xla.organisation, name="Remote work")


def test_xla_version_number_unique():
    version = XLAVersionFactory(number=1, status="draft")
    with refused():
        XLAVersion.objects.create(xla=version.xla, number=1, status="draft")


def test_xla_one_active_version():
    version = XLAVersionFactory(number=1, status="active")
    XLAVersion.objects.create(xla=version.xla, number=2, status="retired")
    with refused():
        XLAVersion.objects.create(xla=version.xla, number=3, status="active")


def test_xla_version_status_valid():
    set_fields(XLAVersionFactory(), status="pending")


def test_xla_version_range_ordered():
    version = XLAVersionFactory(effective_from=datetime.date(2026, 1, 1))
    set_fields(version, effective_to=datetime.date(2026, 1, 1))


def test_xla_version_baseline_ordered():
    version = XLAVersionFactory(baseline_start=datetime.date(2026, 3, 1))
    set_fields(version, baseline_end=datetime.date(2026, 2, 28))


def test_indicator_key_unique():
    indicator = IndicatorFactory(key="happiness")
    with refused():
        IndicatorFactory(version=indicator.version, key="happiness")


def test_indicator_weight_positive():
    set_fields(IndicatorFactory(), weight=0)


def test_indicator_misses_positive():
    set_fields(IndicatorFactory(), consecutive_misses=0)


def test_indicator_kind_fields_sentiment_needs_measure():
    set_fields(IndicatorFactory(), measure="")


def test_indicator_kind_fields_operational_needs_metric_and_aggregation():
    indicator = IndicatorFactory()
    set_fields(indicator, kind="operational", measure="")
    metric = OperationalMetricFactory(organisation=indicator.version.xla.organisation)
    set_fields(indicator, kind="operational", metric=metric, aggregation="")


def test_indicator_kind_fields_accepts_operational():
    indicator = IndicatorFactory()
    metric = OperationalMetricFactory(organisation=indicator.version.xla.organisation)
    Indicator.objects.filter(pk=indicator.pk).update(
        kind="operational", metric=metric, aggregation="mean", measure=""
    )


def test_indicator_warning_side():
    set_fields(IndicatorFactory(direction="higher", target=70, warning=60), warning=75)
    set_fields(IndicatorFactory(direction="lower", target=180, warning=200), warning=150)


def test_evaluation_once_per_period():
    evaluation = EvaluationFactory()
    with refused():
        Evaluation.objects.create(
            organisation=evaluation.organisation,
            xla=evaluation.xla,
            indicator=evaluation.indicator,
            indicator_key=evaluation.indicator_key,
            period=evaluation.period,
            period_start=evaluation.period_start,
            period_end=evaluation.period_end,
            status="met",
        )


def test_evaluation_period_ordered():
    evaluation = EvaluationFactory()
    set_fields(evaluation, period_end=evaluation.period_start)


def test_xla_score_once_per_period():
    score = XLAScoreFactory()
    with refused():
        XLAScore.objects.create(
            organisation=score.organisation,
            xla=score.xla,
            version=score.version,
            period=score.period,
            period_start=score.period_start,
        )


@pytest.mark.parametrize("value", [-1, 100.1])
def test_xla_score_range(value):
    set_fields(XLAScoreFactory(), score=value)


def test_breach_once_per_period():
    breach = BreachFactory()
    with refused():
        Breach.objects.create(
            organisation=breach.organisation,
            xla=breach.xla,
            indicator=breach.indicator,
            indicator_key=breach.indicator_key,
            period=breach.period,
            period_start=breach.period_start,
            target=70,
            severity="low",
        )


def test_breach_status_valid():
    set_fields(BreachFactory(), status="ignored")


# -- feedback ---------------------------------------------------------------------------------


def test_tag_slug_unique():
    tag = TagFactory(slug="vpn", name="VPN")
    with refused():
        Tag.objects.create(organisation=tag.organisation, slug="vpn", name="Other name")


def test_tag_name_unique():
    tag = TagFactory(slug="vpn", name="VPN")
    with refused():
        Tag.objects.create(organisation=tag.organisation, slug="vpn-2", name="VPN")


def test_feedback_tag_once():
    link = FeedbackTagFactory()
    with refused():
        FeedbackTag.objects.create(response=link.response, tag=link.tag)


def test_suggestion_once():
    suggestion = TagSuggestionFactory()
    with refused():
        TagSuggestion.objects.create(response=suggestion.response, tag=suggestion.tag)


# -- meetings ---------------------------------------------------------------------------------


def test_series_name_unique():
    series = MeetingSeriesFactory(name="Weekly review")
    with refused():
        MeetingSeries.objects.create(
            organisation=series.organisation, name="Weekly review", cadence="weekly"
        )


def test_series_weekday_range():
    set_fields(MeetingSeriesFactory(), weekday=7)


def test_meeting_once_per_slot():
    meeting = MeetingFactory()
    with refused():
        Meeting.objects.create(
            organisation=meeting.organisation,
            series=meeting.series,
            scheduled_for=meeting.scheduled_for,
        )


def test_attendee_once():
    attendee = MeetingAttendeeFactory()
    with refused():
        MeetingAttendee.objects.create(meeting=attendee.meeting, user=attendee.user)


def test_agenda_item_source_once():
    item = AgendaItemFactory(source_key="breach:7")
    AgendaItem.objects.create(meeting=item.meeting, title="Free text 1")
    AgendaItem.objects.create(meeting=item.meeting, title="Free text 2")
    with refused():
        AgendaItem.objects.create(meeting=item.meeting, title="Again", source_key="breach:7")


# -- reports ----------------------------------------------------------------------------------


def test_report_once_per_month():
    report = MonthlyReportFactory()
    with refused():
        MonthlyReport.objects.create(organisation=report.organisation, month=report.month)


def test_report_status_valid():
    set_fields(MonthlyReportFactory(), status="lost")


def test_report_section_once():
    section = ReportSectionFactory(key="summary")
    with refused():
        ReportSection.objects.create(report=section.report, key="summary", title="Again")


def test_every_constraint_of_the_domain_has_a_case_here():
    """A new constraint needs its own case in this file."""
    from django.apps import apps

    source = Path(__file__).read_text()
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "xmo",
            "experience",
            "xlas",
            "feedback",
            "meetings",
            "reports",
        }:
            continue
        for constraint in model._meta.constraints:
            if f"test_{constraint.name}" not in source:
                missing.append(f"{model._meta.label}.{constraint.name}")
    assert missing == []


# Rollups (derived data). Response and factor rollups have no unique key: incremental runs
# append delta rows that readers sum and compaction folds (tests/experience/test_deltas.py).
# Metric rollups, like response rollups, may hold several rows per key (delta rows appended
# by incremental runs, folded by compaction): readers combine them.


def test_metric_rollup_rows_of_one_key_add_up():
    from experience.models import MetricRollup
    from experience.selectors import metric_aggregate

    sample = MetricSampleFactory()
    key = {
        "organisation": sample.organisation,
        "day": datetime.date(2026, 10, 1),
        "metric": sample.metric,
        "service": sample.service,
    }
    MetricRollup.objects.create(**key, count=2, sum=3.0, min=1.0, max=2.0)
    MetricRollup.objects.create(**key, count=1, sum=5.0, min=5.0, max=5.0, delta=True)
    window = {"start": datetime.date(2026, 10, 1), "end": datetime.date(2026, 10, 2)}
    assert metric_aggregate(
        sample.organisation, metric=sample.metric, aggregation="max", **window
    ) == (5.0, 3)


def test_experience_model_once():
    from experience.models import ExperienceModel

    service = ServiceFactory()
    key = {"organisation": service.organisation, "service": service, "measure": "happiness"}
    moment = datetime.datetime(2026, 10, 5, tzinfo=datetime.UTC)
    ExperienceModel.objects.create(kind="naive", fitted_at=moment, **key)
    with refused():
        ExperienceModel.objects.create(kind="ridge", fitted_at=moment, **key)
