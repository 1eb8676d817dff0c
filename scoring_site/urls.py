from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from leaderboard.metrics import metrics
from scoring_site.health import healthz

# A database outage outside a view answers 503 too (scoring_site/outage.py).
handler500 = "scoring_site.outage.server_error"

admin.site.site_header = "Podium"
admin.site.site_title = "Podium"
admin.site.index_title = "Competition set-up"

handler404 = "scoring_site.api.not_found"

# The API viewers (Swagger UI, ReDoc) style themselves with inline <style>: allowed on
# those two pages only; their scripts are still files of this site.
API_VIEWER_STYLES = csp_update({"style-src": ["'self'", "'unsafe-inline'"]})

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("api/v1/", include("scoring_site.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The viewers load their scripts from Podium's own static files (no CDN): they work
    # on a hall network without internet, and under a script-src 'self' policy.
    path(
        "api/docs/",
        API_VIEWER_STYLES(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        API_VIEWER_STYLES(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("", include("adjudication.urls")),
    path("", include("leaderboard.urls")),
    path("", include("competitions.urls")),
]
