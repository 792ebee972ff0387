// 铃铛: the deadline watch's notifications for the signed-in user (unread count, the list
// newest first, 全部已读), the window's side of a click on a desktop notification, and the
// 提醒设置 form. Data enters the page only through textContent.

import { $, el, invoke, showMessage, clearMessage, errorText, chineseTime } from "./dom.js";
import { openCase } from "./case.js";

const events = window.__TAURI__.event;
let showView = null;
let started = false;

function setOpen(open) {
  $("bell-panel").hidden = !open;
  $("bell").setAttribute("aria-expanded", open ? "true" : "false");
}

/** Opens case `number` (the workbench when there is none). */
function openTarget(number) {
  setOpen(false);
  clearMessage();
  if (number) openCase(number, showView);
  else showView("view-dash");
}

async function clickItem(item) {
  try {
    if (!item.read) render(await invoke("bell_read", { key: item.key }));
  } catch (err) {
    showMessage(`标记已读失败：${errorText(err)}`, "error");
  }
  openTarget(item.case_number);
}

function itemNode(item) {
  const li = el("li", item.read ? "bell-item" : "bell-item unread");
  li.dataset.key = item.key;
  if (item.case_number) li.dataset.number = item.case_number;
  li.tabIndex = 0;
  li.appendChild(el("div", "bell-summary", item.summary));
  li.appendChild(el("div", "bell-body", item.body));
  li.appendChild(el("div", "bell-time", chineseTime(item.sent_at)));
  li.addEventListener("click", () => clickItem(item));
  li.addEventListener("keydown", (e) => {
    if (e.key === "Enter") clickItem(item);
  });
  return li;
}

function render(bell) {
  const count = $("bell-count");
  count.textContent = bell.unread > 99 ? "99+" : String(bell.unread);
  count.hidden = bell.unread === 0;
  $("bell").setAttribute("aria-label", bell.unread ? `提醒（${bell.unread} 条未读）` : "提醒");
  $("bell-list").replaceChildren(...bell.items.map(itemNode));
  $("bell-empty").hidden = bell.items.length > 0;
  $("bell-read-all").disabled = bell.unread === 0;
}

/** Reads the bell again; hides it for users who may not see every case. */
export async function refreshBell() {
  try {
    render(await invoke("bell"));
    $("bell").hidden = false;
  } catch (err) {
    if (err && err.code === "forbidden") $("bell").hidden = true;
  }
}

async function readAll() {
  try {
    render(await invoke("bell_read", { key: null }));
  } catch (err) {
    showMessage(`标记已读失败：${errorText(err)}`, "error");
  }
}

// ---- 提醒设置 ---------------------------------------------------------------------------

const SETTINGS = [
  ["ns-ack", "ack_hours"],
  ["ns-reply", "reply_working_days"],
  ["ns-urge", "urge_limit"],
  ["ns-flood", "flood_limit"],
];

async function loadSettings() {
  try {
    const t = await invoke("notify_settings");
    for (const [id, field] of SETTINGS) $(id).value = String(t[field]);
  } catch (err) {
    showMessage(`读取提醒设置失败：${errorText(err)}`, "error");
  }
}

async function saveSettings(e) {
  e.preventDefault();
  clearMessage();
  const patch = {};
  for (const [id, field] of SETTINGS) {
    const text = $(id).value.trim();
    if (text === "") continue;
    if (!/^\d+$/.test(text)) {
      showMessage(`“${$(id).labels[0].textContent}”应填写非负整数`, "error");
      $(id).focus();
      return;
    }
    patch[field] = Number(text);
  }
  try {
    const t = await invoke("set_notify_settings", { patch });
    for (const [id, field] of SETTINGS) $(id).value = String(t[field]);
    showMessage("提醒设置已保存", "success");
  } catch (err) {
    showMessage(`保存失败：${errorText(err)}`, "error");
  }
}

/** Wires the bell and the settings form; `show` switches the screen. */
export function initBell(show) {
  showView = show;
  $("bell").addEventListener("click", () => {
    const open = $("bell-panel").hidden;
    setOpen(open);
    if (open) refreshBell();
  });
  $("bell-read-all").addEventListener("click", readAll);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") setOpen(false);
  });
  document.addEventListener("click", (e) => {
    if (!e.target.closest(".bell-wrap")) setOpen(false);
  });
  $("nav-notify").addEventListener("click", loadSettings);
  $("notify-form").addEventListener("submit", saveSettings);
}

/** After sign-in: shows the bell and listens to the deadline watch. */
export function startBell() {
  refreshBell();
  if (started) return;
  started = true;
  events.listen("bell-changed", () => refreshBell());
  // A click on a desktop notification: the Rust side has brought the window forward.
  events.listen("open-case", (e) => {
    refreshBell();
    openTarget(e.payload);
  });
}
