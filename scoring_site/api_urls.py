"""The versioned REST API, under /api/v1/."""

from django.urls import path

from competitions import api as competitions_api

app_name = "api"

urlpatterns = [
    path(
        "registration/<str:token>/",
        competitions_api.RegistrationLinkApi.as_view(),
        name="registration-link",
    ),
    path(
        "judge-registration/<str:token>/",
        competitions_api.JudgeLinkApi.as_view(),
        name="judge-link",
    ),
    path(
        "registrations/<str:reference>/",
        competitions_api.RegistrationDetailApi.as_view(),
        name="registration-detail",
    ),
]
