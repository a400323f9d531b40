"""Settings: where each value comes from, what the user sees in ``xlbilling config``, and clear errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend
from keyring.backends import fail

from xlbilling._cli import main
from xlbilling._config.settings import (
    ENV_VARS,
    Settings,
    config_path,
    load_settings,
    mask_token,
    settings_from_mapping,
)
from xlbilling._errors import AuthError, ConfigError

ENV_TOKEN = "eyJhbGciOiJIUzI1NiJ9.ZW52aXJvbm1lbnQ.Qx7Tz0Vb1Kq9"
FILE_TOKEN = "eyJhbGciOiJIUzI1NiJ9.ZmlsZQ.Wm3Pf8Rc2Yu4"
KEYRING_TOKEN = "eyJhbGciOiJIUzI1NiJ9.a2V5cmluZw.Hd5Ns6Jx0Ge7"


def shows_secret(token: str, text: str) -> bool:
    """True when ``text`` holds any 5 characters of ``token`` in a row (a mask shows at most 4)."""
    return any(token[i : i + 5] in text for i in range(len(token) - 4))


class MemoryKeyring(KeyringBackend):
    """An OS keyring that lives in memory."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.passwords[(service, username)]


class BrokenKeyring(MemoryKeyring):
    """A keyring whose backend fails (a locked D-Bus session, a Windows credential error)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("D-Bus session is locked")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No XLBILLING_* variable leaks in from the machine; the config file lives in tmp_path."""
    for variable in ENV_VARS.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XLBILLING_CONFIG", str(tmp_path / "config.toml"))


def use_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[KeyringBackend]:
    yield from use_keyring(MemoryKeyring())


@pytest.fixture
def no_keyring() -> Iterator[KeyringBackend]:
    yield from use_keyring(fail.Keyring())


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[atria]
url = "https://atria.from-file.example"
token = "{FILE_TOKEN}"

[xarios]
url = "https://api.eu.myreports.cloud"

