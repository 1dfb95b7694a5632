from django.urls import include, path

from .views import actions, business_case, follow_up, initiatives, meetings, series

app_name = "meetings"
meeting_patterns = [
    path("", series.index, name="index"),
    path("series/", series.series_list, name="series_list"),
    path("series/new/", series.series_create, name="series_create"),
    path("series/<int:pk>/", series.series_detail, name="series_detail"),
    path("series/<int:pk>/edit/", series.series_edit, name="series_edit"),
    path("series/<int:pk>/calendar.ics", series.series_calendar_ics, name="series_calendar"),
    path("series/<int:pk>/next/", series.series_next_meeting, name="series_next"),
    path("actions/", actions.actions_open, name="actions"),
    path("actions/mine/", actions.actions_mine, name="actions_mine"),
    path("actions/<int:pk>/status/", actions.action_status, name="action_status"),
    path("initiatives/", initiatives.initiative_list, name="initiatives"),
    path("initiatives/new/", initiatives.initiative_create, name="initiative_create"),
    path("initiatives/<int:pk>/", initiatives.initiative_detail, name="initiative_detail"),
    path("initiatives/<int:pk>/edit/", initiatives.initiative_edit, name="initiative_edit"),
    path(
        "initiatives/<int:pk>/business-case/",
        business_case.business_case,
        name="initiative_business_case",
    ),
    path(
        "initiatives/<int:pk>/business-case/sign/",
        business_case.business_case_sign_view,
        name="initiative_business_case_sign",
    ),
    path("<int:pk>/", meetings.meeting_detail, name="detail"),
    path("<int:pk>/minutes/", meetings.meeting_minutes, name="minutes"),
    path("<int:pk>/draft/", meetings.meeting_draft, name="draft"),
    path("<int:pk>/attendance/", meetings.meeting_attendance, name="attendance"),
    path("<int:pk>/items/add/", meetings.item_add, name="item_add"),
    path("<int:pk>/items/<int:item_pk>/notes/", meetings.item_notes, name="item_notes"),
    path("<int:pk>/items/<int:item_pk>/move/", meetings.item_move, name="item_move"),
    path("<int:pk>/items/<int:item_pk>/remove/", meetings.item_remove, name="item_remove"),
    path("<int:pk>/items/<int:item_pk>/restore/", meetings.item_restore, name="item_restore"),
    path("<int:pk>/decisions/", meetings.decision_add, name="decision_add"),
    path(
        "<int:pk>/decisions/<int:decision_pk>/delete/",
        meetings.decision_delete,
        name="decision_delete",
    ),
    path("<int:pk>/actions/", meetings.action_add, name="action_add"),
    path("<int:pk>/close/", meetings.meeting_close, name="close"),
    path("<int:pk>/next/", meetings.meeting_next, name="next"),
    path(
        "<int:pk>/objectives/<int:objective_pk>/",
        meetings.objective_status,
        name="objective_status",
    ),
    path("<int:pk>/focus-areas/", meetings.focus_area_add, name="focus_area_add"),
]

# Mounted at the site's root: meetings' own pages under /meetings/, and the actions and
# agenda entries made from a breach's or a score drop's page under those pages' paths.
urlpatterns = [
    path("meetings/", include(meeting_patterns)),
    path(
        "xlas/breaches/<int:pk>/actions/",
        follow_up.breach_action_create,
        name="breach_action_create",
    ),
    path(
        "experience/drops/<int:pk>/actions/",
        follow_up.drop_action_create,
        name="drop_action_create",
    ),
    path(
        "experience/drops/<int:pk>/agenda/",
        follow_up.drop_add_to_agenda,
        name="drop_add_to_agenda",
    ),
]
