"""How an API words its answers, from the config file: spellings per endpoint and column, query names, the
path prefix and version, paging; each error names the file and the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlbilling._apis import fields
from xlbilling._apis.atria import Atria
from xlbilling._apis.spelling import APIS, ApiShape
from xlbilling._apis.transport.client import ApiClient
from xlbilling._cli import main
from xlbilling._config.settings import load_settings
from xlbilling._errors import ConfigError
from xlbilling._sandbox import Sandbox
from xlbilling._values.period import Period

CONFIG = """\
[atria]
url = "https://atria.example.com"
path = "/api/v1/Billing"
page_size = 500

[atria.fields.summary]
last_count = "PreviousQuantity"
this_count = ["CurrentQuantity", "Qty"]

[atria.params]
billable_only = "billable"

[xarios]
version = "v2"

[xarios.fields.items]
tenant_name = "CustomerName"
"""


def settings_of(tmp_path: Path, text: str) -> ApiShape:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(env={}, config_path=path, use_keyring=False).shape("atria")


def test_the_file_extends_the_built_in_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(env={}, config_path=path, use_keyring=False)
    atria, xarios = settings.shape("atria"), settings.shape("xarios")
    last = next(f for f in atria.table("summary") if f.column == "last_count")
    assert last.keys == ("PreviousQuantity", "lastMonthCount", "lastCount")  # added before, never replacing
    assert next(f for f in atria.table("summary") if f.column == "this_count").keys[:2] == ("CurrentQuantity", "Qty")
    assert atria.table("detail") == fields.ATRIA_DETAIL
    assert (atria.prefix, atria.page_size, atria.param("billable_only"), atria.param("by_customer")) == (
        "/api/v1/Billing", 500, "billable", "aggregateByCustomer",
    )  # fmt: skip
    assert xarios.prefix == "/api/v2"
    assert next(f for f in xarios.table("items") if f.column == "tenant_name").keys == ("CustomerName", "TenantName")
    assert atria.sources["fields.summary.last_count"] == f"config file {path}, line 7"


def test_every_endpoint_the_settings_page_names_exists() -> None:
    readme = (Path(__file__).parents[1] / "docs" / "pages" / "settings.md").read_text(encoding="utf-8")
    for api, (endpoints, params, _, _) in APIS.items():
        for endpoint, table in endpoints.items():
            assert f"[{api}.fields.{endpoint}]" in readme
            for spec in table:
                assert f"`{spec.column}`" in readme, (endpoint, spec.column)
        for name in params:
            assert f"`{name}`" in readme


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[atria.fields.sumary]\nlast_count = "X"\n', "line 1: [atria.fields.sumary] names no endpoint"),
        ('[atria.fields.summary]\n\nlast_cnt = "X"\n', "line 3: summary has no column last_cnt"),
        (
            "[atria.fields.summary]\nlast_count = 3\n",
            "line 2: last_count under [atria.fields.summary] must be a JSON key",
        ),
        ('[atria.params]\nbillable = "x"\n', "line 2: [atria.params] has no parameter billable"),
        ('[atria]\npage_size = "big"\n', "line 2: page_size under [atria] must be a whole number"),
        ('[xarios]\nversion = "/api/v2"\n', 'line 2: version under [xarios] must be like "v1.0"'),
        ('[atria]\nfields = "summary"\n', "line 2: fields under [atria] must be a table"),
    ],
)
def test_a_wrong_setting_names_the_file_and_line(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_of(tmp_path, text)
    assert str(caught.value).startswith(f"{tmp_path / 'config.toml'}, {words}")


def test_a_wrong_setting_is_one_line_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[atria.fields.summary]\nlast_cnt = "X"\n', encoding="utf-8")
    monkeypatch.setenv("XLBILLING_CONFIG", str(path))
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: {path}, line 2: summary has no column last_cnt. Use one of: customer_code, customer_name, "
        "account_code, sku, billable, grouping, last_count, this_count, difference."
    ]


def test_config_shows_each_spelling_and_where_it_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("XLBILLING_CONFIG", str(path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    lines = CliRunner().invoke(main, ["config"]).output.splitlines()
    rows = [re.split(r"\s{2,}", line) for line in lines]  # name, value and source, in columns (test_messages.py)
    assert ["[atria.fields.summary] this_count", '"CurrentQuantity", "Qty"', f"config file {path}, line 8"] in rows
    assert ["[atria.params] billable_only", '"billable"', f"config file {path}, line 11"] in rows
    assert ["atria.path", "/api/v1/Billing", f"config file {path}, line 3"] in rows
    assert ["xarios.max_pages", "1000", "default"] in rows


def test_renamed_keys_paths_and_parameters_are_read_from_the_sandbox(speak: object, period: Period) -> None:
    sandbox: Sandbox = speak("renamed")  # type: ignore[operator]
    shape = ApiShape(
        "atria",
        extra={"summary": {"sku": ("ProductCode",), "last_count": ("PreviousQuantity",),
                           "this_count": ("CurrentQuantity",), "customer_code": ("CustomerId",)}},
        params={"billable_only": "billable", "by_customer": "groupByCustomer"},
        path="/api/v1/Billing",
    )  # fmt: skip
    summary = Atria(ApiClient("Atria", sandbox.url, sandbox.token), shape).summary(period)
    assert summary["this_count"].sum() > 0 and summary["customer_code"].notna().all()
    assert sandbox.requests[-1] == "GET /api/v1/Billing/2026-10-31?billable=false&groupByCustomer=true"


def test_the_command_line_offers_every_dialect_the_sandbox_speaks() -> None:
    from xlbilling._cli.sandbox import DIALECTS
    from xlbilling._sandbox.dialects import NAMES

    assert DIALECTS == NAMES
