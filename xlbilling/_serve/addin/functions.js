/*
 * xlbilling's Excel custom functions, =XLB.SUMMARY(...) and the others: the xlwings formulas of the same
 * names, answered by the `xlbilling serve` that served this file (same origin, so no CORS).
 *
 * Tables spill with a header row; dates come back as dates, money as numbers. A failure is a real Excel
 * error with its one-line message: #VALUE! for an argument that is wrong, #N/A for everything else (not
 * signed in, an unknown customer, a server that is down). Answers are kept for a few seconds and identical
 * requests in flight are shared, so a sheet full of formulas recalculating at once sends one request per
 * distinct data set. The task pane (taskpane.js) signs in and uses the same client, `XLB_CLIENT`.
 *
 * Plain modern JavaScript, no bundler: functions.json is generated from the JSDoc below with Microsoft's
 * custom-functions-metadata (tests/addin/package.json), and a test checks it is current.
 */
"use strict";

const XLB_TOKEN_KEY = "xlbilling.token";
const XLB_STATE = (globalThis.XLB_STATE = globalThis.XLB_STATE || {
  token: null, // the personal token: typed into the pane, kept in OfficeRuntime.storage
  timeoutMs: 30000, // a server that does not answer in time gives #N/A (Excel desktop gives up at ~60 s)
  cacheMs: 10000, // how long an answer is reused: a recalculation storm makes one request
});
const xlbAnswers = new Map(); // url -> {at, promise}: answers kept and requests in flight

/** A failure as a cell shows it: `code` is "#VALUE!" (a wrong argument) or "#N/A" (anything else). */
class XlbProblem extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const xlbWrong = (message) => new XlbProblem("#VALUE!", message);
const xlbMissing = (message) => new XlbProblem("#N/A", message);

// --- the client: one per shared runtime, used by the functions and the pane ---------------------------

async function xlbToken() {
  if (!XLB_STATE.token && typeof OfficeRuntime !== "undefined") {
    XLB_STATE.token = (await OfficeRuntime.storage.getItem(XLB_TOKEN_KEY)) || null;
  }
  return XLB_STATE.token;
}

function xlbUrl(path, params) {
  const url = new URL(path, globalThis.location.href); // the server these files came from
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/** Ask the server once: the parsed JSON answer (with `columns` from X-Xlbilling-Columns), or an XlbProblem. */
async function xlbRequest(path, params, options = {}) {
  const token = options.token || (await xlbToken());
  if (!token) throw xlbMissing("Not signed in: open the Billing pane and sign in with your xlbilling token.");
  const headers = { Authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), XLB_STATE.timeoutMs);
  let response;
  try {
    response = await fetch(xlbUrl(path, params), {
      method: options.method || "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: abort.signal,
      cache: "no-store",
    });
  } catch (error) {
    const server = new URL(globalThis.location.href).host;
    throw xlbMissing(
      abort.signal.aborted
        ? `The xlbilling server ${server} did not answer within ${XLB_STATE.timeoutMs / 1000} s: try again later.`
        : `The xlbilling server ${server} cannot be reached: check your network, or ask your admin whether it runs.`
    );
  } finally {
    clearTimeout(timer);
  }
  return xlbAnswer(response, options.raw);
}

async function xlbAnswer(response, raw) {
  if (response.ok && raw) return response;
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null; // not JSON: said below
  }
  if (!response.ok) {
    const said = body && typeof body.error === "string" ? body.error : `The xlbilling server answered ${response.status}.`;
    throw response.status === 400 ? xlbWrong(said) : xlbMissing(said);
  }
  if (body === null) throw xlbMissing("The xlbilling server's answer was not JSON: ask your admin to check it.");
  const columns = response.headers.get("X-Xlbilling-Columns");
  return { body, columns: columns ? JSON.parse(columns) : null };
}

