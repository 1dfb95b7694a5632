from django.urls import path

from . import views, views_initiatives

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("series/", views.series_list, name="series_list"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<int:pk>/", views.series_detail, name="series_detail"),
    path("series/<int:pk>/edit/", views.series_edit, name="series_edit"),
    path("series/<int:pk>/calendar.ics", views.series_calendar_ics, name="series_calendar"),
    path("series/<int:pk>/next/", views.series_next_meeting, name="series_next"),
    path("actions/", views.actions_open, name="actions"),
    path("actions/mine/", views.actions_mine, name="actions_mine"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("initiatives/", views_initiatives.initiative_list, name="initiatives"),
    path("initiatives/new/", views_initiatives.initiative_create, name="initiative_create"),
    path("initiatives/<int:pk>/", views_initiatives.initiative_detail, name="initiative_detail"),
    path("initiatives/<int:pk>/edit/", views_initiatives.initiative_edit, name="initiative_edit"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/draft/", views.meeting_draft, name="draft"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("<int:pk>/items/add/", views.item_add, name="item_add"),
    path("<int:pk>/items/<int:item_pk>/notes/", views.item_notes, name="item_notes"),
    path("<int:pk>/items/<int:item_pk>/move/", views.item_move, name="item_move"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("<int:pk>/items/<int:item_pk>/restore/", views.item_restore, name="item_restore"),
    path("<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path(
        "<int:pk>/decisions/<int:decision_pk>/delete/",
        views.decision_delete,
        name="decision_delete",
    ),
    path("<int:pk>/actions/", views.action_add, name="action_add"),
    path("<int:pk>/close/", views.meeting_close, name="close"),
    path("<int:pk>/next/", views.meeting_next, name="next"),
    path(
        "<int:pk>/objectives/<int:objective_pk>/",
        views.objective_status,
        name="objective_status",
    ),
    path("<int:pk>/focus-areas/", views.focus_area_add, name="focus_area_add"),
]
