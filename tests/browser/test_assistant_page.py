"""The assistant's chat page in a real headless browser (Debian's chromium through
chromedriver), with perla served on loopback over SQLite and the offline grammar as the model:
a person opens ``/assistant``, is sent to the login, logs in with an agent's key, asks for a
lead, sees the proposal, clicks «Confirmar», sees the applied answer (and the lead exists in
the API), reloads and finds the conversation in the list with its messages. The console has
no errors; a screenshot is saved to ``test-artifacts/assistant.png``. Without chromium it
skips locally and fails under CI=true.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from tests.browser.webdriver import binaries, chromium_session

from perla_adapters.loopback import serving
from perla_core.access.model import Role
from perla_core.access.services import create_api_key
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REQUEST = "Registra un lead: Viajes Sol, España, correo ventas@viajessol.es"
READY = "return document.body.dataset.state === 'ready'"
PROPOSAL_SHOWN = f"{READY} && !document.getElementById('proposal').hidden"
APPLIED = f"{READY} && document.getElementById('proposal').hidden"
BUBBLES = """
return Array.from(document.querySelectorAll('#messages li'))
  .map(e => [e.className, e.textContent]);
"""
LISTED = """
return Array.from(document.querySelectorAll('#conversations li'))
  .map(e => [e.dataset.id, e.querySelector('a').firstChild.textContent]);
"""


def test_staff_ask_for_a_lead_confirm_it_and_find_the_conversation_again(
    tmp_path: Path,
) -> None:
    binaries()
    container = build_container(
        database_url=f"sqlite:///{tmp_path}/perla.db",
        data_dir=str(tmp_path),
        anthropic_api_key=None,
    )
    container.storage().migrate()
    try:
        key = create_api_key(
            "Marta Ruiz",
            Role.AGENT,
            container.uow(),
            container.clock(),
            container.ids(),
            container.secrets(),
        ).key
        with (
            serving(create_app(container)) as base,
            chromium_session(tmp_path / "profile") as browser,
        ):
            browser.open(f"{base}/assistant")
            browser.wait_for("return document.getElementById('api_key') !== null")
            assert browser.url == f"{base}/dashboard/login?next=/assistant"
            assert browser.run("return document.title") == "Entrar · Asistente de perla"

            browser.console()  # the login form is the dashboard's (its favicon 404s): start afresh
            browser.type("#api_key", key)
            browser.click("button[type=submit]")
            browser.wait_for(READY)
            assert browser.url == f"{base}/assistant"
            assert browser.run("return document.title") == "Asistente de perla"
            assert browser.run("return document.cookie") == ""  # HttpOnly
            assert "Marta Ruiz" in browser.run("return document.getElementById('who').textContent")
            assert browser.run(LISTED) == []

            browser.type("#message", REQUEST)
            browser.click("#send")
            browser.wait_for(PROPOSAL_SHOWN, timeout=20)
            summary = browser.run("return document.getElementById('proposal-summary').textContent")
            assert "lead" in summary.lower()
            changes = browser.run("return document.getElementById('proposal-changes').textContent")
            assert "Viajes Sol" in changes
            with httpx.Client(base_url=base, timeout=10) as api:
                leads = api.get(
                    "/api/v1/leads",
                    params={"q": "Viajes Sol"},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert leads.json()["total"] == 0

            browser.click("#confirm")
            browser.wait_for(APPLIED, timeout=20)
            bubbles = browser.run(BUBBLES)
            assert bubbles[-3][0] == "user"
            assert bubbles[-3][1] == "sí"
            assert bubbles[-2][0] == "assistant"
            assert bubbles[-2][1].startswith("Hecho")
            assert bubbles[-1] == ["note", "Cambio aplicado."]
            with httpx.Client(base_url=base, timeout=10) as api:
                leads = api.get(
                    "/api/v1/leads",
                    params={"q": "Viajes Sol"},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert [lead["trade_name"] for lead in leads.json()["items"]] == ["Viajes Sol"]
            conversation = browser.run("return document.body.dataset.conversation")

            browser.open(f"{base}/assistant")
            browser.wait_for(READY)
            assert browser.run(LISTED) == [[conversation, REQUEST]]
            assert browser.run(BUBBLES) == []
            browser.click("#conversations a")
            browser.wait_for(
                f"{READY} && document.body.dataset.conversation === '{conversation}' "
                "&& document.querySelectorAll('#messages li').length > 0"
            )
            kinds = [kind for kind, _ in browser.run(BUBBLES)]
            assert kinds[0] == "user"
            assert "proposal" in kinds
            assert kinds[-2:] == ["note", "assistant"]
            assert browser.run("return document.getElementById('proposal').hidden") is True
            assert (
                browser.run("return document.getElementById('conversation-title').textContent")
                == REQUEST
            )

            browser.screenshot(ARTIFACTS / "assistant.png")
            errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
            assert errors == []

            browser.click("header button[type=submit]")
            browser.wait_for("return document.getElementById('api_key') !== null")
            assert browser.url == f"{base}/dashboard/login?next=/assistant"
    finally:
        container.storage().close()
