// Loads the SHIPPED functions.js into a fresh V8 context, as Excel's shared runtime would: the globals it
// expects (CustomFunctions, OfficeRuntime, Office, location) are small stand-ins; fetch is Node's real one,
// counted, so every request goes over real loopback HTTP to the server under test.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const ADDIN = path.resolve(__dirname, "../../xlbilling/_serve/addin");

/** The error codes Excel's CustomFunctions.ErrorCode names; only #VALUE! and #N/A show a custom message
 * (excel/custom-functions-errors.md), so the stand-in refuses a message on any other. */
const ERROR_CODES = {
  invalidValue: "#VALUE!",
  notAvailable: "#N/A",
  divisionByZero: "#DIV/0!",
  invalidNumber: "#NUM!",
  nullReference: "#NULL!",
  invalidName: "#NAME?",
  invalidReference: "#REF!",
};

class CustomFunctionsError extends Error {
  constructor(code, message) {
    super(message || "");
    if (!Object.values(ERROR_CODES).includes(code)) throw new TypeError(`not an Excel error code: ${code}`);
    if (message && code !== "#VALUE!" && code !== "#N/A") throw new TypeError(`Excel shows no message on ${code}`);
    this.code = code;
  }
}

/**
 * A runtime with functions.js loaded. `base`: the server's address; `token`: the personal token kept in
 * OfficeRuntime.storage (null: not signed in); `formattedNumbers`: whether Office says CustomFunctionsRuntime
 * 1.4 is supported (dates as formatted numbers) or not (plain serials).
 */
function load({ base, token = null, formattedNumbers = false } = {}) {
  const stored = new Map(token ? [["xlbilling.token", token]] : []);
  const requests = [];
  const associated = new Map();
  const context = {
    console,
    URL,
    AbortController,
    setTimeout,
    clearTimeout,
    fetch: (url, init) => {
      requests.push(String(url));
      return fetch(url, init);
    },
    location: { href: new URL("/addin/taskpane.html", base).toString() },
    CustomFunctions: {
      associate: (id, fn) => associated.set(id, fn),
      Error: CustomFunctionsError,
      ErrorCode: ERROR_CODES,
    },
    OfficeRuntime: {
      storage: {
        getItem: async (key) => (stored.has(key) ? stored.get(key) : null),
        setItem: async (key, value) => void stored.set(key, value),
        removeItem: async (key) => void stored.delete(key),
      },
    },
    Office: {
      context: { requirements: { isSetSupported: (name, version) => formattedNumbers && name === "CustomFunctionsRuntime" && version <= "1.4" } },
    },
  };
  context.globalThis = context;
  vm.createContext(context);
  const file = path.join(ADDIN, "functions.js");
  vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
  return { context, associated, requests, stored, call: (id, ...args) => associated.get(id)(...args) };
}

/** What a call gives as a cell would show it: the value, or {error: "#N/A", message}. */
async function outcome(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof CustomFunctionsError) return { error: error.code, message: error.message };
    throw error;
  }
}

module.exports = { ADDIN, CustomFunctionsError, load, outcome };
