/*
 * The Billing pane: sign in with your personal xlbilling token, choose the period and customer from Atria's
 * own lists, and do what the Billing ribbon does: refresh every table or one, build the invoices (a download
 * when done), reconcile and margin into their sheets with the review trail kept. Progress and errors show in
 * the pane. The ribbon's buttons run the same actions (Office.actions.associate), with the pane's choices.
 *
 * Runs in the shared runtime after functions.js (the client, XLB_CLIENT) and workbook.js (XLB_WORKBOOK).
 */
"use strict";

const XLB_TABLES = {
  "": "Every table",
  periods: "Periods",
  customers: "Customers",
  summary: "Summary",
  detail: "Detail",
  invoice_lines: "Invoice lines",
  analysis: "Analysis",
  xarios_invoices: "Xarios invoices",
  changes: "Largest changes (Dashboard)",
};
const XLB_POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

// --- what the pane shows ------------------------------------------------------------------------------------

function xlbSay(text) {
  $("status").textContent = text;
  $("error").hidden = true;
}

function xlbFail(error) {
  const known = error instanceof XLB_CLIENT.Problem || error instanceof XLB_WORKBOOK.Refusal;
  if (!known) console.error(error);
  $("error").textContent = known ? error.message : `Something unexpected went wrong (${error.name}: ${error.message}).`;
  $("error").hidden = false;
  $("status").textContent = "";
  if (error instanceof XLB_CLIENT.Problem && /^Sign in again/.test(error.message)) xlbShowSignIn();
}

/** Run one of the pane's actions: its buttons disabled meanwhile, its outcome or error shown. */
async function xlbAct(action) {
  const buttons = [...document.querySelectorAll("#work button")];
  buttons.forEach((button) => (button.disabled = true));
  try {
    await action();
  } catch (error) {
    xlbFail(error);
  } finally {
    buttons.forEach((button) => (button.disabled = false));
  }
}

function xlbShowSignIn() {
  $("signin").hidden = false;
  $("work").hidden = true;
  $("who").textContent = "";
}

function xlbChoices() {
  return {
    period: $("period").value,
    customer: $("customer").value,
    billable_only: $("billable").checked ? "true" : "false",
  };
}

function xlbFill(select, options, chosen) {
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value, false, value === chosen)));
}

// --- signing in ------------------------------------------------------------------------------------------------

/** Check `token` with the server (/api/me), keep it, and fill the period and customer lists. */
async function xlbSignIn(token) {
  xlbSay("Signing in…");
  const me = await XLB_CLIENT.request("/api/me", {}, { token });
  XLB_CLIENT.state.token = token;
  XLB_CLIENT.forget();
  await OfficeRuntime.storage.setItem(XLB_CLIENT.tokenKey, token);
  $("who").textContent = `Signed in as ${me.body.user}`;
  $("signin").hidden = true;
  $("work").hidden = false;
  await xlbLists();
  xlbSay(`Signed in as ${me.body.user}.`);
}

async function xlbSignOut() {
  XLB_CLIENT.state.token = null;
  XLB_CLIENT.forget();
  await OfficeRuntime.storage.removeItem(XLB_CLIENT.tokenKey);
  $("token").value = "";
  xlbShowSignIn();
  xlbSay("Signed out. The XLB functions show #N/A until you sign in again.");
}

/** The period and customer lists from the server: newest period first, the latest closed one chosen. */
async function xlbLists() {
  const [periods, customers] = await Promise.all([XLB_CLIENT.get("/api/periods"), XLB_CLIENT.get("/api/customers")]);
  const newest = [...periods.body].reverse();
  const closed = newest.find((period) => period.is_closed);
  const label = (period) => `${period.name || period.period_end} (${period.is_closed ? "closed" : "open"})`;
  xlbFill($("period"), newest.map((period) => [period.period_end, label(period)]), closed && closed.period_end);
  const ends = [["", "(default)"], ...newest.filter((p) => p.is_closed).map((p) => [p.period_end, label(p)])];
  xlbFill($("margin-from"), ends, "");
  xlbFill($("margin-to"), ends, "");
  const named = customers.body.map((row) => [row.customer_code, `${row.customer_name} (${row.customer_code})`]);
  xlbFill($("customer"), [["", "Every customer"], ...named], "");
}

// --- the actions ---------------------------------------------------------------------------------------------------

/** Refresh the table `key` ("" for every table but reconciliation and margin) from /api/tables. */
async function xlbRefresh(key) {
  const what = XLB_TABLES[key] || key;
  xlbSay(`Fetching ${what.toLowerCase()}…`);
  const answer = await XLB_CLIENT.request("/api/tables", { only: key, ...xlbChoices() });
  xlbSay(`Writing ${answer.body.tables.length} tables…`);
  const written = await XLB_WORKBOOK.writeTables(answer.body.tables);
  await XLB_WORKBOOK.writeFetched(answer.body.fetched);
  XLB_CLIENT.forget();
  xlbSay(written);
}

