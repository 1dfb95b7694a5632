"""The notification centre (a person's own notifications and preferences)."""

from django.urls import path

from . import notification_views as views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("preferences/", views.notification_preferences, name="notification_preferences"),
    path("<int:pk>/open/", views.notification_open, name="notification_open"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
]