/** A GET answer, shared with every identical request in flight and kept `XLB_STATE.cacheMs`. */
function xlbGet(path, params) {
  const url = xlbUrl(path, params);
  const kept = xlbAnswers.get(url);
  if (kept && (kept.pending || Date.now() - kept.at < XLB_STATE.cacheMs)) return kept.promise;
  const entry = { at: Date.now(), pending: true, promise: null };
  entry.promise = xlbRequest(path, params).then(
    (answer) => {
      entry.pending = false;
      entry.at = Date.now();
      return answer;
    },
    (problem) => {
      xlbAnswers.delete(url); // a failure is not kept: the next recalculation asks again
      throw problem;
    }
  );
  xlbAnswers.set(url, entry);
  return entry.promise;
}

/** Forget every kept answer (after signing in or out, and after a refresh). */
function xlbForget() {
  xlbAnswers.clear();
}

const XLB_CLIENT = (globalThis.XLB_CLIENT = {
  state: XLB_STATE,
  tokenKey: XLB_TOKEN_KEY,
  get: xlbGet,
  request: xlbRequest,
  forget: xlbForget,
  Problem: XlbProblem,
});

// --- arguments as Excel passes them -------------------------------------------------------------------

function xlbSingle(value, what) {
  if (Array.isArray(value)) throw xlbWrong(`The ${what} must be one cell, not a range. Point it at a single cell.`);
  return value;
}

function xlbEmpty(value) {
  return value === undefined || value === null || (typeof value === "string" && !value.trim());
}

/** A period: a date cell (Excel passes its serial), an Excel serial or text like 2026-10-31; empty: the
 * latest closed period. The server reads it as the command line does. */
function xlbPeriod(value, what = "period") {
  value = xlbSingle(value, what);
  if (xlbEmpty(value)) return null;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value.trim();
  throw xlbWrong(`${xlbShow(value)} is not a date (${what}). Give the period's end date, e.g. 2026-10-31, or a date cell.`);
}

function xlbText(value, what, required = false) {
  value = xlbSingle(value, what);
  if (xlbEmpty(value)) {
    if (required) throw xlbWrong(`No ${what} given. Give the ${what} as text.`);
    return null;
  }
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  if (typeof value !== "string") throw xlbWrong(`${xlbShow(value)} is not a valid ${what}. Give the ${what} as text.`);
  return value.trim();
}

const XLB_TRUE = new Set(["true", "yes", "1"]);
const XLB_FALSE = new Set(["false", "no", "0"]);

/** TRUE/FALSE, 1/0, yes/no; empty gives `fallback`. As the server reads it: "true" or "false". */
function xlbFlag(value, what, fallback) {
  value = xlbSingle(value, what);
  if (xlbEmpty(value)) return fallback ? "true" : "false";
  const text = String(value).trim().toLowerCase();
  if (value === true || XLB_TRUE.has(text)) return "true";
  if (value === false || XLB_FALSE.has(text)) return "false";
  throw xlbWrong(`${xlbShow(value)} is not TRUE or FALSE (${what}). Use TRUE or FALSE for ${what}.`);
}

function xlbChoice(value, what, choices, fallback, formula) {
  const chosen = (xlbText(value, what) || fallback).toLowerCase();
  if (!(chosen in choices)) {
    throw xlbWrong(`'${chosen}' is not something ${formula} shows. Use one of: ${Object.keys(choices).join(", ")}.`);
  }
  return choices[chosen];
}

function xlbShow(value) {
  const shown = JSON.stringify(value);
  return shown.length <= 40 ? shown : shown.slice(0, 37) + "...";
}

// --- answers as cells -----------------------------------------------------------------------------------

const XLB_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/;
const XLB_MONEY = /^-?\d+\.\d{2,}$/; // the server's exact money text: at least two decimals

/** The Excel serial of an ISO date or date-time (days since 1899-12-30, in UTC so no time zone shifts it). */
function xlbSerial(text) {
  const [, y, m, d, hh = "0", mm = "0", ss = "0"] = XLB_DATE.exec(text);
  return (Date.UTC(+y, +m - 1, +d, +hh, +mm, +ss) - Date.UTC(1899, 11, 30)) / 86400000;
}

