"""Screenshots of the main pages into docs/screenshots/ (`make screenshots`).

    .venv/bin/python -m tools.screenshots [OUT_DIR]

Builds the demo region on a temporary SQLite database, serves it on a free local port and
drives Debian's Chromium (never a downloaded browser) through the pages as the demo users
would see them, at 1280 px wide, in Indonesian. Nothing outside the temporary folder and
OUT_DIR is touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshot-password-2026"
WIDTH = 1280
MAX_HEIGHT = 1800  # long pages are cut here: a screenshot shows the top of the page


def demo_app(workdir: Path):
    os.environ["SMARTCITY_INSTANCE"] = str(workdir / "instance")
    os.environ.setdefault("SECRET_KEY", "screenshots")
    from flask_migrate import upgrade

    from smartcity.factory import create_app
    from smartcity.seed import seed_demo_region

    url = f"sqlite:///{workdir / 'demo.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        seed_demo_region(PASSWORD)
    return app


def assessment_id(app, agency: str, year: int) -> int:
    from sqlalchemy import select

    from smartcity.extensions import db
    from smartcity.models import Agency, Assessment, Period

    with app.app_context():
        return db.session.scalar(
            select(Assessment.id)
            .join(Agency, Assessment.agency_id == Agency.id)
            .join(Period, Assessment.period_id == Period.id)
            .where(Agency.code == agency, Period.year == year)
        )


# (file name, user or None, path); {OWN}: Diskominfo's open 2026 assessment, {DONE}: its final
# 2025 assessment
SHOTS = [
    ("login.png", None, "/login"),
    ("verify.png", None, "/verify"),
    ("agency-home.png", "diskominfo", "/"),
    ("dimension-page.png", "diskominfo", "/assessments/{OWN}/dimensions/GOV"),
    ("result.png", "diskominfo", "/assessments/{DONE}/result"),
    ("review.png", "evaluator", "/assessments/{DONE}/review"),
    ("period-overview.png", "evaluator", "/periods/2025/assessments"),
    ("region.png", "pimpinan", "/periods/2025/region"),
]


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"{CHROMIUM} is missing: run `make browser-deps`")
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    with tempfile.TemporaryDirectory(prefix="smartcity-screens-") as tmp:
        app = demo_app(Path(tmp))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                current_user = "-"
                context = page = None
                for name, user, path in SHOTS:
                    if user != current_user:
                        if context:
                            context.close()
                        context = browser.new_context(
                            base_url=base, locale="id-ID", viewport={"width": WIDTH, "height": 900}
                        )
                        page = context.new_page()
                        if user:
                            page.goto("/login")
                            page.locator("input[name=username]").fill(user)
                            page.locator("input[name=password]").fill(PASSWORD)
                            page.locator("form button[type=submit]").last.click()
                            page.wait_for_load_state()
                        current_user = user
                    # asked each time: the agency's first visit opens its 2026 assessment
                    ids = {
                        "OWN": assessment_id(app, "DISKOMINFO", 2026) or 0,
                        "DONE": assessment_id(app, "DISKOMINFO", 2025) or 0,
                    }
                    page.goto(path.format(**ids))
                    height = min(
                        MAX_HEIGHT, page.evaluate("() => document.documentElement.scrollHeight")
                    )
                    # a viewport as tall as the picture: sticky bars sit at its bottom edge
                    page.set_viewport_size({"width": WIDTH, "height": height})
                    page.screenshot(path=str(out / name))
                    page.set_viewport_size({"width": WIDTH, "height": 900})
                    print(f"{out / name}  {path.format(**ids)}")
                context.close()
                browser.close()
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
