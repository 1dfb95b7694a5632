from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("xlas", views.XLAViewSet, basename="api-xla")
router.register("breaches", views.BreachViewSet, basename="api-breach")

urlpatterns = router.urls
