"""Where xlbilling's settings come from, and the API clients built from them.

First found wins: environment variables (``XLBILLING_ATRIA_URL``...), then the TOML config file
(``[atria] url/token``, ``[xarios] url/token``, ``[http] ca_bundle/timeout/retries/rate_limit_wait``), then
the OS keyring (tokens only: service ``xlbilling``, users ``atria_token`` / ``xarios_token``), then defaults.
A workbook's ``_xlbilling.conf`` sheet may set URLs and timeouts (``settings_from_mapping``) but never a token.
``xlbilling config`` shows every value and where it came from, with tokens masked.

How each API words its answers (``[atria.fields.<endpoint>]``, ``[atria.params]``, the path prefix, the
Xarios version, paging) comes from the config file only (``xlbilling._apis.spelling``). The seller whose invoices
these are (``xlbilling._config.seller``) comes from the ``[seller]`` table of the config file, each key overridden
by its environment variable ``XLBILLING_SELLER_<KEY>``. Without a name, invoices are SAMPLES.
"""

from __future__ import annotations

import logging
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from xlbilling._apis.spelling import FILE_KEYS as SHAPE_KEYS
from xlbilling._apis.spelling import SUB_TABLES, ApiShape, read_shapes
from xlbilling._config.close import CLOSE_KEYS, NOTIFY_KEYS, CloseSettings, read_close
from xlbilling._config.seller import SAMPLE_SELLER as SAMPLE_SELLER  # re-exported: the sample belongs with the settings
from xlbilling._config.seller import SELLER_KEYS, Seller, load_seller, seller_value, text_setting
from xlbilling._errors import ConfigError

if TYPE_CHECKING:  # httpx is imported when a client is made, not for `xlbilling config`
    from xlbilling._apis.transport.client import ApiClient

logger = logging.getLogger("xlbilling._config.settings")

KEYRING_SERVICE = "xlbilling"
#: Setting name -> environment variable.
ENV_VARS = {
    "atria_url": "XLBILLING_ATRIA_URL",
    "atria_token": "XLBILLING_ATRIA_TOKEN",
    "xarios_url": "XLBILLING_XARIOS_URL",
    "xarios_token": "XLBILLING_XARIOS_TOKEN",
    "ca_bundle": "XLBILLING_CA_BUNDLE",
    "timeout": "XLBILLING_TIMEOUT",
    "retries": "XLBILLING_RETRIES",
    "rate_limit_wait": "XLBILLING_RATE_LIMIT_WAIT",
}
#: Setting name -> (table, key) in the config file.
FILE_KEYS = {
    "atria_url": ("atria", "url"),
    "atria_token": ("atria", "token"),
    "xarios_url": ("xarios", "url"),
    "xarios_token": ("xarios", "token"),
    "ca_bundle": ("http", "ca_bundle"),
    "timeout": ("http", "timeout"),
    "retries": ("http", "retries"),
    "rate_limit_wait": ("http", "rate_limit_wait"),
}
TOKENS = ("atria_token", "xarios_token")
#: The keys of the ``[serve]`` table, read by ``xlbilling serve`` (``xlbilling._serve.settings``).
SERVE_KEYS = ("public_url", "mapping", "prices", "register", "template", "out", "db", "rate_limit")
#: What a workbook's ``_xlbilling.conf`` sheet may set.
WORKBOOK_KEYS = ("atria_url", "xarios_url", "timeout", "retries")
DEFAULTS: dict[str, Any] = {"timeout": 30.0, "retries": 3, "rate_limit_wait": 60.0}
CONFIG_ENV = "XLBILLING_CONFIG"
_APIS = {"atria": "Atria", "xarios": "Xarios"}


def _seconds(value: Any, where: str) -> float:
    """A number of seconds above 0 (a timeout, the rate-limit wait)."""
    try:
        seconds = float(str(value).strip()) if not isinstance(value, bool) else math.nan
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"{where} must be a number of seconds above 0, not {value!r}.", "e.g. 30")
    return seconds


def _count(value: Any, where: str) -> int:
    """A retry count: a whole number from 0 to 10."""
    try:
        count = int(str(value).strip()) if not isinstance(value, bool | float) else -1
    except ValueError:
        count = -1
    if not 0 <= count <= 10:
        raise ConfigError(f"{where} must be a whole number from 0 to 10, not {value!r}.", "e.g. 3")
    return count


_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "atria_url": text_setting,
    "atria_token": text_setting,
    "xarios_url": text_setting,
    "xarios_token": text_setting,
    "ca_bundle": text_setting,
    "timeout": _seconds,
    "retries": _count,
    "rate_limit_wait": _seconds,
}


def mask_token(token: str) -> str:
    """A token as ``xlbilling config`` shows it: ``eyJh…(redacted, 143 chars)``; short ones show nothing."""
    shown = token[:4] + "…" if len(token) >= 16 else ""
    return f"{shown}(redacted, {len(token)} chars)"


