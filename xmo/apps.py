from django.apps import AppConfig


class XmoConfig(AppConfig):
    name = "xmo"
    verbose_name = "XMO office"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # Jobs register themselves when their modules are imported.
        from . import jobs  # noqa: F401
        from .i18n import remember_language_at_sign_in

        # A person's chosen language follows them into each new session.
        user_logged_in.connect(remember_language_at_sign_in, dispatch_uid="xmo_language")
