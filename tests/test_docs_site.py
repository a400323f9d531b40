"""The documentation site: ``mkdocs build --strict`` passes offline, its pages load nothing from the network,
and the Python API page shows what the package exports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import xlbilling
from tests.doc_blocks import ROOT

OFFLINE = "http://offline.invalid:1"
"""A proxy that cannot be reached (``.invalid`` never resolves): a build that fetches anything fails."""
REMOTE = re.compile(r"<(?:link|script|img|iframe)\b[^>]*\b(?:href|src)=\"(?:https?:)?//[^\"]*\"")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``mkdocs build --strict`` of ``docs/mkdocs.yml`` into a temporary folder, every proxy unreachable."""
    site = tmp_path_factory.mktemp("docs") / "site"
    env = os.environ | {"HTTP_PROXY": OFFLINE, "HTTPS_PROXY": OFFLINE, "ALL_PROXY": OFFLINE, "NO_PROXY": ""}
    env |= {"NO_MKDOCS_2_WARNING": "1"}  # Material's notice about its end of life, printed on every build
    config = ROOT / "docs" / "mkdocs.yml"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False), site


def test_the_docs_site_builds_strictly_without_the_network(
    built: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, site = built
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    pages = {path.relative_to(site).as_posix() for path in site.rglob("index.html")}
    assert {"index.html", "getting-started/index.html", "python/index.html", "excel/formulas/index.html"} <= pages
    assert (site / "invoice.png").read_bytes() == (ROOT / "docs" / "pages" / "invoice.png").read_bytes()


def test_no_page_loads_anything_from_the_network(built: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, site = built
    remote = {
        path.relative_to(site).as_posix(): found
        for path in site.rglob("*.html")
        if (found := REMOTE.findall(path.read_text(encoding="utf-8")))
    }
    assert not remote, f"pages that load fonts, scripts or pictures from the network: {remote}"


def test_the_python_api_page_documents_every_name_the_package_exports(
    built: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, site = built
    page = (site / "python" / "index.html").read_text(encoding="utf-8")
    documented = set(re.findall(r'id="xlbilling\.(\w+)"', page))
    assert {name for name in xlbilling.__all__ if not name.startswith("_")} <= documented
    assert not {name for name in documented if name.startswith("_")}
