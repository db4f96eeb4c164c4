"""Apache Superset on the reader snapshot, with the dashboard kept in bi/dashboard/.

`make bi` installs Superset into .tools/superset/ (bi/requirements.lock) and then runs
`python bi/superset_setup.py serve`, which:

1. prepares Superset's home (``OMNIREPORT_BI_HOME``, default ``.superset_home/``, git-ignored):
   a secret key made once, the metadata database migrated, the admin user created;
2. starts Superset (gunicorn) on 127.0.0.1:``OMNIREPORT_BI_PORT`` (default 8088);
3. zips bi/dashboard/ with the database URI pointed at the reader snapshot (customers'
   identifiers hashed, free text left out: docs/bi.md), read-only, and imports
   it through the REST API (``POST /api/v1/assets/import/``, which overwrites every asset);
4. prints the URL and stays in the foreground until Ctrl-C (or SIGTERM), then stops Superset.

``python bi/superset_setup.py bundle --out FILE`` writes the ZIP only (to import by hand).

Settings, from the environment (documented in docs/bi.md): ``OMNIREPORT_BI_PORT``,
``OMNIREPORT_BI_HOME``, ``OMNIREPORT_BI_ADMIN_USER`` / ``OMNIREPORT_BI_ADMIN_PASSWORD``
(default admin / admin: a local default, the server listens on 127.0.0.1 only) and the
file it reads (``OMNIREPORT_BI_SNAPSHOT``, else the configured warehouse's reader snapshot).
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_DIR = ROOT / "bi" / "dashboard"
LOCK_FILE = ROOT / "bi" / "requirements.lock"
SUPERSET_CONFIG = ROOT / "bi" / "superset_config.py"
SUPERSET_VENV = ROOT / ".tools" / "superset"
DASHBOARD_SLUG = "omnichannel-conversation-report"
BUNDLE_ROOT = "omnireport_dashboard"
START_TIMEOUT_S = 300


class SetupError(RuntimeError):
    """A step of the setup failed; the message says what to do."""


BI_SNAPSHOT_ENV = "OMNIREPORT_BI_SNAPSHOT"


def bi_snapshot(env: Mapping[str, str] | None = None) -> Path:
    """The file Superset reads: the one setting to change when BI should read another file.
    ``OMNIREPORT_BI_SNAPSHOT`` when set (the full snapshot, for a Superset only trusted
    analysts use), else the reader snapshot of the configured warehouse: BI users see the
    metrics, not the customers."""
    from omnireport.publish import reader_snapshot_path
    from omnireport.settings import load_settings

    env = os.environ if env is None else env
    chosen = env.get(BI_SNAPSHOT_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser().resolve()
    return reader_snapshot_path(load_settings(env=env).warehouse, env=env)


@dataclass(frozen=True)
class BiSettings:
    home: Path
    port: int
    snapshot: Path
    admin_user: str
    admin_password: str
    superset_venv: Path = SUPERSET_VENV

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dashboard_url(self) -> str:
        return f"{self.url}/superset/dashboard/{DASHBOARD_SLUG}/"

    def bin(self, name: str) -> Path:
        return self.superset_venv / "bin" / name


def load_bi_settings(env: Mapping[str, str] | None = None) -> BiSettings:
    env = os.environ if env is None else env
    port = env.get("OMNIREPORT_BI_PORT", "").strip() or "8088"
    if not port.isdigit():
        raise SetupError(f"OMNIREPORT_BI_PORT={port!r} is not a port number")
    home = env.get("OMNIREPORT_BI_HOME", "").strip()
    return BiSettings(
        home=Path(home).expanduser().resolve() if home else ROOT / ".superset_home",
        port=int(port),
        snapshot=bi_snapshot(env),
        admin_user=env.get("OMNIREPORT_BI_ADMIN_USER", "").strip() or "admin",
        admin_password=env.get("OMNIREPORT_BI_ADMIN_PASSWORD", "") or "admin",
    )


# --- the dashboard bundle ------------------------------------------------------------


def database_uri(snapshot: Path) -> str:
    """duckdb-engine URI of ``snapshot``, opened read-only (never takes the write lock)."""
    return f"duckdb:///{snapshot.resolve()}?access_mode=read_only"


def bundle(snapshot: Path, source: Path = DASHBOARD_DIR) -> bytes:
    """The import ZIP of ``source`` (Superset's export layout), every database pointed at
    ``snapshot``."""
    files = sorted(p for p in source.rglob("*.yaml") if p.is_file())
    if not (source / "metadata.yaml").is_file():
        raise SetupError(f"{source}/metadata.yaml is missing: is {source} a Superset export?")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            relative = path.relative_to(source).as_posix()
            text = path.read_text(encoding="utf-8")
            if relative.startswith("databases/"):
                config = yaml.safe_load(text)
                config["sqlalchemy_uri"] = database_uri(snapshot)
                text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
            archive.writestr(f"{BUNDLE_ROOT}/{relative}", text)
    return buffer.getvalue()


# --- Superset's home and commands ----------------------------------------------------


def superset_env(settings: BiSettings) -> dict[str, str]:
    """The environment of every Superset process: its config, home and secret key."""
    key_file = settings.home / "secret_key"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(
        {
            "SUPERSET_CONFIG_PATH": str(SUPERSET_CONFIG),
            "SUPERSET_HOME": str(settings.home),
            "OMNIREPORT_BI_HOME": str(settings.home),
            "SUPERSET_SECRET_KEY": key_file.read_text(encoding="utf-8").strip(),
            "FLASK_APP": "superset",
        }
    )
    return env


def _run_superset(settings: BiSettings, *args: str) -> None:
    log = settings.home / "setup.log"
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ superset {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(
            [str(settings.bin("superset")), *args],
            env=superset_env(settings),
            cwd=settings.home,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SetupError(f"`superset {args[0]}` failed (exit {done.returncode}); {log}:\n{tail}")


def init_home(settings: BiSettings) -> None:
    """Secret key, metadata database and admin user; the slow steps run only when the home
    is new or Superset's locked versions changed (a stamp in the home)."""
    if not settings.bin("superset").is_file():
        raise SetupError(
            f"Superset is not installed in {settings.superset_venv}: run `make bi-install`"
        )
    settings.home.mkdir(parents=True, exist_ok=True)
    key_file = settings.home / "secret_key"
    if not key_file.is_file():
        key_file.write_text(secrets.token_urlsafe(42) + "\n", encoding="utf-8")
        key_file.chmod(0o600)
    stamp = settings.home / ".initialized"
    wanted = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == wanted:
        return
    new_home = not stamp.is_file()
    print(f"==> preparing Superset's metadata database in {settings.home} (about a minute)")
    _run_superset(settings, "db", "upgrade")
    if new_home:
        _run_superset(
            settings,
            "fab",
            "create-admin",
            "--username",
            settings.admin_user,
            "--firstname",
            "omnireport",
            "--lastname",
            "admin",
            "--email",
            f"{settings.admin_user}@localhost",
            "--password",
            settings.admin_password,
        )
    _run_superset(settings, "init")
    stamp.write_text(wanted + "\n", encoding="utf-8")


def check_port_free(settings: BiSettings) -> None:
    """Refuse a busy port: another server there would answer the health check and get the
    import instead of ours."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            sock.bind(("127.0.0.1", settings.port))
        except OSError as error:
            raise SetupError(
                f"127.0.0.1:{settings.port} is in use ({error.strerror}): stop what listens there "
                "or choose another port with OMNIREPORT_BI_PORT"
            ) from error


def start_server(settings: BiSettings) -> subprocess.Popen:
    """Superset under gunicorn on 127.0.0.1, in this process group (so a signal to the group
    stops both); its log is ``<home>/superset.log``."""
    log = (settings.home / "superset.log").open("a", encoding="utf-8")
    return subprocess.Popen(
        [
            str(settings.bin("gunicorn")),
            "--bind",
            f"127.0.0.1:{settings.port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--timeout",
            "120",
            "--no-control-socket",  # else every gunicorn shares ~/.gunicorn/gunicorn.ctl
            "superset.app:create_app()",
        ],
        env=superset_env(settings),
        cwd=settings.home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(settings: BiSettings, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = settings.home / "superset.log"
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SetupError(
                f"Superset exited ({process.returncode}) while starting; {log}:\n{tail}"
            )
        try:
            with urllib.request.urlopen(f"{settings.url}/health", timeout=5) as answer:
                if answer.read().strip() == b"OK":
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SetupError(f"Superset did not answer on {settings.url}/health in {START_TIMEOUT_S} s")


# --- the REST API --------------------------------------------------------------------


class SupersetClient:
    """A logged-in REST API session: a JWT access token plus the CSRF token (and its session
    cookie) that Superset asks for on writes."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        try:
            answer = self._send(
                "POST",
                "/api/v1/security/login",
                json.dumps(
                    {"username": user, "password": password, "provider": "db", "refresh": False}
                ).encode(),
                {"Content-Type": "application/json"},
            )
        except urllib.error.HTTPError as error:
            if error.code == 401:
                raise SetupError(
                    f"Superset refused user {user!r} with the password of OMNIREPORT_BI_ADMIN_PASSWORD: "
                    "the home's admin was created with another one. Set that one, or remove "
                    "the home (OMNIREPORT_BI_HOME, default .superset_home/) to start afresh."
                ) from error
            raise
        self.headers = {"Authorization": f"Bearer {answer['access_token']}"}
        self.headers["X-CSRFToken"] = self.get("/api/v1/security/csrf_token/")["result"]
        self.headers["Referer"] = url

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> dict:
        request = urllib.request.Request(self.url + path, data=body, headers=headers, method=method)
        with self.opener.open(request, timeout=120) as answer:
            return json.loads(answer.read() or b"{}")

    def get(self, path: str) -> dict:
        return self._send("GET", path, None, self.headers)

    def post(self, path: str, payload: dict) -> dict:
        headers = {**self.headers, "Content-Type": "application/json"}
        return self._send("POST", path, json.dumps(payload).encode(), headers)

    def post_file(self, path: str, field: str, name: str, content: bytes) -> dict:
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        )
        body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        headers = {**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self._send("POST", path, body, headers)


def import_dashboard(settings: BiSettings) -> None:
    """Import bi/dashboard/ (every asset overwritten) into the running Superset."""
    client = SupersetClient(settings.url, settings.admin_user, settings.admin_password)
    try:
        client.post_file(
            "/api/v1/assets/import/", "bundle", f"{BUNDLE_ROOT}.zip", bundle(settings.snapshot)
        )
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", errors="replace")[:3000]
        raise SetupError(f"importing {DASHBOARD_DIR} failed ({error.code}): {detail}") from error


# --- commands ------------------------------------------------------------------------


def serve(settings: BiSettings) -> int:
    if not settings.snapshot.is_file():
        raise SetupError(
            f"no snapshot at {settings.snapshot}: build one first (`make demo`), or set "
            f"{BI_SNAPSHOT_ENV} to a published snapshot"
        )
    check_port_free(settings)
    init_home(settings)
    print(f"==> starting Superset on {settings.url} (log: {settings.home / 'superset.log'})")
    process = start_server(settings)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the finally below
    try:
        wait_until_healthy(settings, process)
        print(f"==> importing the dashboard of bi/dashboard/ on {settings.snapshot}")
        import_dashboard(settings)
        print(f"Superset is ready: {settings.dashboard_url}", flush=True)
        print(f"  log in as {settings.admin_user!r} (docs/bi.md); Ctrl-C stops Superset")
        process.wait()
        return process.returncode or 0
    except KeyboardInterrupt:
        return 0
    except OSError as error:  # the server went away while we talked to it
        log = settings.home / "superset.log"
        raise SetupError(
            f"Superset at {settings.url} stopped answering ({error}); see {log}"
        ) from error
    finally:
        stop_server(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bi/superset_setup.py", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "serve", help="prepare, start, import the dashboard, stay in the foreground"
    )
    write = commands.add_parser("bundle", help="write the dashboard's import ZIP")
    write.add_argument("--out", type=Path, required=True, help="the ZIP file to write")
    args = parser.parse_args(argv)
    try:
        settings = load_bi_settings()
        if args.command == "bundle":
            args.out.write_bytes(bundle(settings.snapshot))
            print(f"wrote {args.out} (database: {database_uri(settings.snapshot)})")
            return 0
        return serve(settings)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
