"""PostgreSQL restarted under a running gunicorn: the next requests succeed, no app restart."""

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from tests.reliability.conftest import Gunicorn, postgres_restart

pytestmark = [pytest.mark.reliability, pytest.mark.postgres]

PASSWORD = "correct-horse-battery"  # tests/conftest.py make_user


def logged_in_opener(server: Gunicorn, username: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _status, page = server.get("/login/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server on loopback
        server.base + "/login/", data=body, headers={"Referer": server.base + "/login/"}
    )
    with opener.open(request, timeout=30) as response:
        assert response.status == 200  # followed the redirect to the start page
    return opener


def test_the_app_recovers_from_a_postgresql_restart_without_restarting_itself(
    postgres, transactional_db, command_user, tmp_path
):
    server = Gunicorn(tmp_path)
    try:
        opener = logged_in_opener(server, command_user.username)
        assert server.get("/incidents/", opener)[0] == 200
        pid_before = server.process.pid
        connection.close()  # our own connection dies with the restart too
        postgres_restart()
        statuses = [server.get("/incidents/", opener)[0] for _ in range(3)]
        assert statuses == [200, 200, 200], server.log()[-3000:]
        status, body = server.get("/healthz")
        assert '"database": {"ok": true' in body, body
        assert server.process.poll() is None and server.process.pid == pid_before
    finally:
        server.stop()
        connection.close()
