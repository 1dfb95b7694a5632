from django.urls import path

from . import service_views, views
from .disruptions.urls import urlpatterns as disruption_urls

app_name = "experience"
urlpatterns = [
    path("drops/", views.drop_list, name="drop_list"),
    path("drops/<int:pk>/", views.drop_detail, name="drop_detail"),
    path("drops/<int:pk>/acknowledge/", views.drop_acknowledge, name="drop_acknowledge"),
    path("drops/<int:pk>/investigate/", views.drop_investigate, name="drop_investigate"),
    path("drops/<int:pk>/close/", views.drop_close, name="drop_close"),
    path("drops/<int:pk>/actions/", views.drop_action_create, name="drop_action_create"),
    path("drops/<int:pk>/agenda/", views.drop_add_to_agenda, name="drop_add_to_agenda"),
    path("services/", service_views.service_list, name="service_list"),
    path(
        "services/<slug:slug>/",
        service_views.service_experience,
        name="service_experience",
    ),
    *disruption_urls,
]
