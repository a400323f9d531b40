// The shipped functions.js against a real `xlbilling serve` on loopback (backed by the sandbox), started by
// tests/test_officejs_functions.py, which passes XLB_URL and XLB_TOKEN and compares the results written to
// XLB_RESULTS with the xlwings formulas. Run alone: XLB_URL=... XLB_TOKEN=... node --test
"use strict";

const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { test } = require("node:test");
const { ADDIN, load, outcome } = require("./harness.js");

const BASE = process.env.XLB_URL;
const TOKEN = process.env.XLB_TOKEN;
const PERIOD = "2026-10-31"; // the sandbox's latest closed period (its "today" is pinned to 2026-11-21)
const STORM_PERIOD = 46310; // 2026-10-15 as a date cell passes it: only the storm test asks with it
const results = [];
const plain = (value) => JSON.parse(JSON.stringify(value)); // out of the functions' realm, for deepEqual

if (!BASE || !TOKEN) throw new Error("Set XLB_URL and XLB_TOKEN (tests/test_officejs_functions.py does).");

async function server(route) {
  const response = await fetch(new URL(route, BASE), { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(response.status, 200, `${route}: ${await response.clone().text()}`);
  return response.json();
}

/** Call a function as Excel would, keep its result for the comparison with the xlwings formulas. */
async function cell(runtime, id, ...args) {
  const result = plain(await outcome(runtime.call(id, ...args)));
  results.push({ id, args, result });
  return result;
}

function assertTable(table, rows) {
  assert.ok(Array.isArray(table) && table.length === rows.length + 1, "a header row, then one row per record");
  const width = table[0].length;
  assert.ok(table.every((row) => row.length === width), "rectangular");
  assert.deepEqual(table[0], Object.keys(rows[0]));
  table.slice(1).forEach((row, number) => {
    table[0].forEach((name, column) => {
      const sent = rows[number][name];
      const shown = row[column];
      if (sent === null) assert.equal(shown, "");
      else if (typeof sent === "string" && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.test(sent)) {
        const moment = Date.parse(sent.length === 10 ? `${sent}T00:00:00Z` : `${sent}Z`);
        assert.equal(shown, (moment - Date.UTC(1899, 11, 30)) / 86400000, `${name}: ${sent}`);
      } else if (typeof sent === "string" && /^-?\d+\.\d{2,}$/.test(sent)) assert.equal(shown, Number(sent), name);
      else assert.equal(shown, sent, name);
    });
  });
}

test("functions.json is what custom-functions-metadata makes of the shipped JSDoc, and names every function", () => {
  const fresh = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xlb-")), "functions.json");
  const cli = require.resolve("custom-functions-metadata/lib/cli.js");
  const said = execFileSync(process.execPath, [cli, "generate", path.join(ADDIN, "functions.js"), fresh], {
    encoding: "utf8",
  });
  // The tool exits 0 without writing the file when it finds errors: the file and its words are checked.
  assert.ok(!/Errors found/.test(said), said);
  assert.ok(fs.existsSync(fresh), `no functions.json written: ${said}`);
  const committed = fs.readFileSync(path.join(ADDIN, "functions.json"), "utf8");
  assert.equal(committed, fs.readFileSync(fresh, "utf8"), "regenerate: cd tests/addin && npm run metadata");
  const ids = JSON.parse(committed).functions.map((f) => f.id).sort();
  const runtime = load({ base: BASE, token: TOKEN });
  assert.deepEqual(ids, [...runtime.associated.keys()].sort());
  assert.deepEqual(ids, ["CHANGE", "CUSTOMERS", "DETAIL", "INVOICE_LINES", "MARGIN", "PERIODS", "QUANTITY", "RECONCILE", "SUMMARY", "XARIOS_TOTAL"]);
  for (const meta of JSON.parse(committed).functions) {
    assert.equal(runtime.associated.get(meta.id).length, meta.parameters.length, `${meta.id}'s parameters`);
  }
});

test("tables spill the server's JSON with a header row: dates as Excel dates, money as numbers", async () => {
  const runtime = load({ base: BASE, token: TOKEN });
  assertTable(await cell(runtime, "PERIODS"), await server("/api/periods"));
  assertTable(await cell(runtime, "CUSTOMERS"), await server("/api/customers"));
  assertTable(await cell(runtime, "SUMMARY", PERIOD), await server(`/api/summary?period=${PERIOD}`));
  assertTable(
    await cell(runtime, "SUMMARY", PERIOD, true, false),
    await server(`/api/summary?period=${PERIOD}&billable_only=true&per_sku=true`)
  );
  const customer = (await server("/api/customers"))[0].customer_code;
  assertTable(
    await cell(runtime, "DETAIL", PERIOD, customer),
    await server(`/api/detail?period=${PERIOD}&customer=${customer}`)
  );
  assertTable(
    await cell(runtime, "INVOICE_LINES", PERIOD, customer),
    await server(`/api/invoice-lines?period=${PERIOD}&customer=${customer}`)
  );
  const reconciliation = await server(`/api/reconcile?period=${PERIOD}`);
  assertTable(await cell(runtime, "RECONCILE", PERIOD), reconciliation.detail);
  assertTable(await cell(runtime, "RECONCILE", PERIOD, "checks"), reconciliation.invoice_checks);
  assertTable(await cell(runtime, "MARGIN", null, PERIOD, "product"), await server(`/api/margin?to=${PERIOD}&by=product`));
});

test("an empty answer still spills its header row", async () => {
  const runtime = load({ base: BASE, token: TOKEN });
  const customer = (await server("/api/customers"))[0].customer_code;
  const table = await cell(runtime, "DETAIL", PERIOD, customer, null, "nobody-is-called-this");
  assert.deepEqual(table, [(await server(`/api/tables?only=detail&period=${PERIOD}`)).tables[0].columns]);
});

test("numbers: a customer's quantity and change of a SKU, an invoice's totals", async () => {
  const runtime = load({ base: BASE, token: TOKEN });
  const rows = await server(`/api/summary?period=${PERIOD}`);
  const billed = rows.find((row) => row.billable && row.this_count > 0 && row.difference !== 0);
  const byName = await cell(runtime, "QUANTITY", PERIOD, billed.customer_name, billed.sku.toLowerCase());
  assert.equal(await cell(runtime, "QUANTITY", PERIOD, billed.customer_code, billed.sku), byName);
  assert.ok(Number.isInteger(byName) && byName >= billed.this_count, `${byName}`);
  assert.equal(typeof (await cell(runtime, "CHANGE", PERIOD, billed.customer_code, billed.sku)), "number");
  const invoice = (await server("/api/xarios/list"))[0].invoice_id;
  const shown = await server(`/api/xarios/show?invoice=${invoice}`);
  assert.equal(await cell(runtime, "XARIOS_TOTAL", invoice), Number(shown.check.total));
  assert.equal(await cell(runtime, "XARIOS_TOTAL", invoice, "net"), Number(shown.check.subtotal));
  assert.equal(await cell(runtime, "XARIOS_TOTAL", invoice, "VAT"), Number(shown.check.tax));
});

test("wrong arguments are #VALUE! and missing data #N/A, each with its one-line message", async () => {
  const runtime = load({ base: BASE, token: TOKEN });
  const said = async (...call) => cell(runtime, ...call);
  assert.deepEqual(await said("SUMMARY", PERIOD, "maybe"), {
    error: "#VALUE!",
    message: '"maybe" is not TRUE or FALSE (billable_only). Use TRUE or FALSE for billable_only.',
  });
  assert.deepEqual(await said("SUMMARY", [[PERIOD], [PERIOD]]), {
    error: "#VALUE!",
    message: "The period must be one cell, not a range. Point it at a single cell.",
  });
  const notADate = await said("SUMMARY", "last tuesday");
  assert.equal(notADate.error, "#VALUE!");
  assert.match(notADate.message, /last tuesday/);
  assert.deepEqual(await said("XARIOS_TOTAL", "INV-1", "gross margin"), {
    error: "#VALUE!",
    message: `'gross margin' is not one of net, vat, total. Use "net", "vat" or "total".`,
  });
  assert.equal((await said("RECONCILE", PERIOD, "everything")).error, "#VALUE!");
  assert.equal((await said("MARGIN", null, null, "colour")).error, "#VALUE!");
  assert.deepEqual(await said("QUANTITY", PERIOD, "Nobody Ltd", "M365-BP"), {
    error: "#N/A",
    message: "Atria has no customer 'Nobody Ltd'. =XLB.CUSTOMERS() lists the customer codes.",
  });
  const customer = (await server("/api/customers"))[0].customer_code;
  assert.deepEqual(await said("QUANTITY", PERIOD, customer, "NO-SUCH-SKU"), {
    error: "#N/A",
    message: "No customer has the SKU 'NO-SUCH-SKU' in that period. =XLB.SUMMARY(period) lists the SKUs of a period.",
  });
  const unknown = await said("DETAIL", PERIOD, "Nobody Ltd");
  assert.equal(unknown.error, "#N/A");
  assert.match(unknown.message, /Nobody Ltd/);
  const noPeriod = await said("SUMMARY", "1999-01-31");
  assert.equal(noPeriod.error, "#N/A");
  assert.match(noPeriod.message, /1999-01-31/);
  const noInvoice = await said("XARIOS_TOTAL", "no-such-invoice");
  assert.equal(noInvoice.error, "#N/A");
  assert.match(noInvoice.message, /no-such-invoice/);
});

test("without a token, or with a wrong one, every function is #N/A saying to sign in", async () => {
  const signedOut = load({ base: BASE });
  assert.deepEqual(await outcome(signedOut.call("PERIODS")), {
    error: "#N/A",
    message: "Not signed in: open the Billing pane and sign in with your xlbilling token.",
  });
  assert.equal(signedOut.requests.length, 0, "nothing is sent without a token");
  const revoked = load({ base: BASE, token: "xlb_" + "A".repeat(43) });
  assert.deepEqual(await outcome(revoked.call("SUMMARY", PERIOD)), {
    error: "#N/A",
    message: "Sign in again: your xlbilling token is missing, wrong or revoked.",
  });
});

test("a recalculation storm (120 cells at once) sends one request per distinct data set", async () => {
  const runtime = load({ base: BASE, token: TOKEN });
  const customers = await server("/api/customers");
  const sku = (await server(`/api/summary?period=${PERIOD}`)).find((row) => row.billable).sku;
  const cells = [
    ...Array.from({ length: 100 }, () => runtime.call("SUMMARY", STORM_PERIOD)),
    ...customers.slice(0, 20).map((row) => runtime.call("QUANTITY", STORM_PERIOD, row.customer_code, sku)),
  ];
  const shown = await Promise.all(cells.map(outcome));
  assert.ok(shown.slice(0, 100).every((table) => Array.isArray(table) && table.length > 1));
  assert.ok(shown.slice(100).every((value) => typeof value === "number"), JSON.stringify(shown.slice(100)));
  const asked = runtime.requests.map((url) => new URL(url).pathname + new URL(url).search);
  assert.deepEqual(asked.sort(), ["/api/customers", `/api/summary?period=${STORM_PERIOD}&billable_only=false`]);
  // Within the few seconds an answer is kept, the same cells ask nothing; after a refresh they ask again.
  await runtime.call("SUMMARY", STORM_PERIOD);
  assert.equal(runtime.requests.length, 2);
  runtime.context.XLB_CLIENT.forget();
  await runtime.call("SUMMARY", STORM_PERIOD);
  assert.equal(runtime.requests.length, 3);
  results.push({ storm: { period: STORM_PERIOD, cells: cells.length, requests: runtime.requests.length } });
});

test("dates are formatted numbers where Excel has CustomFunctionsRuntime 1.4, serials elsewhere", async () => {
  const formatted = await outcome(load({ base: BASE, token: TOKEN, formattedNumbers: true }).call("PERIODS"));
  const serials = await outcome(load({ base: BASE, token: TOKEN }).call("PERIODS"));
  const end = serials[0].indexOf("period_end");
  assert.deepEqual(plain(formatted[1][end]), { type: "Double", basicValue: serials[1][end], numberFormat: "yyyy-mm-dd" });
});

test("a server that never answers gives #N/A after the timeout, one that is gone gives #N/A at once", async () => {
  const sockets = [];
  const silent = net.createServer((socket) => sockets.push(socket)); // accepts, never answers
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const hung = load({ base: `http://127.0.0.1:${silent.address().port}`, token: TOKEN });
  hung.context.XLB_STATE.timeoutMs = 500;
  assert.deepEqual(await outcome(hung.call("PERIODS")), {
    error: "#N/A",
    message: `The xlbilling server 127.0.0.1:${silent.address().port} did not answer within 0.5 s: try again later.`,
  });
  const port = silent.address().port;
  sockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => silent.close(resolve));
  const gone = load({ base: `http://127.0.0.1:${port}`, token: TOKEN });
  const said = await outcome(gone.call("SUMMARY", PERIOD));
  assert.deepEqual(said, {
    error: "#N/A",
    message: `The xlbilling server 127.0.0.1:${port} cannot be reached: check your network, or ask your admin whether it runs.`,
  });
});

test.after(() => {
  if (process.env.XLB_RESULTS) fs.writeFileSync(process.env.XLB_RESULTS, JSON.stringify(results, null, 1));
});
