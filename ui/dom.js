// Small DOM helpers. Data only ever enters the page through textContent.

const tauriInvoke = window.__TAURI__.core.invoke;
let lockedHandler = null;

/** Sets what to do when a command is refused because the session is locked. */
export function onLocked(handler) {
  lockedHandler = handler;
}

/**
 * Calls a command of the Rust side. An error {code: "locked"} (nobody signed in, or idle
 * too long) also shows the login form again; the error is still passed on to the caller.
 */
export async function invoke(command, args) {
  try {
    return await tauriInvoke(command, args);
  } catch (err) {
    if (err && (err.code === "locked" || err.code === "restart") && lockedHandler) lockedHandler(err);
    throw err;
  }
}

export const $ = (id) => document.getElementById(id);

/** An element with a class and text (text set with textContent). */
export function el(tagName, className, text) {
  const node = document.createElement(tagName);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Shows a message in the alert area; kind is "error", "success" or "warning". */
export function showMessage(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = false;
}

export function clearMessage() {
  const box = $("message");
  box.textContent = "";
  box.hidden = true;
}

/** The message of an IPC error ({code, message}) or of anything else thrown. */
export function errorText(err) {
  if (err && typeof err === "object" && typeof err.message === "string") return err.message;
  return String(err);
}

/** "2026-03-02" → "2026年3月2日". */
export function chineseDate(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd || "");
  if (!m) return ymd || "";
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}

/** "2026-02-13T10:00:00+08:00" → "2026-02-13 10:00". */
export function shortTime(rfc3339) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(rfc3339 || "");
  return m ? `${m[1]} ${m[2]}` : rfc3339 || "";
}

/** "2026-02-13T10:00:00+08:00" → "2026年2月13日 10:00". */
export function chineseTime(rfc3339) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(rfc3339 || "");
  return m ? `${chineseDate(m[1])} ${m[2]}` : rfc3339 || "";
}

/** Now in China Standard Time, as a datetime-local value (YYYY-MM-DDTHH:MM). */
export function nowLocalValue() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 16);
}

export function option(value, label) {
  const opt = document.createElement("option");
  opt.value = value;
  opt.textContent = label;
  return opt;
}

export function tag(text, className) {
  return el("span", `tag ${className}`, text);
}
