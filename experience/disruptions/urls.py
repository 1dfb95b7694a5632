from django.urls import path

from . import views

urlpatterns = [
    path("disruptions/", views.disruption_list, name="disruption_list"),
    path("disruptions/new/", views.disruption_create, name="disruption_create"),
    path("disruptions/<int:pk>/edit/", views.disruption_edit, name="disruption_edit"),
]