/** Whether Excel can show a returned number as a date (formatted number values, CustomFunctionsRuntime 1.4). */
function xlbFormattedNumbers() {
  const office = globalThis.Office;
  return Boolean(office && office.context && office.context.requirements &&
    office.context.requirements.isSetSupported("CustomFunctionsRuntime", "1.4"));
}

/** One JSON value as a cell: null as empty, ISO dates as dates, money text as numbers, the rest as it is. */
function xlbCell(value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return value;
  if (XLB_DATE.test(value) && value.length <= 19) {
    const serial = xlbSerial(value);
    if (!xlbFormattedNumbers()) return serial;
    const format = Number.isInteger(serial) ? "yyyy-mm-dd" : "yyyy-mm-dd hh:mm";
    return { type: "Double", basicValue: serial, numberFormat: format };
  }
  return XLB_MONEY.test(value) ? Number(value) : value;
}

/** A list of row objects as a spilled table: the header row, then one row per record (always rectangular). */
function xlbTable(rows, columns) {
  const header = rows.length ? Object.keys(rows[0]) : columns;
  if (!header || !header.length) return [["(no rows)"]];
  return [header, ...rows.map((row) => header.map((name) => xlbCell(row[name])))];
}

/** Run a function's body; an XlbProblem becomes the Excel error it names, anything else #N/A with its name. */
async function xlbFormula(name, body) {
  try {
    return await body();
  } catch (error) {
    const known = error instanceof XlbProblem;
    if (!known) console.error(`XLB.${name} failed`, error);
    const message = known ? error.message : `XLB.${name} failed unexpectedly (${error.name}): ${error.message}`;
    const code = known && error.code === "#VALUE!" ? "invalidValue" : "notAvailable";
    throw new CustomFunctions.Error(CustomFunctions.ErrorCode[code], message.replace(/\s+/g, " ").trim());
  }
}

async function xlbListed(path, params) {
  const answer = await xlbGet(path, params);
  return xlbTable(answer.body, answer.columns);
}

// --- the functions ---------------------------------------------------------------------------------------

/**
 * Atria's billing periods (start, end, name, closed), oldest first.
 * @customfunction PERIODS
 * @returns {any[][]} A table with a header row.
 */
async function periods() {
  return xlbFormula("PERIODS", () => xlbListed("/api/periods"));
}

/**
 * Atria's customers: code, name, account code, billed by.
 * @customfunction CUSTOMERS
 * @returns {any[][]} A table with a header row.
 */
async function customers() {
  return xlbFormula("CUSTOMERS", () => xlbListed("/api/customers"));
}

/**
 * One billing period per customer and SKU, with last month's count and the difference.
 * @customfunction SUMMARY
 * @param {any} period Any day of the billing period (usually its end date): a date cell, an Excel date or text like 2026-10-31.
 * @param {any} [billable_only] Optional TRUE to keep billable items only (default FALSE).
 * @param {any} [by_customer] Optional FALSE for one row per SKU across all customers (default TRUE).
 * @returns {any[][]} A table with a header row.
 */
async function summary(period, billable_only, by_customer) {
  return xlbFormula("SUMMARY", () =>
    xlbListed("/api/summary", {
      period: xlbPeriod(period),
      billable_only: xlbFlag(billable_only, "billable_only", false),
      // per customer is the default: left out, so these cells share one request with XLB.QUANTITY's
      ...(xlbFlag(by_customer, "by_customer", true) === "false" ? { per_sku: "true" } : {}),
    })
  );
}

/**
 * Every user-level change in a billing period: added, removed and carried services.
 * @customfunction DETAIL
 * @param {any} period Any day of the billing period (usually its end date): a date cell, an Excel date or text like 2026-10-31.
 * @param {any} [customer] Optional customer code, account code or name (empty: every customer).
 * @param {any} [service] Optional service name, e.g. Microsoft 365 (empty: every service).
 * @param {any} [user] Optional part of a user name (empty: every user).
 * @param {any} [billable_only] Optional TRUE to keep billable items only (default FALSE).
 * @returns {any[][]} A table with a header row.
 */
