"""Staff console URLs (namespace `web`): every view but login and logout needs a permission."""

from django.urls import path

from pelanggan.web.views import auth, customers, pages

app_name = "web"

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("customers/search/", customers.search, name="search"),
    path("customers/new/", customers.create, name="customer_create"),
    path("customers/<str:idpel>/", customers.detail, name="customer"),
    path("customers/<str:idpel>/person/", customers.edit_person, name="customer_person"),
    path("customers/<str:idpel>/address/", customers.edit_address, name="customer_address"),
    path("customers/<str:idpel>/terms/", customers.edit_terms, name="customer_terms"),
    path("quality/", pages.quality, name="quality"),
    path("regions/", pages.region_lookup, name="regions"),
]
