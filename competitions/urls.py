from django.urls import path

from competitions import views

app_name = "competitions"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.competition_detail, name="competition-detail"),
    path("c/<slug:slug>/running-order/", views.running_order, name="running-order"),
    path("register/<str:token>/", views.register, name="register"),
    path("registration/<str:reference>/", views.registration_detail, name="registration-detail"),
]
