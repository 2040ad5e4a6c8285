"""The baseline for bench/network.py: the app as it sent static files and pages before.

The same app and pages, with static files under their plain names revalidated on every visit
(`Cache-Control: no-cache`, answered 304 when unchanged) and nothing compressed. Served by
gunicorn (`gunicorn bench.uncached_app:app`) next to `app:app`, on the same database.
"""

from __future__ import annotations

from smartcity.factory import create_app

app = create_app({"STATIC_HASHED_NAMES": False, "COMPRESS_RESPONSES": False})
