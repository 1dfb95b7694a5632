# Importing the schema module registers the Bearer security scheme with drf-spectacular.
from . import schema  # noqa: F401

urlpatterns: list = []
