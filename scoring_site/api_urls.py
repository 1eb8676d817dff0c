"""The versioned REST API, under /api/v1/."""

from django.urls import path, register_converter

from adjudication import api as adjudication_api
from competitions import api as competitions_api
from scoring_site.api import IdConverter

register_converter(IdConverter, "id")

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
    path("auth/token/", adjudication_api.TokenObtainApi.as_view(), name="token"),
    path("auth/token/refresh/", adjudication_api.TokenRefreshApi.as_view(), name="token-refresh"),
    path("judge/sheets/", adjudication_api.JudgeSheetListApi.as_view(), name="judge-sheets"),
    path(
        "judge/rounds/<id:round_id>/",
        adjudication_api.JudgeRoundApi.as_view(),
        name="judge-round",
    ),
    path(
        "judge/rounds/<id:round_id>/sheets/",
        adjudication_api.JudgeSheetSubmitApi.as_view(),
        name="judge-sheet-submit",
    ),
]
