from django.urls import path

from .views import objectives, office, people

app_name = "office"

urlpatterns = [
    path("", office.office_page, name="page"),
    path("mission/", office.mission_edit, name="mission"),
    path("hand-over/", office.hand_over, name="hand_over"),
    path("roles/", office.roles, name="roles"),
    path("roles/duties/", office.duty_add, name="duty_add"),
    path("roles/duties/<int:pk>/remove/", office.duty_remove, name="duty_remove"),
    path("roles/duties/<int:pk>/assign/", office.duty_assign, name="duty_assign"),
    path("scope/<int:pk>/", office.scope_edit, name="scope"),
    path("objectives/", objectives.objective_list, name="objectives"),
    path("objectives/new/", objectives.objective_create, name="objective_create"),
    path("objectives/<int:pk>/", objectives.objective_detail, name="objective_detail"),
    path("objectives/<int:pk>/edit/", objectives.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/review/", objectives.objective_review, name="objective_review"),
    path("objectives/<int:pk>/close/", objectives.objective_close, name="objective_close"),
    path(
        "objectives/<int:objective_pk>/key-results/new/",
        objectives.key_result_edit,
        name="key_result_create",
    ),
    path(
        "objectives/<int:objective_pk>/key-results/<int:pk>/",
        objectives.key_result_edit,
        name="key_result_edit",
    ),
    path(
        "objectives/<int:objective_pk>/key-results/<int:pk>/remove/",
        objectives.key_result_remove,
        name="key_result_remove",
    ),
    path("people/", people.people, name="people"),
    path("people/<int:pk>/profile/", people.profile_edit, name="profile"),
    path("training/", people.training_add, name="training_add"),
    path("training/<int:pk>/complete/", people.training_complete, name="training_complete"),
    path("training/<int:pk>/remove/", people.training_remove, name="training_remove"),
]
