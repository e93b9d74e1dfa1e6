import pytest


@pytest.mark.django_db
def test_english_browser_still_gets_danish_until_visitor_switches(client):
    page = client.get("/tilgaengelighed/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert page.status_code == 200
    assert '<html lang="da"' in page.content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/tilgaengelighed/"})
    page = client.get("/tilgaengelighed/", HTTP_ACCEPT_LANGUAGE="da")
    assert '<html lang="en"' in page.content.decode()


@pytest.mark.django_db
def test_accessibility_statement_shows_configured_contact_address(client, settings):
    settings.PORTAL_CONTACT_EMAIL = "tilgaengelighed@region.example"
    page = client.get("/tilgaengelighed/")
    assert "tilgaengelighed@region.example" in page.content.decode()
