"""The example deployment files are valid and do what docs/deployment.md says: nginx accepts the site
(`nginx -t`), systemd accepts the units (`systemd-analyze verify`), and a real request goes through
nginx (TLS) to `yanglao serve` (gunicorn): request id passed on, a forged client address dropped,
an oversized upload refused with a Chinese page, hashed static files cached for a year."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import REPO, app_env, free_port, stop, wait_for, yanglao

DEPLOY = REPO / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _need_nginx() -> None:
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: apt-get install nginx-light (.ci/run installs it)")


def _certificate(directory: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "yanglao.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    chain, private = directory / "fullchain.pem", directory / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return chain, private


def _nginx_conf(tmp: Path, *, http_port: int = 80, https_port: int = 443, app: str = "127.0.0.1:8000",
                static_root: Path | None = None) -> Path:
    """The repository's site file inside a minimal nginx.conf, with this machine's paths and ports."""
    chain, key = _certificate(tmp)
    site = (DEPLOY / "nginx" / "yanglao.conf").read_text(encoding="utf-8")
    site = (site.replace("/etc/yanglao/tls/fullchain.pem", str(chain)).replace("/etc/yanglao/tls/privkey.pem", str(key))
            .replace("/etc/yanglao/nginx-proxy.conf", str(DEPLOY / "nginx" / "nginx-proxy.conf"))
            .replace("/var/log/nginx/", f"{tmp}/").replace("127.0.0.1:8000", app)
            .replace("/opt/yanglao/staticfiles/", f"{static_root or tmp}/")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
            .replace("listen [::]:443 ssl http2;", ""))
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / sub).mkdir(exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(f"""user root;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{site}
}}
""", encoding="utf-8")
    return conf


def test_nginx_accepts_the_site_file(tmp_path: Path) -> None:
    _need_nginx()
    conf = _nginx_conf(tmp_path)
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_nginx_body_limit_fits_the_largest_upload_the_application_accepts() -> None:
    site = (DEPLOY / "nginx" / "yanglao.conf").read_text(encoding="utf-8")
    limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    largest = max(mb for kind, (mb, _rows) in settings.UPLOAD_LIMITS.items() if kind != "people_cli")
    assert largest < limit <= largest + 5, f"client_max_body_size {limit}m, largest web upload {largest} MB"
    assert limit * 1024 * 1024 <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_systemd_units_are_valid(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed on this machine")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        name = unit.name.replace("@.service", "@default.service")  # verify an instance of the template
        text = unit.read_text(encoding="utf-8").replace("/opt/yanglao/.venv/bin/yanglao", shutil.which("true"))
        (tmp_path / name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / name))
    assert any(u.endswith("yanglao-worker@default.service") for u in units)

    def complaints(paths: list[str]) -> list[str]:
        result = subprocess.run([analyze, "verify", *paths], capture_output=True, text=True)
        return [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line]

    assert complaints(units) == []
    # and the check does see a broken unit on this machine (it is not silently passing everything)
    broken = tmp_path / "broken.service"
    broken.write_text((tmp_path / "yanglao-web.service").read_text().replace("Restart=on-failure", "Restart=sometimes"))
    assert complaints([str(broken)])
    for unit in ("yanglao-web.service", "yanglao-worker@.service", "yanglao-alarms.service"):
        assert "Restart=on-failure" in (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")


def _get(url: str, **kw):  # type: ignore[no-untyped-def]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, **kw)
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, {}, str(exc).encode()


@pytest.mark.django_db
def test_requests_go_through_nginx_to_gunicorn(tmp_path: Path) -> None:
    _need_nginx()
    static_root = tmp_path / "static"
    env = app_env(STATIC_ROOT=str(static_root), YANGLAO_STATIC_MANIFEST="true", YANGLAO_TRUSTED_PROXIES="127.0.0.1",
                  YANGLAO_VAR_DIR=str(tmp_path / "var"), YANGLAO_WEB_WORKERS="2")
    # hashed names as in production, without the slow compression step
    collect = subprocess.run(yanglao("collectstatic", "--noinput", "-v0"), cwd=REPO, capture_output=True, text=True,
                             env=env | {"DJANGO_SETTINGS_MODULE": "tests.ops.static_settings"})
    assert collect.returncode == 0, collect.stderr
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    web = subprocess.Popen(yanglao("serve", "--bind", f"127.0.0.1:{app_port}"), cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    conf = _nginx_conf(tmp_path, http_port=http_port, https_port=https_port, app=f"127.0.0.1:{app_port}",
                       static_root=static_root)
    proxy = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf)], stderr=subprocess.PIPE, text=True)
    try:
        base = f"https://127.0.0.1:{https_port}"
        wait_for(lambda: _get(f"{base}/health/live")[0] == 200, timeout=60, what="gunicorn behind nginx")
        status, headers, body = _get(f"{base}/health/live", headers={"X-Forwarded-For": "6.6.6.6"})
        assert status == 200 and b'"ok"' in body
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])  # nginx's $request_id, passed on
        # plain HTTP is redirected to HTTPS
        import http.client

        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/people/")
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.getheader("Location", "").startswith("https://")
        plain.close()
        # an upload larger than the limit is refused by nginx with a Chinese page, and never reaches the app
        status, headers, body = _get(f"{base}/people/import/", method="POST", data=b"x" * (43 * 1024 * 1024),
                                     headers={"Content-Type": "application/octet-stream"})
        assert status == 413 and "文件过大" in body.decode("utf-8")
        # hashed static files from whitenoise (gunicorn directly): cached for a year, immutable
        manifest = (static_root / "staticfiles.json").read_text(encoding="utf-8")
        hashed = re.search(r'"(vendor/[^"]+\.[0-9a-f]{12}\.css)"', manifest).group(1)
        status, headers, _ = _get(f"http://127.0.0.1:{app_port}/static/{hashed}")
        assert status == 200 and "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        stop(web)
    log = web.stdout.read() if web.stdout else ""
    lines = [line for line in log.splitlines() if '"logger": "yanglao.request"' in line]
    assert lines and all('"client": "127.0.0.1"' in line for line in lines), log[-2000:]
    assert "6.6.6.6" not in log
