from django.urls import path

from . import service_views
from .disruptions.urls import urlpatterns as disruption_urls
from .views import drops

# A drop's actions and agenda entry (drops/<pk>/actions/, drops/<pk>/agenda/) are meetings'
# pages: meetings/urls.py mounts them under this prefix.
app_name = "experience"
urlpatterns = [
    path("drops/", drops.drop_list, name="drop_list"),
    path("drops/<int:pk>/", drops.drop_detail, name="drop_detail"),
    path("drops/<int:pk>/acknowledge/", drops.drop_acknowledge, name="drop_acknowledge"),
    path("drops/<int:pk>/investigate/", drops.drop_investigate, name="drop_investigate"),
    path("drops/<int:pk>/close/", drops.drop_close, name="drop_close"),
    path("services/", service_views.service_list, name="service_list"),
    path(
        "services/<slug:slug>/",
        service_views.service_experience,
        name="service_experience",
    ),
    *disruption_urls,
]
