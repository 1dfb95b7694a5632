from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.archive, name="archive"),
    path("draft/", views.draft_month, name="draft"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/figures.csv", views.figures_csv, name="figures_csv"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/redraft/", views.redraft, name="redraft"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/sections/<int:section_pk>/move/", views.move_section, name="move_section"),
]
