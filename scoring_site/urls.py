from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from scoring_site.health import healthz

admin.site.site_header = "Podium"
admin.site.site_title = "Podium"
admin.site.index_title = "Competition set-up"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("api/v1/", include("scoring_site.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("adjudication.urls")),
    path("", include("leaderboard.urls")),
    path("", include("competitions.urls")),
]
