"""The phone app's shell: page, service worker, manifest — all served from the repository, so the
app can be cached and reopened with no network."""

import json
import re

from django.test import Client


def _content(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_it_serves_the_app_page_without_a_sign_in(db):
    response = Client(headers={"accept-language": "zh-CN"}).get("/collect/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'rel="manifest" href="/collect/manifest.webmanifest"' in html
    assert 'data-sw="/collect/sw.js"' in html and 'data-api-batch="/api/v1/collect/uploads/batch"' in html
    strings = json.loads(re.search(r'id="collect-strings"[^>]*>(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert strings["pending"] == "待发送" and strings["rejected"] == "未通过"
    assert "保存到本机" in html


def test_it_serves_a_service_worker_that_caches_the_whole_shell(db):
    client = Client()
    response = client.get("/collect/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/collect/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", script).group(1))  # type: ignore[union-attr]
    assert (
        "/collect/" in shell
        and "/static/collect/collect.js" in shell
        and "/static/collect/collect.css" in shell
    )
    for url in shell:
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        assert _content(fetched), url
    # The cache name changes with the files it holds, so phones pick up a new version.
    assert re.search(r'const CACHE = CACHE_PREFIX \+ "[0-9a-f]{16}";', script)


def test_it_serves_a_web_app_manifest(db):
    response = Client(headers={"accept-language": "zh-CN"}).get("/collect/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/collect/" and manifest["scope"] == "/collect/"
    assert manifest["display"] == "standalone" and manifest["name"] == "工会现场采集"


def test_it_keeps_personal_data_out_of_the_phone_script(db):
    """The queue stores only the envelope and a masked label; the script never writes plaintext."""
    script = _content(Client().get("/static/collect/collect.js")).decode()
    saved = re.search(r"await saveRecord\(state\.db, \{(.*?)\}\);", script, re.S)
    assert saved is not None
    assert set(re.findall(r"^\s*(\w+)[:,]", saved.group(1), re.M)) == {
        "uuid", "label", "envelope", "status", "code", "message", "createdAt"
    }  # fmt: skip
    assert (
        "extractable" not in script or 'generateKey({ name: "ECDSA", namedCurve: "P-256" }, false' in script
    )
