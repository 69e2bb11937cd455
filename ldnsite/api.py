"""The API's one router: every app's viewsets under `/api/v1/`."""

from rest_framework.routers import DefaultRouter

from conditions.api import (
    ConditionViewSet,
    FAQEntryViewSet,
    GlossaryTermViewSet,
    MechanismViewSet,
)
from ldnsite.editorial.pending_api import PendingChangeViewSet
from studies.api import FindingViewSet, StudyViewSet

router = DefaultRouter()
router.register("conditions", ConditionViewSet, basename="condition")
router.register("mechanisms", MechanismViewSet, basename="mechanism")
router.register("studies", StudyViewSet, basename="study")
router.register("findings", FindingViewSet, basename="finding")
router.register("faq", FAQEntryViewSet, basename="faqentry")
router.register("glossary", GlossaryTermViewSet, basename="glossaryterm")
router.register("pending-changes", PendingChangeViewSet, basename="pendingchange")

urlpatterns = router.urls
