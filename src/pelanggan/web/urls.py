"""Staff console URLs (namespace `web`): every view but login and logout needs a permission."""

from django.urls import path

from pelanggan.metering.views import meters, reviews
from pelanggan.web.views import audit, auth, customers, pages

app_name = "web"

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("account/security/", auth.account_security, name="account_security"),
    path("account/logout-everywhere/", auth.logout_everywhere, name="logout_everywhere"),
    path("customers/search/", customers.search, name="search"),
    path("customers/new/", customers.create, name="customer_create"),
    path("customers/<str:idpel>/", customers.detail, name="customer"),
    path("customers/<str:idpel>/person/", customers.edit_person, name="customer_person"),
    path("customers/<str:idpel>/address/", customers.edit_address, name="customer_address"),
    path("customers/<str:idpel>/terms/", customers.edit_terms, name="customer_terms"),
    path("customers/<str:idpel>/reveal/", customers.reveal, name="customer_reveal"),
    path("customers/<str:idpel>/meter/", meters.customer_meter, name="customer_meter"),
    path("metering/events/", meters.meter_events, name="meter_events"),
    path("metering/reviews/", reviews.review_queue, name="read_reviews"),
    path("metering/reviews/<int:review_id>/", reviews.review_detail, name="read_review"),
    path("audit/", audit.trail, name="audit_trail"),
    path("audit/export.csv", audit.trail_export, name="audit_export"),
    path("alerts/", audit.alerts, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", audit.acknowledge_alert, name="alert_acknowledge"),
    path("quality/", pages.quality, name="quality"),
    path("regions/", pages.region_lookup, name="regions"),
]