[http]
timeout = 12
retries = 5
rate_limit_wait = 90
""",
        encoding="utf-8",
    )
    return path


def test_environment_beats_config_file_beats_keyring_beats_default(
    config_file: Path, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password("xlbilling", "atria_token", KEYRING_TOKEN)
    memory_keyring.set_password("xlbilling", "xarios_token", KEYRING_TOKEN)
    env = {"XLBILLING_ATRIA_URL": "https://atria.from-env.example", "XLBILLING_RETRIES": "1"}
    settings = load_settings(env, config_file)
    assert settings.atria_url == "https://atria.from-env.example"
    assert settings.atria_token == FILE_TOKEN
    assert settings.xarios_url == "https://api.eu.myreports.cloud"
    assert settings.xarios_token == KEYRING_TOKEN
    assert (settings.timeout, settings.retries, settings.rate_limit_wait, settings.ca_bundle) == (12.0, 1, 90.0, None)
    assert dict(settings.sources) == {
        "atria_url": "environment XLBILLING_ATRIA_URL",
        "atria_token": f"config file {config_file}",
        "xarios_url": f"config file {config_file}",
        "xarios_token": "keyring",
        "ca_bundle": "not set",
        "timeout": f"config file {config_file}",
        "retries": "environment XLBILLING_RETRIES",
        "rate_limit_wait": f"config file {config_file}",
    }


def test_an_environment_token_beats_the_file_and_an_empty_variable_counts_as_unset(config_file: Path) -> None:
    settings = load_settings({"XLBILLING_ATRIA_TOKEN": ENV_TOKEN, "XLBILLING_XARIOS_URL": "  "}, config_file, False)
    assert settings.atria_token == ENV_TOKEN
    assert settings.xarios_url == "https://api.eu.myreports.cloud"


def test_nothing_set_gives_defaults(tmp_path: Path, no_keyring: KeyringBackend) -> None:
    settings = load_settings({}, tmp_path / "missing.toml")
    assert (settings.atria_url, settings.atria_token, settings.timeout, settings.retries) == (None, None, 30.0, 3)
    assert settings.rate_limit_wait == 60.0
    assert settings.sources["atria_token"] == "not set"
    assert settings.sources["timeout"] == "default"


@pytest.fixture
def broken_keyring() -> Iterator[KeyringBackend]:
    yield from use_keyring(BrokenKeyring())


def test_a_missing_keyring_means_not_set(tmp_path: Path, no_keyring: KeyringBackend) -> None:
    assert load_settings({}, tmp_path / "none.toml").sources["xarios_token"] == "not set"


def test_a_failing_keyring_means_not_set(tmp_path: Path, broken_keyring: KeyringBackend) -> None:
    settings = load_settings({}, tmp_path / "none.toml")
    assert (settings.xarios_token, settings.sources["xarios_token"]) == (None, "not set")


def test_use_keyring_false_never_asks_the_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("xlbilling", "atria_token", KEYRING_TOKEN)
    assert load_settings({}, tmp_path / "none.toml", use_keyring=False).atria_token is None
    assert load_settings({}, tmp_path / "none.toml").atria_token == KEYRING_TOKEN


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[atria]\nurl = https://atria.example\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, path, use_keyring=False)
    assert str(path) in caught.value.message and "line 2" in caught.value.message
    assert 'url = "https://..."' in caught.value.hint


def test_a_wrong_value_names_the_setting_and_where_it_came_from(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[http]\ntimeout = "soon"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"timeout under \[http\] in .*config.toml must be a number of seconds"):
        load_settings({}, path, use_keyring=False)
    with pytest.raises(ConfigError, match="XLBILLING_RETRIES must be a whole number from 0 to 10, not 'lots'"):
        load_settings({"XLBILLING_RETRIES": "lots"}, tmp_path / "none.toml", use_keyring=False)
    with pytest.raises(ConfigError, match="XLBILLING_RATE_LIMIT_WAIT must be a number of seconds above 0, not '0'"):
        load_settings({"XLBILLING_RATE_LIMIT_WAIT": "0"}, tmp_path / "none.toml", use_keyring=False)


def test_an_unknown_key_in_the_file_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[atria]\ntokn = "x"\n', encoding="utf-8")
    load_settings({}, path, use_keyring=False)
    assert "unknown setting tokn under [atria]" in caplog.text


def test_config_path_honours_xlbilling_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert config_path() == tmp_path / "config.toml"
    monkeypatch.delenv("XLBILLING_CONFIG")
    assert config_path().parts[-2:] == ("xlbilling", "config.toml")


def test_a_missing_url_or_token_says_which_variable_to_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path / "none.toml", use_keyring=False).atria_client()
    assert caught.value.message == "No Atria URL is set."
    assert "XLBILLING_ATRIA_URL" in caught.value.hint and "url under [atria]" in caught.value.hint
    settings = load_settings({"XLBILLING_XARIOS_URL": "https://x.example"}, tmp_path / "none.toml", use_keyring=False)
    with pytest.raises(ConfigError) as caught:
        settings.xarios_client()
    assert caught.value.message == "No Xarios token is set."
    assert "xlbilling config set-token xarios" in caught.value.hint and "XLBILLING_XARIOS_TOKEN" in caught.value.hint


def test_a_missing_ca_bundle_names_its_source(tmp_path: Path) -> None:
    env = {
        "XLBILLING_ATRIA_URL": "https://atria.example",
        "XLBILLING_ATRIA_TOKEN": ENV_TOKEN,
        "XLBILLING_CA_BUNDLE": str(tmp_path / "corp.pem"),
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env, tmp_path / "none.toml", use_keyring=False).atria_client()
    assert caught.value.message == f"The CA bundle {tmp_path / 'corp.pem'} does not exist."
    assert "environment XLBILLING_CA_BUNDLE" in caught.value.hint
    assert ENV_TOKEN not in str(caught.value)


def test_a_client_from_settings_sends_the_token_and_says_how_to_replace_it(config_file: Path) -> None:
    seen: list[httpx.Request] = []

    def reject(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401)

    settings = load_settings({}, config_file, use_keyring=False)
    with settings.atria_client(transport=httpx.MockTransport(reject)) as client, pytest.raises(AuthError) as caught:
        client.get_json("summary", "/api/Billing/2026-10-31/summary")
    assert seen[0].url.host == "atria.from-file.example"
    assert seen[0].headers["authorization"] == f"Bearer {FILE_TOKEN}"
    assert "xlbilling config set-token atria" in caught.value.hint


def test_mask_token_shows_at_most_four_characters() -> None:
    token = "eyJh" + "x" * 139
    assert mask_token(token) == "eyJh…(redacted, 143 chars)"
    assert mask_token("short-secret") == "(redacted, 12 chars)"


def test_a_workbook_may_set_urls_and_timeout_but_never_a_token(caplog: pytest.LogCaptureFixture) -> None:
    base = Settings(
        atria_url="https://atria.customer.example", atria_token=ENV_TOKEN, sources={"atria_token": "keyring"}
    )
    sheet = {
        "Atria URL": "https://atria.customer.example/v2",
        "timeout": "45",
        "atria.token": "stolen",
        "colour": "red",
    }
    settings = settings_from_mapping(sheet, base)
    assert (settings.atria_url, settings.timeout, settings.atria_token) == (
        "https://atria.customer.example/v2",
        45.0,
        ENV_TOKEN,
    )
    assert settings.sources["atria_url"] == "workbook" and settings.sources["atria_token"] == "keyring"
    assert "tokens are never read from a workbook" in caplog.text
    assert "'colour' ignored" in caplog.text
    with pytest.raises(ConfigError, match="The workbook setting 'timeout' must be a number of seconds"):
        settings_from_mapping({"timeout": "-1"}, base)


def test_a_workbook_cannot_send_the_token_to_another_host() -> None:
    base = Settings(atria_url="https://atria.msp.example", atria_token=ENV_TOKEN, sources={})
    same_host = settings_from_mapping({"atria url": "https://atria.msp.example:8443/"}, base)
    assert same_host.atria_url == "https://atria.msp.example:8443/"
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"atria url": "https://collector.evil.example"}, base)
    assert "send your Atria token to collector.evil.example, not to the configured atria.msp.example" in str(
        caught.value
    )
    assert "set XLBILLING_ATRIA_URL to it yourself" in str(caught.value)
    with pytest.raises(ConfigError, match="without the https you configured"):
        settings_from_mapping({"atria url": "http://atria.msp.example"}, base)
    unconfigured = Settings(atria_url=None, atria_token=ENV_TOKEN, sources={})
    with pytest.raises(ConfigError, match=r"collector\.evil\.example, and XLBILLING_ATRIA_URL is not set"):
        settings_from_mapping({"atria url": "https://collector.evil.example"}, unconfigured)
    sandbox = settings_from_mapping({"atria url": "http://127.0.0.1:8765"}, unconfigured)
    assert sandbox.atria_url == "http://127.0.0.1:8765"
    with pytest.raises(ConfigError, match="is not a valid URL"):
        settings_from_mapping({"atria url": "https://[atria.example.com/"}, base)


# --- the `xlbilling config` command ----------------------------------------------------------------------


def test_config_shows_each_value_and_source_but_never_a_token(
    config_file: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_keyring.set_password("xlbilling", "xarios_token", KEYRING_TOKEN)
    monkeypatch.setenv("XLBILLING_ATRIA_TOKEN", ENV_TOKEN)
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert lines["config"] == f"config file: {config_file}"
    assert f"eyJh…(redacted, {len(ENV_TOKEN)} chars)" in lines["atria_token"]
    assert lines["atria_token"].endswith("environment XLBILLING_ATRIA_TOKEN")
    assert f"eyJh…(redacted, {len(KEYRING_TOKEN)} chars)" in lines["xarios_token"]
    assert lines["xarios_token"].endswith("keyring")
    assert "https://atria.from-file.example" in lines["atria_url"]
    assert lines["timeout"].split()[1:3] == ["12.0", "config"]
    assert lines["rate_limit_wait"].split()[1:3] == ["90.0", "config"]
    for token in (ENV_TOKEN, FILE_TOKEN, KEYRING_TOKEN):
        assert not shows_secret(token, result.output)


def test_config_path_prints_the_file(config_file: Path) -> None:
    result = CliRunner().invoke(main, ["config", "--path"])
    assert (result.exit_code, result.output) == (0, f"{config_file}\n")


def test_config_with_a_broken_file_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[http\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 2
    assert result.output.startswith("error: The config file") and "line 1" in result.output


def test_set_token_stores_it_in_the_keyring(memory_keyring: MemoryKeyring) -> None:
    result = CliRunner().invoke(main, ["config", "set-token", "atria"], input=f"{KEYRING_TOKEN}\n")
    assert result.exit_code == 0, result.output
    assert memory_keyring.get_password("xlbilling", "atria_token") == KEYRING_TOKEN
    assert "Stored the Atria token in the OS keyring" in result.output
    assert not shows_secret(KEYRING_TOKEN, result.output)


def test_set_token_notes_when_another_source_wins(config_file: Path, memory_keyring: MemoryKeyring) -> None:
    result = CliRunner().invoke(main, ["config", "set-token", "atria"], input=f"{KEYRING_TOKEN}\n")
    assert result.exit_code == 0, result.output
    assert f"the token from the config file {config_file} is used before the keyring" in result.output


def test_set_token_without_a_keyring_suggests_the_alternatives(no_keyring: KeyringBackend, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["config", "set-token", "xarios"], input=f"{KEYRING_TOKEN}\n")
    assert result.exit_code == 2
    assert "No OS keyring is available on this machine." in result.output
    assert "XLBILLING_XARIOS_TOKEN" in result.output and str(tmp_path / "config.toml") in result.output
    assert not shows_secret(KEYRING_TOKEN, result.output)


def test_set_token_refuses_an_empty_or_broken_token(memory_keyring: MemoryKeyring) -> None:
    for typed in ("\n", "eyJh…(redacted, 143 chars)\n", "short\n"):
        result = CliRunner().invoke(main, ["config", "set-token", "atria"], input=typed)
        assert result.exit_code == 2
        assert "This Atria token cannot be used" in result.output
    assert memory_keyring.passwords == {}


def test_set_token_logs_nothing_secret(memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    CliRunner().invoke(main, ["--debug", "config", "set-token", "atria"], input=f"{KEYRING_TOKEN}\n")
    assert KEYRING_TOKEN not in caplog.text
