"""Page shells: served to anyone, in the visitor's language, holding no tenant data."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.dashboard.conftest import compile_messages


@pytest.fixture(autouse=True)
def _catalogues():
    compile_messages()


def test_the_root_sends_a_visitor_to_the_dashboard(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("dashboard:home")


def test_a_shell_shows_no_data_of_the_business_in_its_url(client, business, make_number):
    make_number("+390551234567", business=business, label="Orders")
    response = client.get(reverse("dashboard:numbers", args=[business.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert business.name not in html
    assert "+390551234567" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_speak_the_language_of_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    response = client.get(reverse("dashboard:signin"))
    assert response.headers["Content-Language"] == "it"
    assert '<html lang="it">' in response.content.decode()
    assert "Nome utente o indirizzo e-mail" in response.content.decode()


def test_pages_follow_the_browser_language_without_a_cookie(client):
    response = client.get(reverse("dashboard:signin"), HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9,en;q=0.5")
    assert "Accedi" in response.content.decode()
    response = client.get(reverse("dashboard:signin"), HTTP_ACCEPT_LANGUAGE="de-DE")
    assert '<html lang="en">' in response.content.decode()


def test_the_language_switch_sets_the_cookie_and_returns_to_the_page(client):
    page = reverse("dashboard:signin")
    client.get(page)  # the CSRF cookie, as a browser gets it with the page
    response = client.post(reverse("set_language"), {"language": "it", "next": page})
    assert response.status_code == 302
    assert response.headers["Location"] == page
    assert "Accedi" in client.get(page).content.decode()


def test_every_dashboard_sentence_has_an_italian_translation():
    po = (settings.BASE_DIR / "locale" / "it" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]  # the first is the header
    untranslated = [e for e in entries if 'msgstr ""' in e.splitlines()[-1] and "#, fuzzy" not in e]
    assert untranslated == []
    assert "#, fuzzy" not in po


def test_the_sign_in_form_cannot_put_a_password_in_a_url(client):
    """Before its script runs, the form posts (never GET) and its button is disabled."""
    html = client.get(reverse("dashboard:signin")).content.decode()
    assert 'data-widget="signin" method="post"' in html
    assert 'button-wide" disabled>' in html


def test_the_analytics_page_loads_its_chart_library_from_our_static_files_not_a_cdn(client, business):
    """uPlot comes from npm (package-lock.json, `make install`) and is served by Django/WhiteNoise."""
    from django.contrib.staticfiles import finders

    html = client.get(reverse("dashboard:analytics", args=[business.pk])).content.decode()
    assert '<script src="/static/vendor/uplot/uPlot.iife.min.js" defer></script>' in html
    assert "//cdn" not in html and "https://" not in html
    found = finders.find("vendor/uplot/uPlot.iife.min.js")
    assert found and "node_modules" in found
