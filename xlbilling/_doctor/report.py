"""What ``xlbilling doctor`` found: the steps of each API, every endpoint's findings, the settings lines to add."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from xlbilling._doctor.inspect import Findings


@dataclass
class Step:
    """One step of connecting to an API: ``ok`` is ``None`` when it did not apply (skipped)."""

    name: str
    ok: bool | None
    detail: str


@dataclass
class Endpoint:
    """One call: what was asked, how it went, and what its rows say about the field table."""

    name: str
    request: str
    seconds: float = 0.0
    status: int | None = None  # of the last answer received
    rows: int = 0
    pages: int = 0
    findings: Findings = field(default_factory=Findings)
    signs: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    error: str | None = None
    #: When the call failed: the query names sent, as ``billableOnly (billable_only)``.
    sent: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """The required columns no key filled."""
        return [c.column for c in self.findings.columns if c.required and c.key is None]


@dataclass
class ApiCheck:
    """Everything checked for one API; ``settings`` holds the lines to add, per config table."""

    api: str
    url: str | None = None
    steps: list[Step] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    settings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every step passed (or did not apply) and every endpoint answered with every required column."""
        steps = all(step.ok is not False for step in self.steps)
        return steps and not any(e.error or e.missing or e.findings.bad for e in self.endpoints)

    @property
    def configured(self) -> bool:
        """Whether a URL or token is set for this API (else it is skipped)."""
        return not (self.steps and self.steps[0].ok is None)

    def add_setting(self, table: str, line: str) -> None:
        """A line to add under ``[table]`` of the config file."""
        self.settings.setdefault(table, []).append(line)


@dataclass
class Report:
    """The doctor's whole finding, for the terminal or (``as_json``) a support ticket."""

    config_file: str
    apis: list[ApiCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """What the exit code says: 0 when an API is configured and each one configured is reachable and
        complete."""
        return any(check.configured for check in self.apis) and all(check.ok for check in self.apis)

    def settings_text(self) -> str:
        """The lines to add to the config file, as TOML (empty when there are none)."""
        blocks = []
        for check in self.apis:
            for table, lines in check.settings.items():
                blocks.append("\n".join([f"[{table}]", *lines]))
        return "\n\n".join(blocks) + ("\n" if blocks else "")

    def as_json(self) -> dict[str, Any]:
        """The report as plain data (no token is ever in it), with ``ok`` and the settings lines."""
        out = asdict(self)
        for check, shown in zip(self.apis, out["apis"], strict=True):
            shown["ok"] = check.ok
            for endpoint, data in zip(check.endpoints, shown["endpoints"], strict=True):
                data["missing"] = endpoint.missing
        return out | {"ok": self.ok, "settings_text": self.settings_text()}
