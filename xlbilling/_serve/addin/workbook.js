/*
 * Writing the server's tables into the open workbook with Excel.run, as `xlbilling refresh` writes them into
 * a closed one: the same sheets, table names, columns and stamp cells (templates/billing.xlsx).
 *
 * A missing sheet or table is created at its anchor; an existing table is resized from its own top-left cell.
 * Columns a user added to a table stay: a calculated column keeps its formula on every row, a typed column
 * keeps each value with its row (found again by the row's identity). Every table's room is checked before
 * anything is written, so a cell in the way leaves the workbook as it was. Dates are written as dates; text
 * from an API is written as text (Excel's ' prefix), so it never becomes a formula, number or date.
 */
"use strict";

const XLB_REVIEW_COLUMNS = ["period_end", "account_code", "sku", "vendor_quantity", "billed_quantity", "review", "note"];
const XLB_FORMULA_START = /^[=+\-@]/;

// --- A1 addresses ----------------------------------------------------------------------------------------

function xlbColumnLetter(number) {
  let letters = "";
  for (let n = number; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** "Sheet 1!B3:D9" or "B3" -> {column, row, lastColumn, lastRow} (1-based). */
function xlbBounds(address) {
  const cells = address.slice(address.lastIndexOf("!") + 1).replace(/\$/g, "").split(":");
  const [column, row] = xlbSplitCell(cells[0]);
  const [lastColumn, lastRow] = xlbSplitCell(cells[1] || cells[0]);
  return { column, row, lastColumn, lastRow };
}

function xlbSplitCell(cell) {
  const [, letters, digits] = /^([A-Z]+)(\d+)$/i.exec(cell);
  const column = [...letters.toUpperCase()].reduce((n, letter) => n * 26 + letter.charCodeAt(0) - 64, 0);
  return [column, Number(digits)];
}

function xlbAddress({ column, row, lastColumn, lastRow }) {
  return `${xlbColumnLetter(column)}${row}:${xlbColumnLetter(lastColumn)}${lastRow}`;
}

// --- values as cells ---------------------------------------------------------------------------------------

/** One value of the server's tables as written to a cell: ISO dates as serials (formatted as dates), text
 * with Excel's ' prefix so it stays text (the server already prefixed text that looks like a formula). */
function xlbWritten(value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return value;
  if (XLB_DATE.test(value) && value.length <= 19) return xlbSerial(value);
  if (value === "") return "";
  return value.startsWith("'") && XLB_FORMULA_START.test(value.slice(1)) ? value : `'${value}`;
}

function xlbDateFormat(values) {
  const dated = values.find((value) => typeof value === "string" && XLB_DATE.test(value) && value.length <= 19);
  if (dated === undefined) return null;
  return dated.length > 10 ? "yyyy-mm-dd hh:mm" : "yyyy-mm-dd";
}

/** A cell's value as rows are matched: dates (serials) and numbers alike as number text, text trimmed. */
function xlbSame(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string" && XLB_DATE.test(value) && value.length <= 19) return String(xlbSerial(value));
  return String(value).replace(/^'(?=[=+\-@])/, "").trim();
}

// --- the plan: everything checked before anything is written ------------------------------------------------

class XlbRefusal extends Error {}

function xlbOwnColumns(entry, header) {
  const ours = new Map(entry.columns.map((name) => [name.toLowerCase(), name]));
  const theirs = header.filter((name) => !ours.has(String(name).toLowerCase()));
  const missing = entry.columns.filter((name) => !header.some((h) => String(h).toLowerCase() === name.toLowerCase()));
  if (missing.length && theirs.length) {
    throw new XlbRefusal(
      `The ${entry.table} table on '${entry.sheet}' has no column ${missing[0]}, which xlbilling fills (its columns ` +
        `xlbilling does not write: ${theirs.join(", ")}). Name that column ${missing[0]} again (or undo the change), ` +
        "then refresh again."
    );
  }
  const order = header.filter((h) => ours.has(String(h).toLowerCase()) || theirs.includes(h))
    .map((h) => ours.get(String(h).toLowerCase()) || h);
  return { order: [...order, ...entry.columns.filter((name) => !order.includes(name))], theirs };
}

/** The block to write into an existing table: its columns in the table's order, a user's own columns kept. */
function xlbMerged(entry, old) {
  const [header, ...body] = old.values;
  const { order, theirs } = xlbOwnColumns(entry, header.map(String));
  const keys = (entry.identity && entry.identity.length ? entry.identity : entry.columns)
    .map((name) => entry.columns.indexOf(name)).filter((index) => index >= 0);
  const oldIndex = (name) => header.findIndex((h) => String(h).toLowerCase() === String(name).toLowerCase());
  const oldKeys = keys.map((index) => oldIndex(entry.columns[index]));
  const kept = new Map();
  body.filter((row) => row.some((cell) => cell !== "" && cell !== null)).forEach((row) => {
    const key = JSON.stringify(oldKeys.map((index) => xlbSame(row[index])));
    if (!kept.has(key)) kept.set(key, []);
    kept.get(key).push(row);
  });
  const matched = entry.rows.map((row) => {
    const queue = kept.get(JSON.stringify(keys.map((index) => xlbSame(row[index])))) || [];
    return queue.shift() || null;
  });
  const formulas = {};
  theirs.forEach((name) => {
    const first = old.formulasR1C1[1] && old.formulasR1C1[1][oldIndex(name)];
    if (typeof first === "string" && first.startsWith("=")) formulas[name] = first;
  });
  const rows = entry.rows.map((row, number) =>
    order.map((name) => {
      const ours = entry.columns.indexOf(name);
      if (ours >= 0) return xlbWritten(row[ours]);
      if (name in formulas || !matched[number]) return "";
      const value = matched[number][oldIndex(name)];
      return typeof value === "string" && value !== "" ? `'${value}` : value;
    })
  );
  return { header: order, rows, formulas };
}

function xlbPlanned(entry, bounds, header, rows, formulas = {}) {
  const lastRow = bounds.row + Math.max(rows.length, 1);
  const width = header.length;
  const body = rows.length ? rows : [header.map(() => "")];
  const to = { ...bounds, lastColumn: bounds.column + width - 1, lastRow };
  const columnOf = (name) => entry.columns.indexOf(name);
  const dates = header.map((name) => (columnOf(name) >= 0 ? xlbDateFormat(entry.rows.map((r) => r[columnOf(name)])) : null));
  return { entry, to, block: [header, ...body], dates, formulas, header };
}

/** Whether every cell of `values` (read at `at`) that lies outside `except` is empty. */
function xlbRoom(values, at, except) {
  return values.every((row, r) => row.every((cell, c) => {
    const inside = except && at.row + r <= except.lastRow && at.column + c <= except.lastColumn &&
      at.row + r >= except.row && at.column + c >= except.column;
    return inside || cell === "" || cell === null;
  }));
}

function xlbInTheWay(plan) {
  return new XlbRefusal(
    `Cells in the way: ${plan.entry.sheet}!${xlbAddress(plan.to)} must be free for the ${plan.entry.table} table ` +
      `(${plan.entry.rows.length} rows). Move what is there, then refresh again.`
  );
}

/** Write the server's `tables` into the workbook; returns "Refreshed Summary (120 rows), ..." or throws an
 * XlbRefusal (nothing written) saying what to do. */
async function xlbWriteTables(tables) {
  return Excel.run(async (context) => {
    const book = context.workbook;
    const found = tables.map((entry) => {
      const sheet = book.worksheets.getItemOrNullObject(entry.sheet);
      const table = book.tables.getItemOrNullObject(entry.table);
      sheet.load("isNullObject");
      table.load("isNullObject");
      return { entry, sheet, table };
    });
    await context.sync();
    const firsts = new Set();
    const added = new Map(); // sheets made in this refresh, once each
    for (const item of found) {
      const first = !firsts.has(item.entry.sheet);
      firsts.add(item.entry.sheet);
      if (first && item.table.isNullObject && !item.sheet.isNullObject) {
        throw new XlbRefusal(
          `The sheet '${item.entry.sheet}' has no ${item.entry.table} table: it is not xlbilling's, so nothing was ` +
            `written to it. Rename your sheet '${item.entry.sheet}' and xlbilling adds its own.`
        );
      }
      if (item.table.isNullObject) {
        if (item.sheet.isNullObject) {
          if (!added.has(item.entry.sheet)) added.set(item.entry.sheet, book.worksheets.add(item.entry.sheet));
          item.sheet = added.get(item.entry.sheet);
        }
        const at = xlbBounds(item.entry.anchor || "A3");
        item.plan = xlbPlanned(item.entry, at, item.entry.columns, item.entry.rows.map((row) => row.map(xlbWritten)));
        item.room = item.sheet.getRange(xlbAddress(item.plan.to));
      } else {
        item.sheet = item.table.worksheet;
        item.old = item.table.getRange();
        item.old.load("address, values, formulasR1C1");
      }
    }
    await context.sync();
    for (const item of found.filter((each) => each.old)) {
      const merged = xlbMerged(item.entry, item.old);
      item.was = xlbBounds(item.old.address);
      item.plan = xlbPlanned(item.entry, item.was, merged.header, merged.rows, merged.formulas);
      item.room = item.sheet.getRange(xlbAddress(item.plan.to));
    }
    found.forEach((item) => item.room.load("values"));
    await context.sync();
    const blocked = found.find((item) => !xlbRoom(item.room.values, item.plan.to, item.was));
    if (blocked) throw xlbInTheWay(blocked.plan);
    found.forEach((item) => xlbWrite(item));
    await context.sync();
    const firstOf = found.filter((item) => item.entry.stamp_cell === "A1" || !item.entry.stamp_cell);
    return "Refreshed " + firstOf.map((item) => `${item.entry.table} (${item.entry.rows.length.toLocaleString("en")} rows)`).join(", ") + ".";
  });
}

function xlbWrite({ entry, sheet, table, plan, was }) {
  const to = plan.to;
  if (table.isNullObject) {
    sheet.getRange(xlbAddress(to)).values = plan.block;
    sheet.tables.add(sheet.getRange(xlbAddress(to)), true).name = entry.table;
  } else {
    table.resize(`${entry.sheet}!${xlbAddress(to)}`);
    sheet.getRange(xlbAddress(to)).values = plan.block;
    if (was.lastRow > to.lastRow) {
      sheet.getRange(xlbAddress({ ...was, row: to.lastRow + 1 })).clear("Contents");
    }
  }
  plan.header.forEach((name, index) => {
    const column = to.column + index;
    const body = { column, lastColumn: column, row: to.row + 1, lastRow: to.lastRow };
    const rows = to.lastRow - to.row;
    if (plan.dates[index]) sheet.getRange(xlbAddress(body)).numberFormat = Array(rows).fill([plan.dates[index]]);
    if (plan.formulas[name]) sheet.getRange(xlbAddress(body)).formulasR1C1 = Array(rows).fill([plan.formulas[name]]);
  });
  if (entry.stamp && entry.stamp_cell) sheet.getRange(entry.stamp_cell).values = [[xlbWritten(entry.stamp)]];
  if (entry.printed && entry.printed_cell) sheet.getRange(entry.printed_cell).values = [[xlbWritten(entry.printed)]];
}

/** Update the workbook's Fetched table, which the Overview's figures read, with the rows of the data sets just
 * written (`fetched` of /api/tables): the other data sets' rows are kept, every row in the server's order. A
 * workbook without that table (one made from an earlier template) is left as it is. */
async function xlbWriteFetched(fetched) {
  if (!fetched || !fetched.rows.length) return;
  const old = await Excel.run(async (context) => {
    const table = context.workbook.tables.getItemOrNullObject(fetched.table);
    table.load("isNullObject");
    await context.sync();
    if (table.isNullObject) return null;
    const range = table.getRange();
    range.load("values, numberFormat");
    await context.sync();
    return { values: range.values, formats: range.numberFormat };
  });
  if (old === null) return;
  const [header, ...body] = old.values;
  const at = (name) => header.findIndex((h) => String(h).toLowerCase() === name);
  const rows = new Map();
  body.forEach((row, r) => {
    const data = row[at("data")];
    if (data === "" || data === null || at("data") < 0) return;
    rows.set(String(data), fetched.columns.map((name) => {
      const value = at(name) < 0 ? "" : row[at(name)];
      const format = at(name) < 0 ? "" : String(old.formats[r + 1][at(name)]);
      return typeof value === "number" && /y/i.test(format) ? xlbIsoMoment(value) : value; // a date as the server says one
    }));
  });
  fetched.rows.forEach((row) => rows.set(String(row[0]), row));
  const rank = (data) => (fetched.order.includes(data) ? fetched.order.indexOf(data) : fetched.order.length);
  const ordered = [...rows.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([, row]) => row);
  await xlbWriteTables([{ ...fetched, rows: ordered }]);
}

/** The rows of a reviewed table (Reconciliation, Margin) as the server carries their decisions: period_end as
 * ISO text, the codes and quantities, review and note; [] when the table is not there yet. */
async function xlbReadReviews(tableName) {
  return Excel.run(async (context) => {
    const table = context.workbook.tables.getItemOrNullObject(tableName);
    table.load("isNullObject");
    await context.sync();
    if (table.isNullObject) return [];
    const range = table.getRange();
    range.load("values");
    await context.sync();
    const [header, ...body] = range.values;
    const at = (name) => header.findIndex((h) => String(h).toLowerCase() === name);
    return body
      .filter((row) => row.some((cell) => cell !== "" && cell !== null))
      .map((row) => Object.fromEntries(XLB_REVIEW_COLUMNS.filter((name) => at(name) >= 0).map((name) => {
        const value = row[at(name)];
        return [name, name === "period_end" && typeof value === "number" ? xlbIsoDate(value) : value];
      })));
  });
}

function xlbIsoDate(serial) {
  return new Date(Date.UTC(1899, 11, 30) + Math.round(serial) * 86400000).toISOString().slice(0, 10);
}

/** An Excel serial as the server writes a date (a whole day) or a date-time (to the second). */
function xlbIsoMoment(serial) {
  if (Number.isInteger(serial)) return xlbIsoDate(serial);
  return new Date(Date.UTC(1899, 11, 30) + Math.round(serial * 86400) * 1000).toISOString().slice(0, 19);
}

globalThis.XLB_WORKBOOK = {
  writeTables: xlbWriteTables,
  writeFetched: xlbWriteFetched,
  readReviews: xlbReadReviews,
  Refusal: XlbRefusal,
};