@dataclass(frozen=True)
class Settings:
    """Every setting, and in ``sources`` where each came from ("environment XLBILLING_ATRIA_URL",
    "config file /path", "keyring", "workbook", "default" or "not set")."""

    atria_url: str | None = None
    atria_token: str | None = None
    xarios_url: str | None = None
    xarios_token: str | None = None
    ca_bundle: str | None = None
    timeout: float = DEFAULTS["timeout"]
    retries: int = DEFAULTS["retries"]
    #: Seconds a request waits in all while the API answers 429 ("too many requests") before giving up.
    rate_limit_wait: float = DEFAULTS["rate_limit_wait"]
    sources: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    seller: Seller = field(default_factory=Seller)
    #: ``[seller]`` key -> where its value came from, as in ``sources``.
    seller_sources: Mapping[str, str] = field(default_factory=dict)
    #: ``"atria"`` / ``"xarios"`` -> how that API words its answers (the built-in tables when not configured).
    shapes: Mapping[str, ApiShape] = field(default_factory=dict)
    #: The month-end close's ``[close]`` and ``[notify]`` settings (``xlbilling._config.close``).
    close: CloseSettings = field(default_factory=CloseSettings)

    def shape(self, name: str) -> ApiShape:
        """How the API ``name`` ("atria" or "xarios") words its answers, as the config file says."""
        return self.shapes.get(name) or ApiShape(name)

    def atria_client(self, **options: Any) -> ApiClient:
        """An ``ApiClient`` for Atria; ``ConfigError`` naming what to set when the URL or token is missing."""
        return self._client("atria", **options)

    def xarios_client(self, **options: Any) -> ApiClient:
        """An ``ApiClient`` for Xarios; ``ConfigError`` naming what to set when the URL or token is missing."""
        return self._client("xarios", **options)

    def _client(self, name: str, **options: Any) -> ApiClient:
        from xlbilling._apis.transport.client import ApiClient

        api = _APIS[name]
        url, token = getattr(self, f"{name}_url"), getattr(self, f"{name}_token")
        in_file = f" in {self.config_file}" if self.config_file else ""
        if not url:
            raise ConfigError(
                f"No {api} URL is set.",
                f"Set {ENV_VARS[f'{name}_url']}, or url under [{name}]{in_file}.",
            )
        if not token:
            raise ConfigError(
                f"No {api} token is set.",
                f"Run `xlbilling config set-token {name}`, set {ENV_VARS[f'{name}_token']}, "
                f"or set token under [{name}]{in_file}.",
            )
        options.setdefault("timeout", self.timeout)
        options.setdefault("retries", self.retries)
        options.setdefault("rate_limit_wait", self.rate_limit_wait)
        options.setdefault("ca_bundle", self.ca_bundle)
        options.setdefault(
            "token_help",
            f"Then run `xlbilling config set-token {name}` or set {ENV_VARS[f'{name}_token']}.",
        )
        try:
            return ApiClient(api, url, token, **options)
        except ConfigError as error:
            origins = {self.sources.get(key, "") for key in (f"{name}_url", f"{name}_token", "ca_bundle")}
            origin = ", ".join(sorted(o for o in origins if o not in ("", "not set", "default")))
            raise ConfigError(error.message, f"{error.hint} (Settings from: {origin}.)") from None


def config_path() -> Path:
    """The config file: ``$XLBILLING_CONFIG`` if set, else ``config.toml`` in the user's config folder."""
    return _default_config_path(os.environ)


def _default_config_path(env: Mapping[str, str]) -> Path:
    override = env.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("xlbilling", appauthor=False)) / "config.toml"


