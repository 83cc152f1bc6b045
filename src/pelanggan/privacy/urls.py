"""Console pages of the privacy context (namespace `privacy`), mounted at /privacy/."""

from django.urls import path

from pelanggan.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/export.<str:fmt>", views.request_export, name="request_export"),
    path("requests/<int:request_id>/<str:action>/", views.request_action, name="request_action"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident"),
    path(
        "incidents/<int:incident_id>/<str:action>/", views.incident_action, name="incident_action"
    ),
    path("registry/", views.registry_page, name="registry"),
    path("retention/", views.retention_page, name="retention"),
]