/** Reconcile or margin: the table's current reviews posted, the sheet's tables written with them carried. */
async function xlbReviewed(key, table) {
  xlbSay(`Reading the ${table} table's reviews…`);
  const reviews = await XLB_WORKBOOK.readReviews(table);
  xlbSay(key === "margin" ? "Computing the margin (this can take a minute)…" : "Reconciling…");
  const range = key === "margin" ? { from: $("margin-from").value, to: $("margin-to").value } : {};
  const answer = await XLB_CLIENT.request(
    "/api/tables",
    { only: key, ...xlbChoices(), ...range },
    { method: "POST", body: { reviews } }
  );
  const written = await XLB_WORKBOOK.writeTables(answer.body.tables);
  await XLB_WORKBOOK.writeFetched(answer.body.fetched);
  xlbSay(written);
}

/** Build the invoices of the chosen period in the background on the server, show progress, offer the ZIP. */
async function xlbBuildInvoices() {
  const { period, customer } = xlbChoices();
  $("download").hidden = true;
  $("summary").textContent = "";
  xlbSay("Starting the invoice run…");
  const started = await XLB_CLIENT.request(
    "/api/jobs/report",
    { period, customer, pdf: $("pdf").checked ? "true" : "false", einvoice: $("einvoice").value },
    { method: "POST" }
  );
  const job = started.body.job;
  for (;;) {
    const state = (await XLB_CLIENT.request(`/api/jobs/${encodeURIComponent(job)}`)).body;
    xlbProgress(state);
    if (state.state === "failed") throw new XLB_CLIENT.Problem("#N/A", state.error || "The invoice run failed.");
    if (state.state === "done") break;
    await new Promise((resolve) => setTimeout(resolve, XLB_POLL_MS));
  }
  const zip = await XLB_CLIENT.request(`/api/jobs/${encodeURIComponent(job)}/download`, {}, { raw: true });
  const link = $("download");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(await zip.blob());
  link.download = `invoices-${period || "latest"}.zip`;
  link.textContent = `Download ${link.download}`;
  link.hidden = false;
  xlbSay("Invoices built: download them below.");
}

function xlbProgress(state) {
  const bar = $("progress");
  bar.hidden = state.state !== "running";
  if (state.total) {
    bar.max = state.total;
    bar.value = state.done || 0;
  } else {
    bar.removeAttribute("value");
  }
  const counted = state.total ? ` ${state.done || 0} of ${state.total}` : "";
  if (state.state === "running") xlbSay(`${state.step || "Working"}…${counted}`);
  if (state.summary) $("summary").textContent = state.summary;
}

function xlbClearCache() {
  XLB_CLIENT.forget();
  xlbSay("Forgot the kept answers: recalculate (Ctrl+Alt+F9) to fetch the XLB functions' data again.");
}

// --- wiring: the pane's controls and the ribbon's buttons -----------------------------------------------------------

const XLB_ACTIONS = {
  refreshAll: () => xlbRefresh(""),
  refreshPeriods: () => xlbRefresh("periods"),
  refreshCustomers: () => xlbRefresh("customers"),
  refreshSummary: () => xlbRefresh("summary"),
  refreshDetail: () => xlbRefresh("detail"),
  refreshInvoiceLines: () => xlbRefresh("invoice_lines"),
  refreshAnalysis: () => xlbRefresh("analysis"),
  refreshXariosInvoices: () => xlbRefresh("xarios_invoices"),
  buildInvoices: xlbBuildInvoices,
  reconcile: () => xlbReviewed("reconciliation", "Reconciliation"),
  margin: () => xlbReviewed("margin", "Margin"),
  clearCache: async () => xlbClearCache(),
};
globalThis.XLB_ACTIONS = XLB_ACTIONS;

function xlbWire() {
  xlbFill($("table"), Object.entries(XLB_TABLES), "");
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) return xlbFail(new XLB_CLIENT.Problem("#VALUE!", "Paste your xlbilling token first: your admin gives you one."));
    xlbAct(() => xlbSignIn(token));
  });
  $("signout").addEventListener("click", () => xlbAct(xlbSignOut));
  $("refresh").addEventListener("click", () => xlbAct(() => xlbRefresh($("table").value)));
  $("build").addEventListener("click", () => xlbAct(xlbBuildInvoices));
  $("reconcile").addEventListener("click", () => xlbAct(XLB_ACTIONS.reconcile));
  $("margin").addEventListener("click", () => xlbAct(XLB_ACTIONS.margin));
  $("clear").addEventListener("click", () => xlbAct(XLB_ACTIONS.clearCache));
  for (const [id, action] of Object.entries(XLB_ACTIONS)) {
    // A ribbon button: its outcome shows in the pane; Excel is told it finished whatever happened.
    Office.actions.associate(id, (event) => xlbAct(action).finally(() => event.completed()));
  }
}

Office.onReady(async () => {
  xlbWire();
  const kept = await OfficeRuntime.storage.getItem(XLB_CLIENT.tokenKey);
  if (kept) await xlbAct(() => xlbSignIn(kept));
  if ($("work").hidden) xlbShowSignIn(); // no token kept, or the server could not be asked (its error shows)
});
