"""A close's notifications through Apprise, to receivers on loopback: one e-mail with the period and the money at
stake in its subject and the report attached, a webhook's JSON with report.json attached, and a target that is
down said in the report and the exit code, its URL's secrets shown nowhere."""

from __future__ import annotations

import base64
import email
import json
import os
import shutil
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.close_support import MAPPING, PRICES, close_args, closed_port, smtp_server, webhook
from xlbilling._cli import main
from xlbilling._close.secrets import Secrets, shown

pytestmark = pytest.mark.usefixtures("sandbox_env")
SECRET = "s3cr3t-Pa55word"


def test_one_mail_and_one_webhook_call_carry_the_headline_and_the_report(tmp_path: Path) -> None:
    with smtp_server() as (mailbox, smtp), webhook() as (received, port):
        mailto = f"mailto://127.0.0.1:{smtp}?from=close@example.com&to=billing@example.com&mode=insecure"
        hook = f"json://127.0.0.1:{port}/close?token={SECRET}"
        ran = CliRunner().invoke(main, [*close_args(tmp_path / "close"), "--notify", mailto, "--notify", hook])
    assert ran.exit_code == 1, ran.output  # the seeded differences need a person; both notifications went
    report = json.loads((tmp_path / "close" / "2026-10" / "report.json").read_text(encoding="utf-8"))
    assert [(n["to"], n["status"]) for n in report["notifications"]] == [
        (f"mailto://127.0.0.1:{smtp}/…", "sent"),
        (f"json://127.0.0.1:{port}/…", "sent"),
    ]
    (mail,) = mailbox.messages
    message = email.message_from_bytes(mail.content)
    assert mail.rcpt_tos == ["billing@example.com"]
    assert message["Subject"] == report["headline"]
    assert "October 2026" in message["Subject"] and "72.00 leaked, 252.50 over-billed" in message["Subject"]
    (attached,) = [part for part in message.walk() if part.get_filename()]
    assert attached.get_filename() == "report.html"
    assert report["headline"] in _text(attached).replace("&#x27;", "'")
    ((call,),) = [[r for r in received]]
    assert call["path"].startswith("/close") and call["json"]["title"] == report["headline"]
    (attachment,) = call["json"]["attachments"]
    assert attachment["filename"] == "report.json"
    sent = json.loads(base64.b64decode(attachment["base64"]))
    assert sent["money"] == report["money"] and sent["period"]["end"] == "2026-10-31"
    assert SECRET not in ran.output and SECRET not in json.dumps(report)


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_a_target_that_is_down_is_said_in_the_report_and_the_exit_code_but_not_its_secret(tmp_path: Path) -> None:
    config = Path(os.environ["XLBILLING_CONFIG"])
    config.write_text('[seller]\nname = "Example MSP Ltd"\n', encoding="utf-8")  # no SAMPLE invoices
    with webhook() as (received, port), closed_port() as down:
        up, dead = f"json://127.0.0.1:{port}/close", f"json://billing:{SECRET}@127.0.0.1:{down}/hook"
        args = [*close_args(tmp_path / "close"), "--period", "2026-06-30"]  # a period with no seeded difference
        quiet = CliRunner().invoke(main, [*args, "--notify", up])
        assert quiet.exit_code == 0, quiet.output  # nothing needs a person
        ran = CliRunner().invoke(
            main, [*close_args(tmp_path / "other"), "--period", "2026-06-30", "--notify", up, "--notify", dead]
        )
    assert ran.exit_code == 1, "the close itself was fine: the failed notification needs a person"
    folder = tmp_path / "other" / "2026-06"
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["needs"] == [] and report["exit_code"] == 1
    assert [(n["to"], n["status"]) for n in report["notifications"]] == [
        (f"json://127.0.0.1:{port}/…", "sent"),
        (f"json://billing@127.0.0.1:{down}/…", "failed"),
    ]
    assert "error occurred sending JSON notification" in str(report["notifications"][1]["error"])
    assert ran.stdout.startswith("Close of June 2026: GBP ") and "nothing needs a person" in ran.stdout
    assert f"notification to json://billing@127.0.0.1:{down}/…: failed" in ran.stderr
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "notification failed" in page
    for said in (ran.output, json.dumps(report), page):
        assert SECRET not in said
    assert len(received) == 2, "the target that is up heard of both closes"


def test_secrets_in_urls_are_never_shown() -> None:
    urls = [
        f"mailto://bob:{SECRET}@smtp.example.com:587?to=team@example.com",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        f"json://hooks.example.com/in/{SECRET}",
    ]
    secrets = Secrets(urls)
    assert [shown(url) for url in urls] == [
        "mailto://bob@smtp.example.com:587/…",
        "slack://…",
        "json://hooks.example.com/…",
    ]
    told = secrets.mask(
        f"failed: {urls[0]}; {urls[1]}; token TIiajkdnlazkcOXrIdevi7FQ; {SECRET} refused by smtp.example.com"
    )
    assert told == (
        "failed: mailto://bob@smtp.example.com:587/…; slack://…; token ***; *** refused by smtp.example.com"
    )


def test_a_close_that_could_not_run_tells_every_target_why(
    tmp_path: Path, faults: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XLBILLING_RETRIES", "0")
    faults(status=503, count=-1, paths="/api/v1.0/")  # Xarios down
    with webhook() as (received, port):
        ran = CliRunner().invoke(main, [*close_args(tmp_path / "close"), "--notify", f"json://127.0.0.1:{port}/close"])
    assert ran.exit_code == 3
    (call,) = received
    assert call["json"]["title"].startswith("xlbilling close could not run: Xarios ")
    said = next(line for line in ran.stderr.splitlines() if line.startswith("error: "))
    assert call["json"]["title"] == said.replace("error: ", "xlbilling close could not run: ")
    assert not call["json"].get("attachments"), "no report: nothing was written"


def test_a_scheduled_close_takes_everything_from_the_config_file(tmp_path: Path) -> None:
    config = Path(os.environ["XLBILLING_CONFIG"])
    for source in (PRICES, MAPPING):
        shutil.copyfile(source, config.parent / source.name)
    with webhook() as (received, port):
        config.write_text(
            f'[close]\nout = "{tmp_path / "scheduled"}"\nprices = "prices.csv"\nmapping = ["product-map.csv"]\n'
            f'pdf = false\n\n[notify]\nurls = ["json://127.0.0.1:{port}/close"]\n',
            encoding="utf-8",
        )
        ran = CliRunner().invoke(main, ["close"])
    assert ran.exit_code == 1, ran.output
    report = json.loads((tmp_path / "scheduled" / "2026-10" / "report.json").read_text(encoding="utf-8"))
    assert [call["json"]["title"] for call in received] == [report["headline"]]
    assert not list((tmp_path / "scheduled" / "2026-10" / "invoices").glob("*.pdf"))
    config.write_text('[close]\npdf = "yes"\n', encoding="utf-8")
    wrong = CliRunner().invoke(main, ["close"])
    assert wrong.exit_code == 2
    assert wrong.stderr == f"error: pdf under [close] in {config} must be true or false, not 'yes'.\n"
