from django.urls import path

from adjudication import views

app_name = "adjudication"

urlpatterns = [
    path("tablet/", views.tablet_sign_in, name="tablet-sign-in"),
    path("tablet/sign-in/<slug:slug>/<str:letter>/", views.tablet_sign_in, name="tablet-qr"),
    path("tablet/sign-out/", views.tablet_sign_out, name="tablet-sign-out"),
    path("tablet/home/", views.tablet_home, name="tablet-home"),
    path("tablet/round/<int:round_id>/<str:part>/", views.tablet_sheet, name="tablet-sheet"),
    path(
        "tablet/round/<int:round_id>/<str:part>/sent/",
        views.tablet_sheet_sent,
        name="tablet-sheet-sent",
    ),
]
