from django.contrib import admin
from django.urls import include, path

from scoring_site.health import healthz

admin.site.site_header = "Podium"
admin.site.site_title = "Podium"
admin.site.index_title = "Competition set-up"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("competitions.urls")),
]
