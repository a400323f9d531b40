// A stand-in for Office's hosted office.js in headless Chromium (the real one, outside Office, leaves Excel
// undefined). It keeps a small workbook model and records what the pane writes, with the parts of Office.js
// semantics the pane's code must respect to work in Excel: properties read only after load() and sync(),
// writes applied at sync() in order, values/formats the exact size of their range, a table header that stays
// put when resized, tables that may not overlap, and typed text parsed as Excel parses it (=... becomes a
// formula, 00123 a number) unless it starts with Excel's ' text prefix. window.__xlb exposes the record.
"use strict";

(() => {
  const sheets = new Map(); // name -> Map("row,column" -> {value, kind, format, formula})
  const tables = []; // {name, sheet, bounds}
  const record = { actions: {}, functions: {}, syncs: 0, writes: [] };

  const letters = (n) => (n > 0 ? letters(Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26)) : "");
  function bounds(address) {
    const cells = address.slice(address.lastIndexOf("!") + 1).replace(/\$/g, "").split(":");
    const one = (cell) => {
      const [, l, d] = /^([A-Z]+)(\d+)$/.exec(cell);
      return [[...l].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0), Number(d)];
    };
    const [column, row] = one(cells[0]);
    const [lastColumn, lastRow] = one(cells[1] || cells[0]);
    return { column, row, lastColumn, lastRow };
  }
  const a1 = (b) => `${letters(b.column)}${b.row}:${letters(b.lastColumn)}${b.lastRow}`;
  const quoted = (sheet) => (/^[A-Za-z0-9_]+$/.test(sheet) ? sheet : `'${sheet}'`);
  const fail = (code, message) => Object.assign(new Error(`${code}: ${message}`), { code });
  const cellsOf = (sheet) => {
    if (!sheets.has(sheet)) throw fail("ItemNotFound", `no sheet ${sheet}`);
    return sheets.get(sheet);
  };
  const overlap = (a, b) => a.column <= b.lastColumn && b.column <= a.lastColumn && a.row <= b.lastRow && b.row <= a.lastRow;
  const tableNamed = (name) => tables.find((t) => t.name.toLowerCase() === String(name).toLowerCase()) || null;

  /** A value as Excel takes it when it is typed (or set through Range.values). */
  function typed(value) {
    if (typeof value !== "string") return { value, kind: typeof value };
    if (value.startsWith("'")) return { value: value.slice(1), kind: "text", prefixed: true };
    if (value.startsWith("=") && value.length > 1) return { value: null, kind: "formula", formula: value };
    if (/^[+-]?\d+(\.\d+)?$/.test(value.trim())) return { value: Number(value), kind: "number" };
    if (/^(true|false)$/i.test(value)) return { value: value.toLowerCase() === "true", kind: "boolean" };
    if (value === "") return { value: "", kind: "empty" };
    return { value, kind: "text" };
  }

  function grid(range, fn) {
    const out = [];
    for (let r = range.row; r <= range.lastRow; r++) {
      const row = [];
      for (let c = range.column; c <= range.lastColumn; c++) row.push(fn(cellsOf(range.sheet).get(`${r},${c}`) || {}, r, c));
      out.push(row);
    }
    return out;
  }

  function put(range, rows, fn) {
    const height = range.lastRow - range.row + 1;
    const width = range.lastColumn - range.column + 1;
    if (!Array.isArray(rows) || rows.length !== height || rows.some((row) => row.length !== width)) {
      throw fail("InvalidArgument", `${height}x${width} values needed for ${range.sheet}!${a1(range)}`);
    }
    const cells = cellsOf(range.sheet);
    rows.forEach((row, r) => row.forEach((value, c) => {
      const key = `${range.row + r},${range.column + c}`;
      cells.set(key, fn(cells.get(key) || {}, value));
    }));
  }

  const readers = {
    range: {
      address: (g) => `${quoted(g.sheet)}!${a1(g)}`,
      values: (g) => grid(g, (cell) => (cell.kind === "formula" ? cell.formula : cell.value ?? "")),
      formulasR1C1: (g) => grid(g, (cell) => (cell.kind === "formula" ? cell.formula : cell.value ?? "")),
      numberFormat: (g) => grid(g, (cell) => cell.format || "General"),
      rowCount: (g) => g.lastRow - g.row + 1,
      columnCount: (g) => g.lastColumn - g.column + 1,
    },
    sheet: { name: (s) => s.name },
    table: { name: (t) => t.name },
  };
  const writers = {
    range: {
      values: (g, rows) => put(g, rows, (cell, value) => ({ ...cell, formula: undefined, ...typed(value) })),
      numberFormat: (g, rows) => put(g, rows, (cell, format) => ({ ...cell, format })),
      formulasR1C1: (g, rows) => put(g, rows, (cell, formula) => ({ ...cell, ...typed(formula) })),
    },
    table: {
      name: (t, name) => {
        if (tableNamed(name) && tableNamed(name) !== t) throw fail("InvalidArgument", `a table is already named ${name}`);
        t.name = name;
      },
    },
  };

  /** A proxy for an object resolved at sync time: unloaded properties throw, as in Office.js. */
  function clientObject(context, kind, resolve, methods = {}) {
    const loaded = {};
    const target = {
      ...methods,
      load(names) {
        const wanted = (Array.isArray(names) ? names : String(names).split(",")).map((n) => n.trim());
        context.queue.push(() => {
          const real = resolve();
          for (const name of wanted) {
            if (name === "isNullObject") loaded.isNullObject = real === null;
            else if (real === null) throw fail("ItemNotFound", `${kind}.${name} of a null object`);
            else loaded[name] = readers[kind][name](real);
          }
        });
        return proxy;
      },
    };
    const proxy = new Proxy(target, {
      get(t, name) {
        if (name in t) return t[name];
        if (name in loaded) return loaded[name];
        if (typeof name === "symbol" || name === "then" || name === "toJSON") return undefined;
        throw fail("PropertyNotLoaded", `${kind}.${String(name)} read before load() and sync()`);
      },
      set(t, name, value) {
        if (!writers[kind] || !writers[kind][name]) throw fail("InvalidOperation", `${kind}.${name} cannot be set`);
        record.writes.push({ kind, name });
        context.queue.push(() => writers[kind][name](resolve(), value));
        return true;
      },
    });
    return proxy;
  }

  function rangeObject(context, resolve) {
    return clientObject(context, "range", resolve, {
      __resolve: resolve, // for tables.add(range)
      clear(what) {
        context.queue.push(() => {
          const g = resolve();
          const cells = cellsOf(g.sheet);
          grid(g, (cell, r, c) => cells.set(`${r},${c}`, what === "Contents" ? { format: cell.format } : {}));
        });
      },
    });
  }

  function sheetObject(context, resolve) {
    const sheetName = () => resolve().name;
    return clientObject(context, "sheet", resolve, {
      getRange: (address) => rangeObject(context, () => ({ sheet: sheetName(), ...bounds(address) })),
      tables: {
        add(range, hasHeaders) {
          const made = {};
          context.queue.push(() => {
            const g = range.__resolve();
            const clash = tables.find((t) => t.sheet === g.sheet && overlap(t.bounds, g));
            if (clash) throw fail("InvalidOperation", `overlaps table ${clash.name}`);
            if (!hasHeaders) throw fail("InvalidArgument", "the stand-in models tables with headers only");
            const headers = grid({ ...g, lastRow: g.row }, (cell) => cell.value);
            if (headers[0].some((h) => h === "" || h === undefined)) throw fail("InvalidArgument", "empty header");
            Object.assign(made, { name: `Table${tables.length + 1}`, sheet: g.sheet, bounds: { ...g } });
            tables.push(made);
          });
          return tableObject(context, () => made);
        },
      },
    });
  }

  function tableObject(context, resolve) {
    return clientObject(context, "table", resolve, {
      get worksheet() {
        return sheetObject(context, () => ({ name: resolve().sheet }));
      },
      getRange: () => rangeObject(context, () => ({ sheet: resolve().sheet, ...resolve().bounds })),
      resize(address) {
        context.queue.push(() => {
          const t = resolve();
          const g = bounds(address);
          if (g.row !== t.bounds.row || g.column !== t.bounds.column) throw fail("InvalidArgument", "the header must stay put");
          if (tables.some((other) => other !== t && other.sheet === t.sheet && overlap(other.bounds, g))) {
            throw fail("InvalidOperation", "the table would overlap another");
          }
          t.bounds = g;
        });
      },
    });
  }

  function run(callback) {
    const context = {
      queue: [],
      async sync() {
        record.syncs += 1;
        const queue = context.queue.splice(0);
        for (const op of queue) op();
      },
    };
    context.workbook = {
      worksheets: {
        getItemOrNullObject: (name) => sheetObject(context, () => (sheets.has(name) ? { name } : null)),
        add: (name) => {
          context.queue.push(() => {
            if (sheets.has(name)) throw fail("ItemAlreadyExists", name);
            sheets.set(name, new Map());
          });
          return sheetObject(context, () => ({ name }));
        },
      },
      tables: { getItemOrNullObject: (name) => tableObject(context, () => tableNamed(name)) },
    };
    return Promise.resolve(callback(context)).then(async (result) => {
      await context.sync();
      return result;
    });
  }

  const stored = (key) => `officeRuntime:${key}`;
  window.OfficeRuntime = {
    storage: {
      getItem: async (key) => localStorage.getItem(stored(key)),
      setItem: async (key, value) => localStorage.setItem(stored(key), value),
      removeItem: async (key) => localStorage.removeItem(stored(key)),
    },
  };
  window.Excel = { run };
  window.CustomFunctions = {
    associate: (id, fn) => (record.functions[id] = fn),
    ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A" },
    Error: class extends Error {
      constructor(code, message) {
        super(message);
        this.code = code;
      }
    },
  };
  window.Office = {
    onReady: (callback) => Promise.resolve({ host: "Excel", platform: "OfficeOnline" }).then((info) => (callback ? callback(info) : info)),
    actions: { associate: (id, fn) => (record.actions[id] = fn) },
    context: { requirements: { isSetSupported: () => true } },
  };

  /** For the tests: a table's cells as written ({value, kind, format}), rows top to bottom. */
  record.table = (name) => {
    const t = tableNamed(name);
    return t && { sheet: t.sheet, address: a1(t.bounds), cells: grid({ sheet: t.sheet, ...t.bounds }, (cell) => ({ ...cell })) };
  };
  record.cell = (sheet, address) => ({ ...(cellsOf(sheet).get(`${bounds(address).row},${bounds(address).column}`) || {}) });
  record.sheets = () => [...sheets.keys()];
  record.tables = () => tables.map((t) => ({ name: t.name, sheet: t.sheet, address: a1(t.bounds) }));
  record.fill = (sheet, address, rows) => {
    if (!sheets.has(sheet)) sheets.set(sheet, new Map());
    put({ sheet, ...bounds(address) }, rows, (cell, value) => ({ ...cell, ...typed(value) }));
  };
  record.widen = (name, columns) => {
    tableNamed(name).bounds.lastColumn += columns;
  };
  record.press = (id) => new Promise((resolve) => record.actions[id]({ completed: resolve }));
  window.__xlb = record;
})();
