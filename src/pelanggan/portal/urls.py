"""Customer portal URLs (namespace `portal`)."""

from django.urls import path

from pelanggan.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", views.sign_in, name="login"),
    path("masuk/kode/", views.verify, name="verify"),
    path("keluar/", views.sign_out, name="logout"),
]