async function detail(period, customer, service, user, billable_only) {
  return xlbFormula("DETAIL", () =>
    xlbListed("/api/detail", {
      period: xlbPeriod(period),
      customer: xlbText(customer, "customer"),
      service: xlbText(service, "service"),
      user: xlbText(user, "user"),
      billable_only: xlbFlag(billable_only, "billable_only", false),
    })
  );
}

/**
 * The billable invoice lines of a period, per customer, with who pays (Bill To).
 * @customfunction INVOICE_LINES
 * @param {any} period Any day of the billing period (usually its end date): a date cell, an Excel date or text like 2026-10-31.
 * @param {any} [customer] Optional customer code, account code or name (empty: every customer).
 * @returns {any[][]} A table with a header row.
 */
async function invoiceLines(period, customer) {
  return xlbFormula("INVOICE_LINES", () =>
    xlbListed("/api/invoice-lines", { period: xlbPeriod(period), customer: xlbText(customer, "customer") })
  );
}

/** The customer code a code, account code or exact name (case ignored) stands for, from /api/customers. */
async function xlbCustomerCode(value) {
  const wanted = xlbText(value, "customer");
  if (wanted === null) throw xlbWrong("No customer given. Give a customer code, e.g. CUST0001.");
  const listed = (await xlbGet("/api/customers")).body;
  const same = (text) => String(text ?? "").trim().toLowerCase() === wanted.toLowerCase();
  for (const column of ["customer_code", "account_code", "customer_name"]) {
    const hits = listed.filter((row) => same(row[column]));
    if (hits.length === 1) return hits[0].customer_code;
    if (hits.length > 1) {
      throw xlbMissing(`'${wanted}' names ${hits.length} customers. Use the customer code: =XLB.CUSTOMERS() lists them.`);
    }
  }
  throw xlbMissing(`Atria has no customer '${wanted}'. =XLB.CUSTOMERS() lists the customer codes.`);
}

/** The sum of `column` over the billable summary rows of one customer and SKU (0 when it has none). */
async function xlbSummaryCell(period, customer, sku, column) {
  const day = xlbPeriod(period);
  const code = await xlbCustomerCode(customer);
  const given = xlbText(sku, "SKU", true);
  const rows = (await xlbGet("/api/summary", { period: day, billable_only: "false" })).body;
  const ofSku = rows.filter((row) => String(row.sku ?? "").toLowerCase() === given.toLowerCase());
  if (!ofSku.length) {
    throw xlbMissing(`No customer has the SKU '${given}' in that period. =XLB.SUMMARY(period) lists the SKUs of a period.`);
  }
  return ofSku
    .filter((row) => row.billable && String(row.customer_code) === code)
    .reduce((total, row) => total + (Number(row[column]) || 0), 0);
}

/**
 * The billed (billable) quantity of one SKU for one customer in a period; 0 when it has none.
 * @customfunction QUANTITY
 * @param {any} period Any day of the billing period (usually its end date): a date cell, an Excel date or text like 2026-10-31.
 * @param {any} customer The customer code or name.
 * @param {any} sku The product SKU, e.g. M365-BP.
 * @returns {number} The quantity.
 */
async function quantity(period, customer, sku) {
  return xlbFormula("QUANTITY", () => xlbSummaryCell(period, customer, sku, "this_count"));
}

/**
 * How much the billed quantity of one SKU for one customer changed since the prior period.
 * @customfunction CHANGE
 * @param {any} period Any day of the billing period (usually its end date): a date cell, an Excel date or text like 2026-10-31.
 * @param {any} customer The customer code or name.
 * @param {any} sku The product SKU, e.g. M365-BP.
 * @returns {number} The change.
 */
async function change(period, customer, sku) {
  return xlbFormula("CHANGE", () => xlbSummaryCell(period, customer, sku, "difference"));
}

