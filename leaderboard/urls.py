from django.urls import path

from leaderboard import views

app_name = "leaderboard"

urlpatterns = [
    path("live/<slug:slug>/", views.live_board, name="live"),
    path("live/<slug:slug>/snapshot.json", views.live_snapshot, name="live-snapshot"),
    path("live/<slug:slug>/<slug:floor>/", views.live_board, name="live-floor"),
    path("results/<slug:slug>/", views.live_results, name="results"),
    path("results/<slug:slug>/<int:event_id>/", views.event_results, name="event-results"),
    path(
        "results/<slug:slug>/<int:event_id>/results.pdf",
        views.event_results_pdf,
        name="event-results-pdf",
    ),
]
