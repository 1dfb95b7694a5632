from django.urls import path

from . import views

urlpatterns = [
    path("settings/webhooks/", views.webhooks, name="settings_webhooks"),
    path(
        "settings/webhooks/<int:pk>/active/", views.webhook_active, name="settings_webhook_active"
    ),
    path(
        "settings/webhooks/deliveries/",
        views.webhook_deliveries,
        name="settings_webhook_deliveries",
    ),
    path(
        "settings/webhooks/deliveries/<int:pk>/resend/",
        views.webhook_delivery_resend,
        name="settings_webhook_delivery_resend",
    ),
]
