import pytest


@pytest.mark.django_db
def test_english_browser_still_gets_danish_until_visitor_switches(client):
    page = client.get("/tilgaengelighed/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert page.status_code == 200
    assert '<html lang="da"' in page.content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/tilgaengelighed/"}, HTTP_ORIGIN="http://testserver")
    page = client.get("/tilgaengelighed/", HTTP_ACCEPT_LANGUAGE="da")
    assert '<html lang="en"' in page.content.decode()


@pytest.mark.django_db
def test_accessibility_statement_shows_configured_contact_address(client, settings):
    settings.PORTAL_CONTACT_EMAIL = "tilgaengelighed@region.example"
    page = client.get("/tilgaengelighed/")
    assert "tilgaengelighed@region.example" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "null"},
    {"HTTP_REFERER": "https://evil.example/side/"},
    {},  # neither Origin nor Referer
])
def test_language_switch_from_another_site_is_refused(client, headers):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, **headers)
    assert response.status_code == 403
    assert "portalens egne sider" in response.content.decode()
    assert '<html lang="da"' in client.get("/tilgaengelighed/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [
    {"HTTP_ORIGIN": "http://testserver"},
    {"HTTP_REFERER": "http://testserver/klynger/"},  # a browser that leaves Origin out
])
def test_language_switch_from_the_portal_itself_works_without_a_token(headers):
    from django.test import Client

    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/tilgaengelighed/")
    assert not page.cookies and "csrfmiddlewaretoken" not in page.content.decode()
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": "/tilgaengelighed/"},
                            **headers)
    assert response.status_code == 302
    assert '<html lang="en"' in visitor.get("/tilgaengelighed/").content.decode()


@pytest.mark.django_db
def test_language_switch_accepts_a_trusted_origin(client, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://sundhedsaftale.example"]
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"},
                           HTTP_ORIGIN="https://sundhedsaftale.example")
    assert response.status_code == 302
