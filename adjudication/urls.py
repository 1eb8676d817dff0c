from django.urls import path

from adjudication.day import pages as day_pages
from adjudication.desk import agreement as desk_agreement
from adjudication.desk import couples_pages as desk_couples_pages
from adjudication.desk import incidents as desk_incidents
from adjudication.desk import pages as desk_pages
from adjudication.desk import panels as desk_panels
from adjudication.desk import redance as desk_redance
from adjudication.desk import seeding as desk_seeding
from adjudication.desk import what_if as desk_what_if
from adjudication.tablet import pages as tablet_pages
from adjudication.tablet import receipts as tablet_receipts
from adjudication.verify import pages as verify_pages

app_name = "adjudication"

urlpatterns = [
    path("tablet/", tablet_pages.tablet_sign_in, name="tablet-sign-in"),
    path("tablet/sign-in/<slug:slug>/<str:letter>/", tablet_pages.tablet_sign_in, name="tablet-qr"),
    path("tablet/sign-out/", tablet_pages.tablet_sign_out, name="tablet-sign-out"),
    path("tablet/home/", tablet_pages.tablet_home, name="tablet-home"),
    path("tablet/round/<int:round_id>/<str:part>/", tablet_pages.tablet_sheet, name="tablet-sheet"),
    path(
        "tablet/round/<int:round_id>/<str:part>/sent/",
        tablet_pages.tablet_sheet_sent,
        name="tablet-sheet-sent",
    ),
    path("tablet/state.json", tablet_pages.tablet_state, name="tablet-state"),
    path("tablet/receipts/", tablet_receipts.tablet_receipts, name="tablet-receipts"),
    path(
        "tablet/receipts/<str:code>.pdf",
        tablet_receipts.tablet_receipt_pdf,
        name="tablet-receipt-pdf",
    ),
    path("verify/", verify_pages.receipt_verify_page, name="receipt-verify"),
]

urlpatterns += [
    path("desk/", desk_pages.desk_index, name="desk"),
    path("desk/<slug:slug>/", desk_pages.desk_competition, name="desk-competition"),
    path("desk/<slug:slug>/print/<str:report>.pdf", desk_pages.desk_print, name="desk-print"),
    path("desk/round/<int:round_id>/", desk_pages.desk_round, name="desk-round"),
    path(
        "desk/round/<int:round_id>/action/",
        desk_pages.desk_round_action,
        name="desk-round-action",
    ),
    path(
        "desk/round/<int:round_id>/what-if/",
        desk_what_if.desk_what_if,
        name="desk-what-if",
    ),
    path(
        "desk/round/<int:round_id>/couple/",
        desk_couples_pages.desk_couple_action,
        name="desk-round-couple",
    ),
    path(
        "desk/round/<int:round_id>/paper/<int:judge_id>/<str:part>/",
        desk_pages.desk_paper_sheet,
        name="desk-paper-sheet",
    ),
    path(
        "desk/sheet/<int:sheet_id>/action/", desk_pages.desk_sheet_action, name="desk-sheet-action"
    ),
    path("desk/judge/<int:judge_id>/code/", desk_pages.desk_tablet_code, name="desk-tablet-code"),
    path(
        "desk/tablet/<int:tablet_id>/revoke/",
        desk_pages.desk_tablet_revoke,
        name="desk-tablet-revoke",
    ),
    path("desk/<slug:slug>/panels/", desk_panels.desk_panels, name="desk-panels"),
    path("desk/<slug:slug>/seeding/", desk_seeding.desk_seeding, name="desk-seeding"),
    path("desk/<slug:slug>/day/", day_pages.desk_day, name="desk-day"),
    path("desk/<slug:slug>/incidents/", desk_incidents.desk_incidents, name="desk-incidents"),
    path("desk/<slug:slug>/floor/", day_pages.desk_floor_move, name="desk-floor-move"),
    path("desk/<slug:slug>/timetable/", day_pages.desk_timetable_edit, name="desk-timetable-edit"),
    path("desk/<slug:slug>/announcer/", day_pages.announcer, name="announcer"),
    path("desk/<slug:slug>/redance/", desk_redance.desk_redance, name="desk-redance"),
    path("desk/<slug:slug>/agreement/", desk_agreement.desk_agreement, name="desk-agreement"),
    path(
        "desk/<slug:slug>/agreement/<int:event_id>/",
        desk_agreement.desk_agreement,
        name="desk-agreement-event",
    ),
    path(
        "desk/<slug:slug>/agreement.csv",
        desk_agreement.desk_agreement_csv,
        name="desk-agreement-csv",
    ),
]
