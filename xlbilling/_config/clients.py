"""Clients built from the user's settings (environment, config file, keyring), each with its API's shape."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlbilling._config.settings import Settings, load_settings

if TYPE_CHECKING:  # imported by the functions: the command line imports this module for --help too
    from xlbilling._apis.atria import Atria
    from xlbilling._apis.xarios import Xarios


def atria(settings: Settings | None = None) -> Atria:
    """An Atria client for the configured URL and token; ``ConfigError`` says which setting is missing."""
    from xlbilling._apis.atria import Atria

    chosen = settings or load_settings()
    return Atria(chosen.atria_client(), chosen.shape("atria"))


def xarios(settings: Settings | None = None) -> Xarios:
    """A Xarios client for the configured URL and token; ``ConfigError`` says which setting is missing."""
    from xlbilling._apis.xarios import Xarios

    chosen = settings or load_settings()
    return Xarios(chosen.xarios_client(), chosen.shape("xarios"))