const XLB_WHICH = { net: "subtotal", subtotal: "subtotal", vat: "tax", tax: "tax", total: "total", gross: "total" };

/**
 * One Xarios invoice's net amount, VAT or total, recomputed from its items.
 * @customfunction XARIOS_TOTAL
 * @param {any} invoice_id The Xarios invoice id, as the Xarios invoices table lists it (Billing pane: Refresh).
 * @param {any} [which] Optional "net", "vat" or "total" (default "total", including VAT).
 * @returns {number} The amount.
 */
async function xariosTotal(invoice_id, which) {
  return xlbFormula("XARIOS_TOTAL", async () => {
    const chosen = (xlbText(which, "which") || "total").toLowerCase();
    if (!(chosen in XLB_WHICH)) throw xlbWrong(`'${chosen}' is not one of net, vat, total. Use "net", "vat" or "total".`);
    const invoice = xlbText(invoice_id, "invoice id", true);
    const answer = (await xlbGet("/api/xarios/show", { invoice })).body;
    const amount = answer && answer.check ? answer.check[XLB_WHICH[chosen]] : undefined;
    if (amount === undefined || amount === null) {
      throw xlbMissing(`The xlbilling server sent no ${chosen} for invoice ${invoice}: ask your admin to update it.`);
    }
    return Number(amount);
  });
}

const XLB_RECONCILE_PARTS = {
  detail: "detail",
  "unmapped tenants": "unmapped_tenants",
  "unmapped products": "unmapped_products",
  checks: "invoice_checks",
};

/**
 * Atria billing against Xarios charges for a period, with the server's product mapping and price list: one row per customer and SKU, leaks flagged; or the unmapped tenants, unmapped products or invoice checks.
 * @customfunction RECONCILE
 * @param {any} period Any day of the billing period (usually its end date): a date cell, an Excel date or text like 2026-10-31.
 * @param {any} [what] Optional "detail" (default), "unmapped tenants", "unmapped products" or "checks" (each Xarios invoice's own arithmetic check).
 * @returns {any[][]} A table with a header row.
 */
async function reconcile(period, what) {
  return xlbFormula("RECONCILE", async () => {
    const part = xlbChoice(what, "what", XLB_RECONCILE_PARTS, "detail", "XLB.RECONCILE");
    const answer = await xlbGet("/api/reconcile", { period: xlbPeriod(period) });
    return xlbTable(answer.body[part] || [], answer.columns && answer.columns[part]);
  });
}

const XLB_MARGIN_BY = { customer: "customer", product: "product", period: "period", detail: "detail" };

/**
 * Revenue, cost, margin, margin % and leak over closed billing periods, per customer, product or period, or every line, with the server's product mapping and price list.
 * @customfunction MARGIN
 * @param {any} [first] Any day of the first billing period (empty: twelve closed periods back).
 * @param {any} [last] Any day of the last billing period (empty: the latest closed one). Open periods are left out.
 * @param {any} [by] Optional "customer" (default), "product", "period" or "detail" (every period, customer and SKU).
 * @returns {any[][]} A table with a header row.
 */
async function margin(first, last, by) {
  return xlbFormula("MARGIN", () => {
    const part = xlbChoice(by, "by", XLB_MARGIN_BY, "customer", "XLB.MARGIN");
    return xlbListed("/api/margin", { from: xlbPeriod(first, "first"), to: xlbPeriod(last, "last"), by: part });
  });
}

CustomFunctions.associate("PERIODS", periods);
CustomFunctions.associate("CUSTOMERS", customers);
CustomFunctions.associate("SUMMARY", summary);
CustomFunctions.associate("DETAIL", detail);
CustomFunctions.associate("INVOICE_LINES", invoiceLines);
CustomFunctions.associate("QUANTITY", quantity);
CustomFunctions.associate("CHANGE", change);
CustomFunctions.associate("XARIOS_TOTAL", xariosTotal);
CustomFunctions.associate("RECONCILE", reconcile);
CustomFunctions.associate("MARGIN", margin);
