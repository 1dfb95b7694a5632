from django.urls import path

from . import views

app_name = "changes"
urlpatterns = [
    path("", views.change_list, name="change_list"),
    path("league/", views.change_league, name="change_league"),
    path("<int:pk>/", views.change_detail, name="change_detail"),
]
