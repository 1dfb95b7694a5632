"""Sign-in with OpenID Connect (/oidc/...) and Settings → Single sign-on."""

from django.urls import path

from . import views

urlpatterns = [
    path("oidc/authenticate/", views.SsoStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", views.SsoCallbackView.as_view(), name="oidc_authentication_callback"),
    path("settings/sso/", views.sso_settings, name="settings_sso"),
    path(
        "settings/sso/<int:pk>/remove/",
        views.sso_mapping_remove,
        name="settings_sso_mapping_remove",
    ),
]
