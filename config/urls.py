from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Staff sign-in steps, second factors and re-authentication (django-allauth).
    path("accounts/", include("allauth.urls")),
    # The customers' self-service portal (sign-in with a one-time code).
    path("portal/", include("pelanggan.portal.urls")),
    path("privacy/", include("pelanggan.privacy.urls")),
    path("", include("pelanggan.web.urls")),
]
