"""A request's query read as the command line reads its options: the same names (``--billable-only`` is
``billable_only``, ``--from`` is ``from``), the same types, choices and defaults, taken from the click command
itself, so the two doors cannot drift apart. Booleans are ``true``/``false`` (or ``1``/``0``, ``yes``/``no``);
an empty value means the option was not given. Options naming the server's own files (a mapping, a price list,
an output file), and ``--refresh``, are not taken from a browser."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import click

from xlbilling._errors import InputError

SERVER_SIDE = frozenset(
    {"fmt", "output", "columns", "mappings", "prices", "reviews", "template", "out_dir", "register", "workers"}
    | {"refresh"}
)
"""The command line's options a request cannot give: output choices, the server's own files, and ``--refresh``
(asking the APIs again for every closed period the server keeps is the server's to decide, not a browser's)."""


def command(*path: str) -> click.Command:
    """The command line's command at ``path`` (``("summary",)``, ``("xarios", "show")``)."""
    from xlbilling._cli import main

    found: click.Command = main
    for name in path:
        assert isinstance(found, click.Group)
        sub = found.get_command(click.Context(found), name)
        assert sub is not None, f"no command {' '.join(path)}"
        found = sub
    return found


def query_name(param: click.Parameter, renamed: Mapping[str, str]) -> str:
    """What a request calls ``param``: its first long option without dashes, ``-`` as ``_``."""
    if param.name in renamed:
        return renamed[param.name]
    longs = [opt for opt in param.opts if opt.startswith("--")]
    return longs[0][2:].replace("-", "_") if longs else str(param.name)


def options(cli: click.Command, renamed: Mapping[str, str] | None = None) -> dict[str, click.Parameter]:
    """The options of ``cli`` a request may give, by their name in a query."""
    renamed = renamed or {}
    return {query_name(p, renamed): p for p in cli.params if p.name not in SERVER_SIDE and p.name != "help"}


def read_query(
    cli: click.Command, given: Iterable[tuple[str, str]], renamed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The values of ``cli``'s options (by their Python names, as its function takes them) from the query's
    ``given`` (name, value) pairs; ``InputError`` naming an unknown option, a value given twice for an option
    that takes one, or a value the option refuses."""
    known = options(cli, renamed)
    values: dict[str, list[str]] = {}
    for name, value in given:
        if name not in known:
            choices = ", ".join(known) or "none"
            raise InputError(f"Unknown option '{name}' for {cli.name}.", f"Its options are: {choices}.")
        if value.strip():
            values.setdefault(name, []).append(value.strip())
    context = click.Context(cli, info_name=cli.name)
    found: dict[str, Any] = {}
    for name, param in known.items():
        assert param.name is not None
        texts = values.get(name, [])
        if len(texts) > 1 and not param.multiple:
            raise InputError(f"{name} is given {len(texts)} times.", f"Give {name} once.")
        try:
            given_value = _given(param, texts, context)
            value, _ = param.consume_value(context, {param.name: given_value} if texts else {})
            value = param.process_value(context, value)
        except click.MissingParameter:
            raise InputError(f"No {name} given.", f"Add {name}=... to the query.") from None
        except click.BadParameter as error:
            raise InputError(f"{name}={','.join(texts)}: {error.message}") from None
        found[param.name] = None if not param.multiple and param.value_is_missing(value) else value
    return found


def _given(param: click.Parameter, texts: list[str], context: click.Context) -> Any:
    """What the command line's parser would hand ``param`` for ``texts``: the texts, or a flag's true/false."""
    if param.multiple:
        return texts
    if isinstance(param, click.Option) and param.is_flag and texts:
        return click.BOOL.convert(texts[0], param, context)
    return texts[0] if texts else None
