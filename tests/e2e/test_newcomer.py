"""README's quick start as a newcomer: serve on another port, and every link points there."""

import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from hduce.runtime import free_port
from tests.support.processes import (
    REPO_ROOT,
    hduce_env,
    hduce_process,
    kill_tree,
    processes_using,
    wait_until,
)

PASSWORD = "ferric-meadow-lantern-58"
LINK = re.compile(r"(http://\S+/verify-email\?token=[\w.-]+)")


def create_user(env: dict[str, str], name: str, role: str) -> str:
    """`hduce user create`, as README says; the new account's id."""
    args = ["user", "create", "--email", f"{name}@clinic.example", "--username", name]
    result = subprocess.run(
        [sys.executable, "-m", "hduce", *args, "--role", role, "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


def login(client: httpx.Client, who: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/login", json={"login": who, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def logged_link(log: Path) -> str:
    found: list[str] = []

    def seen() -> bool:
        found[:] = LINK.findall(log.read_text(errors="replace"))
        return bool(found)

    assert wait_until(seen, timeout=30, interval=0.2), log.read_text()[-3000:]
    return found[-1]


def test_quick_start_on_a_non_default_port(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    env = hduce_env(
        HDUCE_CONFIG=str(REPO_ROOT / "hduce.toml"),  # the developer config README runs with
        HDUCE_DATA_DIR=str(data_dir),
        HDUCE_PLUGINS__DEVICES__PORT="0",
        HDUCE_PLUGINS__AUTH__ARGON2_MEMORY_KIB="1024",
        HDUCE_PLUGINS__AUTH__ARGON2_TIME_COST="1",
    )
    create_user(env, "admin", "admin")
    doctor_id = create_user(env, "doctor", "doctor")
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    try:
        with (
            hduce_process(["serve", "--port", str(port)], env, log),
            httpx.Client(base_url=base, timeout=10) as client,
        ):

            def up() -> bool:
                try:
                    return client.get("/health/detailed").status_code == 200
                except httpx.HTTPError:
                    return False

            assert wait_until(up, timeout=90, interval=0.3), log.read_text()[-3000:]
            assert client.get("/", follow_redirects=True).url.path == "/login"
            assert client.get("/docs").status_code == 200

            email = f"ada-{uuid.uuid4().hex[:6]}@example.org"
            registration = {
                "email": email, "username": f"ada{uuid.uuid4().hex[:6]}", "password": PASSWORD,
                "first_name": "Ada", "last_name": "Quill",
            }  # fmt: skip
            assert client.post("/api/v1/auth/register", json=registration).status_code == 202
            link = logged_link(log)
            assert link.startswith(f"{base}/verify-email?token="), link
            token = httpx.URL(link).params["token"]
            assert client.get(link).status_code == 200, "the logged link opens on this port"
            confirmed = client.post("/verify-email", data={"token": token})
            assert confirmed.status_code == 200 and "confirmed" in confirmed.text
            patient = login(client, email)

            admin, doctor = login(client, "admin"), login(client, "doctor")
            kind = {"name": "Consultation", "duration_minutes": 30,
                    "practitioner_ids": [doctor_id]}  # fmt: skip
            created = client.post("/api/v1/appointments/types", json=kind, headers=admin)
            assert created.status_code == 201, created.text
            hours = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(7)]
            opened = client.put(
                f"/api/v1/appointments/availability/{doctor_id}",
                json={"timezone": "UTC", "weekly_hours": hours},
                headers=doctor,
            )
            assert opened.status_code == 200, opened.text
            day = datetime.now(UTC).date() + timedelta(days=3)
            visit = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
            booking = {"practitioner_id": doctor_id, "type_id": created.json()["id"],
                       "starts_at": visit.isoformat().replace("+00:00", "Z")}  # fmt: skip
            booked = client.post("/api/v1/appointments", json=booking, headers=patient)
            assert booked.status_code == 201, booked.text

            word = f"zebrafinch{uuid.uuid4().hex[:6]}"
            uploaded = client.post(
                "/api/v1/documents",
                content=f"Referral letter mentioning {word}.\n".encode(),
                headers={**patient, "Content-Type": "text/plain"},
            )
            assert uploaded.status_code == 201, uploaded.text

            def found() -> bool:
                answer = client.get("/api/v1/search", params={"q": word}, headers=patient)
                return answer.status_code == 200 and answer.json()["total"] >= 1

            assert wait_until(found, timeout=60, interval=0.5), log.read_text()[-3000:]

            figures = client.get("/api/v1/analytics", headers=admin)
            assert figures.status_code == 200, figures.text
            assert figures.json()["sections"]["appointments"]["by_status"].get("booked", 0) >= 1
    finally:
        for process in processes_using(data_dir):
            kill_tree(process.pid)  # may be gone already: PostgreSQL's backends exit with it
