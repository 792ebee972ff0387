// 数据库 (administrators): which database this PC uses — the default file, another file, or
// a PostgreSQL server on the office LAN — tested before it is saved, opened at the next
// start. The same form is shown over the window, without sign-in, when the database could
// not be reached at start. Data enters the page only through textContent and values.

import { $, invoke, errorText } from "./dom.js";

let hasPassword = false;

function kind() {
  const checked = document.querySelector('input[name="db-kind"]:checked');
  return checked ? checked.value : "default";
}

function showParts() {
  const k = kind();
  for (const part of document.querySelectorAll("#database-form .db-part")) {
    part.hidden = part.dataset.kind !== k;
  }
  if (k === "server") $("db-root-cert-field").hidden = $("db-tls").value !== "verify-full";
}

function result(text, kindOfMessage) {
  const box = $("db-result");
  box.textContent = text || "";
  box.className = `message wide ${kindOfMessage || "info"}`;
  box.hidden = !text;
}

function sourceText(s) {
  if (s.source === "env") return "（由环境变量 WENZHENG_DB 指定，它优先于这里保存的设置）";
  if (s.source === "saved") return "（本机保存的设置）";
  return "（默认）";
}

function fill(status) {
  $("db-in-use").textContent = status.in_use;
  $("db-next").textContent = `${status.location}${sourceText(status)}`;
  $("db-default-file").textContent = `默认数据库文件：${status.default_file}`;
  const k = status.source === "default" ? "default" : status.kind;
  $(`db-kind-${k}`).checked = true;
  $("db-file").value = status.kind === "file" && status.source !== "default" ? status.file : "";
  const server = status.server || {};
  $("db-host").value = server.host || "";
  $("db-port").value = server.port || "";
  $("db-name").value = server.database || "";
  $("db-user").value = server.user || "";
  $("db-tls").value = server.tls || "prefer";
  $("db-root-cert").value = server.root_cert || "";
  $("db-password").value = "";
  hasPassword = status.has_password;
  $("db-password").placeholder = hasPassword ? "留空则沿用已保存的密码" : "";
  $("db-restart").hidden = !status.restart_needed;
  showParts();
}

function choice() {
  const k = kind();
  if (k === "file") return { kind: "file", path: $("db-file").value };
  if (k === "server") {
    const port = Number.parseInt($("db-port").value, 10);
    return {
      kind: "server",
      host: $("db-host").value,
      port: Number.isInteger(port) ? port : null,
      database: $("db-name").value,
      user: $("db-user").value,
      password: $("db-password").value || null,
      tls: $("db-tls").value,
      root_cert: $("db-root-cert").value || null,
    };
  }
  return { kind: "default" };
}

/** Loads this PC's setting into the form. */
export async function loadDatabase() {
  result("");
  try {
    fill(await invoke("database_status"));
  } catch (err) {
    result(`读取数据库设置失败：${errorText(err)}`, "error");
  }
}

async function check() {
  const button = $("db-check");
  button.disabled = true;
  result("正在连接……", "info");
  try {
    const found = await invoke("database_check", { choice: choice() });
    result(found.summary, "success");
  } catch (err) {
    result(errorText(err), "error");
  } finally {
    button.disabled = false;
  }
}

async function save(event) {
  event.preventDefault();
  const button = $("db-save");
  button.disabled = true;
  result("正在测试连接并保存……", "info");
  try {
    const status = await invoke("database_save", { choice: choice() });
    fill(status);
    const when = status.restart_needed ? "重新启动程序后生效。" : "";
    const env = status.source === "env" ? "注意：环境变量 WENZHENG_DB 已设置，它优先于保存的设置。" : "";
    result(`已保存：下次启动使用 ${status.location}。${when}${env}`, env ? "warning" : "success");
  } catch (err) {
    result(`没有保存：${errorText(err)}`, "error");
  } finally {
    button.disabled = false;
  }
}

async function restart() {
  try {
    await invoke("restart_app");
  } catch (err) {
    result(errorText(err), "error");
  }
}

/** Shows the form over the window: the database could not be reached at start. */
export function showUnavailable(unavailable) {
  $("unavailable-problem").textContent = unavailable.problem;
  $("unavailable-slot").appendChild($("database-form"));
  loadDatabase();
}

function init() {
  for (const radio of document.querySelectorAll('input[name="db-kind"]')) {
    radio.addEventListener("change", showParts);
  }
  $("db-tls").addEventListener("change", showParts);
  $("db-check").addEventListener("click", check);
  $("database-form").addEventListener("submit", save);
  $("db-restart").addEventListener("click", restart);
  $("nav-database").addEventListener("click", loadDatabase);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
