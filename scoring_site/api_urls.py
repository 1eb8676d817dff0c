"""The versioned REST API, under /api/v1/."""

from django.urls import path, register_converter

from adjudication import tokens_api
from adjudication.day import api as day_api
from adjudication.desk import agreement as desk_agreement
from adjudication.desk import api as desk_api
from adjudication.desk import couples_api as desk_couples_api
from adjudication.desk import incidents as desk_incidents
from adjudication.desk import panels_api as desk_panels_api
from adjudication.desk import receipts_api as desk_receipts_api
from adjudication.desk import redance as desk_redance
from adjudication.desk import seeding as desk_seeding
from adjudication.desk import what_if_api as desk_what_if_api
from adjudication.tablet import api as tablet_api
from adjudication.verify import api as verify_api
from competitions import api as competitions_api
from competitions import public_api
from leaderboard import api as leaderboard_api
from scoring_site.api import IdConverter

register_converter(IdConverter, "id")

app_name = "api"

urlpatterns = [
    # Public reads.
    path("competitions/", public_api.CompetitionListApi.as_view(), name="competitions"),
    path(
        "competitions/<slug:slug>/",
        public_api.CompetitionDetailApi.as_view(),
        name="competition",
    ),
    path("competitions/<slug:slug>/events/", public_api.EventListApi.as_view(), name="events"),
    path(
        "competitions/<slug:slug>/events/<id:event_id>/",
        public_api.EventDetailApi.as_view(),
        name="event",
    ),
    path("competitions/<slug:slug>/rounds/", public_api.RoundListApi.as_view(), name="rounds"),
    path(
        "competitions/<slug:slug>/rounds/<id:round_id>/",
        public_api.RoundDetailApi.as_view(),
        name="round",
    ),
    path(
        "competitions/<slug:slug>/rounds/<id:round_id>/heats/",
        public_api.HeatListApi.as_view(),
        name="heats",
    ),
    path(
        "competitions/<slug:slug>/rounds/<id:round_id>/results/",
        leaderboard_api.RoundResultApi.as_view(),
        name="round-results",
    ),
    path(
        "competitions/<slug:slug>/results/",
        leaderboard_api.ResultListApi.as_view(),
        name="results",
    ),
    path("competitions/<slug:slug>/live/", leaderboard_api.LiveApi.as_view(), name="live"),
    path("competitions/<slug:slug>/timetable/", day_api.TimetableApi.as_view(), name="timetable"),
    # Registration.
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
    # Judges' receipts, checked by anyone.
    path("verify/", verify_api.ReceiptVerifyApi.as_view(), name="receipt-verify"),
    # Tokens and judges' devices.
    path("auth/token/", tokens_api.TokenObtainApi.as_view(), name="token"),
    path("auth/judge-token/", tokens_api.JudgeTokenApi.as_view(), name="judge-token"),
    path("auth/token/refresh/", tokens_api.TokenRefreshApi.as_view(), name="token-refresh"),
    path("judge/sheets/", tablet_api.JudgeSheetListApi.as_view(), name="judge-sheets"),
    path(
        "judge/rounds/<id:round_id>/",
        tablet_api.JudgeRoundApi.as_view(),
        name="judge-round",
    ),
    path(
        "judge/rounds/<id:round_id>/sheets/",
        tablet_api.JudgeSheetSubmitApi.as_view(),
        name="judge-sheet-submit",
    ),
    # The results desk.
    path("desk/rounds/<id:round_id>/", desk_api.DeskRoundApi.as_view(), name="desk-round"),
    path(
        "desk/rounds/<id:round_id>/receipts/",
        desk_receipts_api.DeskRoundReceiptsApi.as_view(),
        name="desk-round-receipts",
    ),
    path(
        "desk/rounds/<id:round_id>/open/",
        desk_api.DeskRoundOpenApi.as_view(),
        name="desk-round-open",
    ),
    path(
        "desk/rounds/<id:round_id>/close/",
        desk_api.DeskRoundCloseApi.as_view(),
        name="desk-round-close",
    ),
    path(
        "desk/rounds/<id:round_id>/recall-decision/",
        desk_api.DeskRoundRecallDecisionApi.as_view(),
        name="desk-round-recall-decision",
    ),
    path(
        "desk/rounds/<id:round_id>/reopen/",
        desk_api.DeskRoundReopenApi.as_view(),
        name="desk-round-reopen",
    ),
    path(
        "desk/rounds/<id:round_id>/publish/",
        desk_api.DeskRoundPublishApi.as_view(),
        name="desk-round-publish",
    ),
    path(
        "desk/rounds/<id:round_id>/sheets/",
        desk_api.DeskSheetListApi.as_view(),
        name="desk-round-sheets",
    ),
    path(
        "desk/rounds/<id:round_id>/what-if/",
        desk_what_if_api.DeskWhatIfApi.as_view(),
        name="desk-round-what-if",
    ),
    path(
        "desk/rounds/<id:round_id>/redances/",
        desk_redance.DeskRedanceApi.as_view(),
        name="desk-round-redances",
    ),
    path(
        "desk/rounds/<id:round_id>/incidents/",
        desk_couples_api.DeskCouplesApi.as_view(),
        name="desk-round-incidents",
    ),
    path(
        "desk/rounds/<id:round_id>/incidents/<id:entry_id>/",
        desk_couples_api.DeskCoupleApi.as_view(),
        name="desk-round-incident",
    ),
    path(
        "desk/rounds/<id:round_id>/paper-sheets/",
        desk_api.DeskPaperSheetApi.as_view(),
        name="desk-paper-sheet",
    ),
    path(
        "desk/sheets/<id:sheet_id>/confirm/",
        desk_api.DeskSheetConfirmApi.as_view(),
        name="desk-sheet-confirm",
    ),
    path(
        "desk/sheets/<id:sheet_id>/unlock/",
        desk_api.DeskSheetUnlockApi.as_view(),
        name="desk-sheet-unlock",
    ),
    path("desk/competitions/<slug:slug>/floor/", day_api.DeskFloorApi.as_view(), name="desk-floor"),
    path(
        "desk/competitions/<slug:slug>/incidents/",
        desk_incidents.DeskIncidentListApi.as_view(),
        name="desk-incidents",
    ),
    path(
        "desk/competitions/<slug:slug>/agreement/",
        desk_agreement.DeskAgreementApi.as_view(),
        name="desk-agreement",
    ),
    path(
        "desk/competitions/<slug:slug>/panels/",
        desk_panels_api.DeskPanelsApi.as_view(),
        name="desk-panels",
    ),
    path(
        "desk/competitions/<slug:slug>/judge-replacements/",
        desk_panels_api.DeskJudgeReplaceApi.as_view(),
        name="desk-judge-replacements",
    ),
    path(
        "desk/competitions/<slug:slug>/judge-replacements/<id:seat_id>/",
        desk_panels_api.DeskJudgeReplacementApi.as_view(),
        name="desk-judge-replacement",
    ),
    path(
        "desk/competitions/<slug:slug>/seeding/",
        desk_seeding.DeskSeedingApi.as_view(),
        name="desk-seeding",
    ),
    path(
        "desk/competitions/<slug:slug>/tablets/",
        desk_api.DeskTabletListApi.as_view(),
        name="desk-tablets",
    ),
    path(
        "desk/tablets/<id:tablet_id>/revoke/",
        desk_api.DeskTabletRevokeApi.as_view(),
        name="desk-tablet-revoke",
    ),
]
