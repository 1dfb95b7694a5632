from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("changes", views.ChangeViewSet, basename="api-change")

urlpatterns = router.urls
