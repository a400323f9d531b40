"""Xarios invoices decoded straight from the bytes (``read_invoice``) against the exact path (``parse_invoice``).

Both must give the same items frame (values, dtypes, every Decimal to the digit), header and check, and the
same error messages, for the sandbox's invoices over real loopback HTTP and for answers rewritten the way a
real instance might send them. Each awkward answer also says whether the fast path takes it, so that every
comparison below compares two paths.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pandas as pd
import pytest

import xlbilling._apis.xarios
from tests.rewire import RewritingTransport
from xlbilling._apis.safezip import read_members
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import MAX_ZIP_BYTES, Xarios, XariosInvoice, parse_invoice, read_invoice
from xlbilling._errors import BadResponse
from xlbilling._sandbox import Sandbox

Items = list[dict[str, Any]]
ROUTE = "/api/v1.0/billingdata/"


def assert_same(fast: XariosInvoice, exact: XariosInvoice) -> None:
    pd.testing.assert_frame_equal(fast.items, exact.items)
    for column in exact.items.select_dtypes(include="object").columns:  # Decimals: the same digits, not just equal
        assert list(map(repr, fast.items[column])) == list(map(repr, exact.items[column])), column
    assert repr(fast.header) == repr(exact.header)
    assert fast.check == exact.check


def exact_invoice(body: bytes, call: str) -> XariosInvoice:
    """What ``Xarios.invoice`` gives when ``read_invoice`` gives way."""
    return parse_invoice(orjson.loads(body)["data"], call)


def latest_id(xarios: Xarios) -> str:
    return str(xarios.invoices()["invoice_id"].iloc[-1])


def rewritten(sandbox: Sandbox, rewrite: Callable[[Items], None]) -> Xarios:
    """A client of the sandbox whose invoices' items go through ``rewrite`` (which changes them in place)."""

    def on_answer(payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
            rewrite(payload["data"]["invoiceItems"])
        return payload

    return Xarios(ApiClient("Xarios", sandbox.url, sandbox.token, retries=0, transport=RewritingTransport(on_answer)))


def served(body: bytes, content_type: str = "application/json") -> Xarios:
    """A client whose every call is answered with ``body``."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    return Xarios(
        ApiClient("Xarios", "https://xarios.test", "test-token-0123", retries=0, transport=httpx.MockTransport(answer))
    )


def failure(parse: Callable[[], object]) -> str:
    with pytest.raises(BadResponse) as caught:
        parse()
    return str(caught.value)


# --- the sandbox's invoices -----------------------------------------------------------------------------


def test_every_sandbox_invoice_decodes_fast_to_the_exact_invoice(xarios: Xarios) -> None:
    for invoice_id in xarios.invoices()["invoice_id"]:
        call = f"invoice {invoice_id}"
        body = xarios.client.get_json_bytes(call, ROUTE + invoice_id)
        fast = read_invoice(body, call)
        assert fast is not None, f"{invoice_id}: the sandbox's invoice must take the fast path"
        exact = exact_invoice(body, call)
        assert_same(fast, exact)
        assert_same(xarios.invoice(invoice_id), exact)


def test_the_detail_zip_json_decodes_fast_to_the_exact_invoice(xarios: Xarios) -> None:
    invoice_id = latest_id(xarios)
    call = f"invoice {invoice_id} detail"
    blob = xarios.client.get_bytes(call, ROUTE + invoice_id + "/detail", max_bytes=MAX_ZIP_BYTES)
    json_blob = next(content for name, content in read_members(blob, "ZIP").items() if name.endswith(".json"))
    fast = read_invoice(json_blob, call, enveloped=False)
    assert fast is not None
    exact = parse_invoice(orjson.loads(json_blob), call)
    assert_same(fast, exact)
    assert_same(xarios.invoice_detail(invoice_id).invoice, exact)
    assert read_invoice(json_blob, call) is None, "Get Invoice's answer has an envelope"


def test_key_spellings_are_resolved_once_per_key_set_not_per_item(
    xarios: Xarios, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice_id = latest_id(xarios)
    data = orjson.loads(xarios.client.get_json_bytes("invoice", ROUTE + invoice_id))["data"]
    assert len(data["invoiceItems"]) > 500
    calls = []

    def counted(keys: Any, names: Any) -> str | None:
        calls.append(names)
        return find_key(keys, names)

    find_key = xlbilling._apis.xarios.find_key
    monkeypatch.setattr(xlbilling._apis.xarios, "find_key", counted)
    parse_invoice(data, "invoice")
    assert len(calls) < 50


# --- awkward answers: the same invoice either way -------------------------------------------------------


def upper_item_keys(items: Items) -> None:
    items[:] = [{key.upper(): value for key, value in item.items()} for item in items]


def keys_cased_differently_from_item_to_item(items: Items) -> None:
    items[1::2] = [{key.upper(): value for key, value in item.items()} for item in items[1::2]]


def other_spellings(items: Items) -> None:
    names = {"id": "itemId", "operatorUsed": "operator", "billingOutputTags": "outputTags"}
    items[:] = [{names.get(key, key): value for key, value in item.items()} for item in items]


def tags_spelt_twice(items: Items) -> None:
    items[0]["outputTags"] = ["Other"]


def pair_names_in_other_casing(items: Items) -> None:
    for position, item in enumerate(items):
        for pair in item["stringValues"] + item["numericValues"]:
            pair["name"] = pair["name"].lower() if position % 2 else pair["name"].upper()


def a_pair_named_twice(items: Items) -> None:
    for item in items[::3]:
        item["stringValues"] += [{"name": "tenantname", "value": "Renamed Ltd"}]


def pair_keys_in_other_casing(items: Items) -> None:
    for item in items[1::2]:
        item["stringValues"] = [{"Name": pair["name"], "VALUE": pair["value"]} for pair in item["stringValues"]]


def an_item_without_pairs(items: Items) -> None:
    for item in items[1::3]:
        del item["stringValues"]
    del items[2]["numericValues"]


def the_first_item_without_pairs(items: Items) -> None:
    del items[0]["stringValues"]


def items_with_differing_key_sets(items: Items) -> None:
    for position, key in enumerate(("productTagName", "operatorValueUsed", "fromDate", "id", "quantity")):
        for item in items[position + 1 :: 5]:
            del item[key]


def an_extra_key_in_the_first_item(items: Items) -> None:
    items[0]["note"] = {"source": ["import", 2]}


def an_extra_key_in_a_later_item(items: Items) -> None:
    items[-1]["note"] = "late"


def tags_as_comma_text(items: Items) -> None:
    for item in items[::2]:
        item["billingOutputTags"] = " , ".join(item["billingOutputTags"]) + ", "


def nulls_for_tags_and_pairs(items: Items) -> None:
    for item in items[1::4]:
        item["billingOutputTags"] = item["stringValues"] = item["numericValues"] = None


def amounts_as_text(items: Items) -> None:
    for item in items:
        item["value"] = f"{item['value']:.2f}"
        item["quantity"] = str(item["quantity"])


def a_count_as_text(items: Items) -> None:
    items[1]["numericValues"][0]["value"] = "12"


def an_item_id_as_a_number(items: Items) -> None:
    items[2]["id"] = 1234


VARIANTS: list[tuple[Callable[[Items], None], bool]] = [
    (upper_item_keys, True),
    (keys_cased_differently_from_item_to_item, False),
    (other_spellings, True),
    (tags_spelt_twice, False),
    (pair_names_in_other_casing, True),
    (a_pair_named_twice, True),
    (pair_keys_in_other_casing, False),
    (an_item_without_pairs, True),
    (the_first_item_without_pairs, False),
    (items_with_differing_key_sets, True),
    (an_extra_key_in_the_first_item, True),
    (an_extra_key_in_a_later_item, False),
    (tags_as_comma_text, True),
    (nulls_for_tags_and_pairs, True),
    (amounts_as_text, True),
    (a_count_as_text, False),
    (an_item_id_as_a_number, False),
]


@pytest.mark.parametrize(("rewrite", "decoded"), VARIANTS, ids=[rewrite.__name__ for rewrite, _ in VARIANTS])
def test_awkward_invoices_give_the_exact_invoice(
    sandbox: Sandbox, xarios: Xarios, rewrite: Callable[[Items], None], decoded: bool
) -> None:
    invoice_id = latest_id(xarios)
    call = f"invoice {invoice_id}"
    other = rewritten(sandbox, rewrite)
    body = other.client.get_json_bytes(call, ROUTE + invoice_id)
    exact = exact_invoice(body, call)
    fast = read_invoice(body, call)
    assert (fast is not None) == decoded, "the fast path takes this answer" if decoded else "it gives way"
    if fast is not None:
        assert_same(fast, exact)
    assert_same(other.invoice(invoice_id), exact)


def test_of_two_pairs_with_one_name_the_last_counts(sandbox: Sandbox, xarios: Xarios) -> None:
    invoice = rewritten(sandbox, a_pair_named_twice).invoice(latest_id(xarios))
    assert (invoice.items["tenant_name"] == "Renamed Ltd").sum() >= len(invoice.items) // 3


def test_tags_as_text_are_split_at_commas(sandbox: Sandbox, xarios: Xarios) -> None:
    invoice_id = latest_id(xarios)
    pd.testing.assert_frame_equal(
        rewritten(sandbox, tags_as_comma_text).invoice(invoice_id).items, xarios.invoice(invoice_id).items
    )


# --- the same errors --------------------------------------------------------------------------------------


def test_a_bad_count_gives_the_message_it_always_gave(sandbox: Sandbox, xarios: Xarios) -> None:
    def bad_count(items: Items) -> None:
        items[5]["numericValues"][0]["value"] = "lots"

    invoice_id = latest_id(xarios)
    other = rewritten(sandbox, bad_count)
    message = failure(lambda: other.invoice(invoice_id))
    assert message == (
        f"Xarios invoice {invoice_id}: numericValues 'customer_licence_count' has a bad value: "
        "could not convert string to float: 'lots'."
    )
    body = other.client.get_json_bytes("invoice", ROUTE + invoice_id)
    assert failure(lambda: exact_invoice(body, f"invoice {invoice_id}")) == message


@pytest.mark.parametrize(
    ("header", "items", "expected"),
    [
        ({}, {"value": "abc"}, "field 'value' has a bad value: not an amount: 'abc'."),
        ({}, {"fromDate": "31/31/2026"}, "field 'fromDate' has a bad value: '31/31/2026' is not a date."),
        ({"invoiceValue": "n/a"}, {"value": "abc"}, "field 'invoiceValue' has a bad value: not an amount: 'n/a'."),
    ],
)
def test_a_bad_value_gives_the_exact_paths_message(
    sandbox: Sandbox, xarios: Xarios, header: dict[str, Any], items: dict[str, Any], expected: str
) -> None:
    def answer(payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
            payload["data"].update(header)
            payload["data"]["invoiceItems"][-4].update(items)
        return payload

    invoice_id = latest_id(xarios)
    other = Xarios(ApiClient("Xarios", sandbox.url, sandbox.token, transport=RewritingTransport(answer)))
    message = failure(lambda: other.invoice(invoice_id))
    assert message.startswith(f"Xarios invoice {invoice_id}: {expected}")
    body = other.client.get_json_bytes("invoice", ROUTE + invoice_id)
    assert failure(lambda: exact_invoice(body, f"invoice {invoice_id}")) == message


def test_a_required_field_no_item_has_is_named(sandbox: Sandbox, xarios: Xarios) -> None:
    def drop_order(items: Items) -> None:
        for item in items:
            del item["calculationOrder"]

    invoice_id = latest_id(xarios)
    message = failure(lambda: rewritten(sandbox, drop_order).invoice(invoice_id))
    assert message.startswith(f"Xarios invoice {invoice_id}: the answer has no 'calculationOrder' field.")


def sandbox_body(xarios: Xarios) -> bytes:
    return xarios.client.get_json_bytes("invoice", ROUTE + latest_id(xarios))


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda body: body[: len(body) // 2], id="cut off"),
        pytest.param(lambda body: body.replace(b'"status":"success"', b'"status":"succ\xffss"'), id="envelope"),
        pytest.param(lambda body: body.replace(b'"name":"Role"', b'"name":"R\xffle"', 1), id="item"),
        pytest.param(lambda body: body.replace(b'"invoiceNumber":', b'"invoiceNumber":"\\ud800",', 1), id="escape"),
    ],
)
def test_broken_json_gives_the_message_get_json_gives(xarios: Xarios, breakage: Callable[[bytes], bytes]) -> None:
    body = breakage(sandbox_body(xarios))
    assert read_invoice(body, "invoice X") is None
    broken = served(body)
    message = failure(lambda: broken.invoice("X"))
    assert message == failure(lambda: broken.client.get_json("invoice X", ROUTE + "X")), "what the old path raised"
    assert "JSON" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[]", "expected a JSON object with a 'data' field."),
        (b'{"Data": {}}', "the answer has no 'invoiceId' field."),  # the envelope in any case (was refused)
        (b'{"data": [1, 2]}', "expected the invoice as a JSON object."),
        (b'{"data": {"invoiceId": "X", "invoiceItems": {"id": 1}}}', "expected a JSON list of objects."),
    ],
)
def test_answers_of_another_shape_give_the_same_messages(body: bytes, expected: str) -> None:
    assert read_invoice(body, "invoice X") is None
    assert failure(lambda: served(body).invoice("X")).startswith(f"Xarios invoice X: {expected}")


def test_a_whole_number_beyond_64_bits_is_read_as_orjson_reads_it(xarios: Xarios) -> None:
    document = orjson.loads(sandbox_body(xarios))
    document["data"]["invoiceItems"][3]["value"] = 2**64 + 1  # orjson reads it as a float, not exactly
    body = json.dumps(document).encode()
    assert read_invoice(body, "invoice X") is None
    assert_same(served(body).invoice("X"), exact_invoice(body, "invoice X"))


def test_broken_json_in_the_zip_gives_the_message_it_always_gave(xarios: Xarios) -> None:
    broken = sandbox_body(xarios).replace(b'"status":"success"', b'"status":"succ\xffss"')
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as members:
        members.writestr("invoice-X.json", broken)
        members.writestr("invoice-X.csv", "id,quantity,value\n")
    client = served(archive.getvalue(), "application/octet-stream")
    assert failure(lambda: client.invoice_detail("X")) == (
        "Xarios invoice X detail: the JSON file in the ZIP is not valid JSON."
    )
