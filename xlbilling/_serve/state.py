"""What every route of the server shares: one ``Session`` (one cache for every user), the users' database,
the rate limit, the invoice jobs, and the server's own files (mapping, price list, register, template), loaded
once at start so a broken file stops the server with its message instead of failing request after request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xlbilling._errors import ConfigError

if TYPE_CHECKING:
    from starlette.requests import Request

    from xlbilling import Mapping, Period, PriceList, Register, Session
    from xlbilling._serve.ratelimit import RateLimit
    from xlbilling._serve.runs import Jobs
    from xlbilling._serve.settings import ServeSettings
    from xlbilling._serve.users import Users

_RESTART = "Restart `xlbilling serve` with {option} FILE (or {key} under [serve] in its config file)."


@dataclass(frozen=True)
class Files:
    """The server's own files, loaded (``None`` where not given)."""

    mapping: Mapping | None = None
    prices: PriceList | None = None
    prices_path: Path | None = None
    register: Register | None = None
    template: Path | None = None

    @classmethod
    def load(cls, settings: ServeSettings) -> Files:
        """Every file ``settings`` names, read with the loaders (their errors name the file and row)."""
        from xlbilling import load_mapping, load_prices, load_register

        return cls(
            mapping=load_mapping(*settings.mappings) if settings.mappings else None,
            prices=load_prices(settings.prices) if settings.prices else None,
            prices_path=settings.prices,
            register=load_register(settings.register) if settings.register else None,
            template=settings.template,
        )

    def needed_mapping(self) -> Mapping:
        """The product mapping; ``ConfigError`` telling the administrator how to give one."""
        if self.mapping is None:
            raise ConfigError("This server has no product mapping.", _RESTART.format(option="--mapping", key="mapping"))
        return self.mapping

    def needed_prices(self) -> PriceList:
        """The price list; ``ConfigError`` telling the administrator how to give one."""
        if self.prices is None:
            raise ConfigError("This server has no price list.", _RESTART.format(option="--prices", key="prices"))
        return self.prices

    def needed_register(self) -> Register:
        """The customer register (for e-invoices); ``ConfigError`` telling the administrator how to give one."""
        if self.register is None:
            raise ConfigError(
                "This server has no customer register, which e-invoices need.",
                _RESTART.format(option="--register", key="register"),
            )
        return self.register


@dataclass
class Server:
    """The server's shared parts."""

    settings: ServeSettings
    session: Session
    users: Users
    limit: RateLimit
    files: Files
    jobs: Jobs

    def period(self, text: str | None) -> Period:
        """The period containing the day ``text`` names (any day of it, an Excel serial), or the latest closed
        period for ``None``: as the command line's ``--period``."""
        from xlbilling import parse_period

        return self.session.latest_closed() if text is None else self.session.period(parse_period(text))

    def customer(self, text: str | None) -> str | None:
        """The customer code for a code, account code or name (``None`` stays ``None``)."""
        return None if text is None else self.session.customer(text)


def server_of(request: Request) -> Server:
    """The server a request reached."""
    found: Server = request.app.state.server
    return found


def user_of(request: Request) -> str:
    """The user the guard let in."""
    return str(request.state.user)
