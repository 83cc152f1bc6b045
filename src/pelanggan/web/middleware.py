"""Bahasa Indonesia first: the console speaks Indonesian unless the user chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, so staff on an
English-language browser would land in English. Here only the user's explicit choice (the
language cookie `set_language` writes) switches away from the default.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class IndonesianFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        code = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
