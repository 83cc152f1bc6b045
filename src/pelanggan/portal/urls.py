"""Customer portal URLs (namespace `portal`)."""

from django.urls import path

from pelanggan.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", views.sign_in, name="login"),
    path("masuk/kode/", views.verify, name="verify"),
    path("keluar/", views.sign_out, name="logout"),
    path("akun/<str:idpel>/", views.account, name="account"),
    path("akun/<str:idpel>/pemakaian/", views.account_usage, name="usage"),
    path("data-pribadi/", views.my_data, name="my_data"),
    path(
        "data-pribadi/<str:request_id>/salinan.<str:fmt>", views.export_download, name="export"
    ),
]
