from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory


@pytest.mark.django_db
def test_local_admin_is_created_once_and_can_log_in(settings, client):
    settings.DEBUG = True
    out = StringIO()
    call_command("create_local_admin", stdout=out)
    call_command("create_local_admin", "--site", "http://127.0.0.1:8011", stdout=out)
    text = out.getvalue()
    assert "Created admin user" in text
    assert "Already there" in text and "http://127.0.0.1:8011/admin/" in text
    request = RequestFactory().post("/admin/login/")  # the sign-in guard needs one
    user = authenticate(request, username="admin", password="ldn-local-admin")
    assert user is not None and user.is_superuser
    assert client.login(request=request, username="admin", password="ldn-local-admin")
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_local_admin_is_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("create_local_admin", stdout=StringIO())
