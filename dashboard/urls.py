from __future__ import annotations

from django.urls import path

from dashboard import session, views

app_name = "dashboard"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("signin/", views.SignInView.as_view(), name="signin"),
    path("session/login/", session.SessionLoginView.as_view(), name="session-login"),
    path("session/refresh/", session.SessionRefreshView.as_view(), name="session-refresh"),
    path("session/logout/", session.SessionLogoutView.as_view(), name="session-logout"),
    path("b/<int:business_id>/today/", views.TodayView.as_view(), name="today"),
    path("b/<int:business_id>/board/", views.BoardView.as_view(), name="board"),
    path("b/<int:business_id>/menu/", views.MenuView.as_view(), name="menu"),
    path("b/<int:business_id>/menu/items/new/", views.MenuItemView.as_view(), name="menu-item-new"),
    path("b/<int:business_id>/menu/items/<int:item_id>/", views.MenuItemView.as_view(), name="menu-item"),
    path("b/<int:business_id>/reservations/", views.ReservationsView.as_view(), name="reservations"),
    path("b/<int:business_id>/settings/", views.SettingsView.as_view(), name="settings"),
    path("b/<int:business_id>/numbers/", views.NumbersView.as_view(), name="numbers"),
    path("b/<int:business_id>/numbers/<int:number_id>/", views.NumberDetailView.as_view(), name="number"),
    path("b/<int:business_id>/calls/", views.CallsView.as_view(), name="calls"),
    path("b/<int:business_id>/calls/<int:call_id>/", views.CallDetailView.as_view(), name="call"),
    path("b/<int:business_id>/analytics/", views.AnalyticsView.as_view(), name="analytics"),
]