def read_config_file(path: Path) -> dict[str, Any]:
    """The config file's settings by name (empty when there is no file); ``ConfigError`` if unreadable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"The config file {path} is not valid TOML: {error}.",
            'Fix that line (text values need quotes: url = "https://...") or delete the file.',
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"The config file {path} cannot be read ({error}).", "Check the file.") from None
    known = {*FILE_KEYS.values(), *SHAPE_KEYS, *(("seller", key) for key in SELLER_KEYS)}
    known |= {(api, table) for api in ("atria", "xarios") for table in SUB_TABLES}
    known |= {("serve", key) for key in SERVE_KEYS}
    known |= {("close", key) for key in CLOSE_KEYS} | {("notify", key) for key in NOTIFY_KEYS}
    for table, values in data.items():
        if not isinstance(values, dict):
            logger.warning("config file %s: %r is not a [table]; ignored", path, table)
            continue
        for key in values:
            if (table, key) not in known:
                logger.warning("config file %s: unknown setting %s under [%s]; ignored", path, key, table)
    found: dict[str, Any] = {"shapes": read_shapes(data, text, path), "close": read_close(data, path)}
    for name, (table, key) in FILE_KEYS.items():
        section = data.get(table)
        if isinstance(section, dict) and key in section:
            found[name] = _PARSERS[name](section[key], f"{key} under [{table}] in {path}")
    seller = data.get("seller")
    for key in SELLER_KEYS:
        if isinstance(seller, dict) and key in seller:
            found[f"seller_{key}"] = seller_value(key, seller[key], f"{key} under [seller] in {path}", path.parent)
    return found


def keyring_token(name: str) -> str | None:
    """The token stored in the OS keyring for ``name`` ("atria_token"), or None (also when no keyring works)."""
    try:
        import keyring

        token = keyring.get_password(KEYRING_SERVICE, name)
    except Exception as error:  # any backend failure means "not set"
        logger.debug("keyring: %s unavailable (%s)", name, type(error).__name__)
        return None
    return (token or "").strip() or None


def store_token(name: str, token: str) -> None:
    """Store the token of ``name`` ("atria" or "xarios") in the OS keyring; ``ConfigError`` if there is none."""
    from xlbilling._apis.transport.checks import token_problem

    api = _APIS[name]
    token = token.strip()
    if problem := token_problem(token):
        raise ConfigError(f"This {api} token cannot be used: {problem}.", "Paste the whole token on one line.")
    fallback = f"Set {ENV_VARS[f'{name}_token']} or token under [{name}] in {config_path()} instead."
    try:
        import keyring
        from keyring.errors import NoKeyringError

        keyring.set_password(KEYRING_SERVICE, f"{name}_token", token)
    except NoKeyringError:
        raise ConfigError("No OS keyring is available on this machine.", fallback) from None
    except Exception as error:  # a locked or refusing keyring; its message never holds the token
        raise ConfigError(f"The OS keyring did not store the token ({type(error).__name__}).", fallback) from None


def load_settings(
    env: Mapping[str, str] | None = None, config_path: Path | None = None, use_keyring: bool = True
) -> Settings:
    """The settings from the environment, the config file, the keyring and the defaults, in that order."""
    env = os.environ if env is None else env
    path = config_path if config_path is not None else _default_config_path(env)
    from_file = read_config_file(path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, variable in ENV_VARS.items():
        raw = env.get(variable, "").strip()
        if raw:
            values[name] = _PARSERS[name](raw, f"The environment variable {variable}")
            sources[name] = f"environment {variable}"
        elif from_file.get(name) is not None:
            values[name] = from_file[name]
            sources[name] = f"config file {path}"
        elif name in TOKENS and use_keyring and (token := keyring_token(name)):
            values[name] = token
            sources[name] = "keyring"
        elif name in DEFAULTS:
            values[name] = DEFAULTS[name]
            sources[name] = "default"
        else:
            sources[name] = "not set"
    seller, seller_sources = load_seller(env, from_file, path)
    return Settings(
        **values,
        sources=sources,
        config_file=path,
        seller=seller,
        seller_sources=seller_sources,
        shapes=from_file.get("shapes", {}),
        close=from_file.get("close", CloseSettings()),
    )


def settings_from_mapping(values: Mapping[str, Any], base: Settings) -> Settings:
    """``base`` with the URLs, timeout and retries a workbook's ``_xlbilling.conf`` sheet sets.

    Keys are matched loosely ("Atria URL", "atria.url", "atria_url"). Tokens are never read from a
    workbook: a token row is ignored with a warning, as is any unknown key.
    """
    changes: dict[str, Any] = {}
    sources = dict(base.sources)
    for raw_key, value in values.items():
        key = "_".join(str(raw_key).strip().lower().replace(".", " ").replace("-", " ").split())
        if "token" in key or "secret" in key or "password" in key:
            logger.warning(
                "workbook setting %r ignored: tokens are never read from a workbook; delete that row and "
                "use `xlbilling config set-token` or an environment variable",
                raw_key,
            )
            continue
        if key not in WORKBOOK_KEYS:
            logger.warning("workbook setting %r ignored: a workbook may set only %s", raw_key, WORKBOOK_KEYS)
            continue
        if value is None or not str(value).strip():
            continue
        parsed = _PARSERS[key](str(value), f"The workbook setting {raw_key!r}")
        if key in ("atria_url", "xarios_url"):
            _check_workbook_url(key, parsed, getattr(base, key))
        changes[key] = parsed
        sources[key] = "workbook"
    return replace(base, **changes, sources=sources)


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _check_workbook_url(key: str, url: str, configured: str | None) -> None:
    """A workbook may not send the user's token anywhere the user did not choose.

    A workbook URL is accepted for a loopback sandbox, or for the host of the URL the user configured
    (another path or port is fine) without dropping from https to http. Anything else is refused.
    """
    api = key.split("_")[0].capitalize()
    variable = ENV_VARS[key]
    try:
        wanted = urlsplit(url)
        host = wanted.hostname
        known = urlsplit(configured) if configured else None
    except ValueError:
        raise ConfigError(
            f"The workbook's {api} URL '{url}' is not a valid URL.", "Correct or clear it on the _xlbilling.conf sheet."
        ) from None
    if host in _LOOPBACK:
        return
    if known is None or host != known.hostname:
        where = f"not to the configured {known.hostname}" if known else f"and {variable} is not set"
        raise ConfigError(
            f"This workbook asks to send your {api} token to {host}, {where}.",
            f"If you trust that host, set {variable} to it yourself; otherwise clear the workbook's "
            "_xlbilling.conf URL.",
        )
    if known.scheme == "https" and wanted.scheme != "https":
        raise ConfigError(
            f"This workbook names {api} at {url}, without the https you configured.",
            "Tokens are only sent over https there; correct the URL on the _xlbilling.conf sheet.",
        )
