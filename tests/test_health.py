"""/healthz/: what a load balancer sees when the database and the cache work, and when not."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client, override_settings

URL = "/healthz/"


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_and_cache_work(anon_client):
    response = anon_client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_database_when_its_query_fails(anon_client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = anon_client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "failed": ["database"]}


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_cache_when_it_loses_values(anon_client):
    with mock.patch.object(cache, "get", return_value=None):
        response = anon_client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "failed": ["cache"]}


@pytest.mark.django_db
def test_healthz_does_not_leak_the_error_to_the_caller(anon_client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("secret host")):
        response = anon_client.get(URL)
    assert b"secret host" not in response.content


@pytest.mark.django_db
def test_healthz_sets_no_cookie_and_starts_no_session(anon_client):
    response = anon_client.get(URL)
    assert response.cookies == {}
    assert "Set-Cookie" not in response
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db
def test_healthz_sets_no_cookie_for_a_signed_in_caller_either(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    assert response.cookies == {}


@pytest.mark.django_db
def test_healthz_is_never_cached(anon_client):
    response = anon_client.get(URL)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "max-age=0"} <= cache_control
    assert "Expires" in response


@pytest.mark.django_db
def test_healthz_answers_head_and_refuses_post(anon_client):
    assert anon_client.head(URL).status_code == 200
    assert anon_client.post(URL).status_code == 405


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_is_exempt_from_the_https_redirect_that_other_pages_get():
    client = Client()  # loads the middleware under the overridden settings
    assert client.get(URL).status_code == 200
    redirected = client.get("/")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")
