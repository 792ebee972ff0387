// 关于: version, the years of the working-day schedules, and where data, backups and logs
// are kept. Data enters the page only through textContent.

import { $, el, invoke, showMessage, errorText } from "./dom.js";

function yearsText(years) {
  if (!years || years.length === 0) return "无";
  return years.map((y) => `${y}年`).join("、");
}

function row(list, label, value, className) {
  list.appendChild(el("dt", null, label));
  list.appendChild(el("dd", className, value));
}

/** Loads and shows the 关于 information. */
export async function loadAbout() {
  const list = $("about-fields");
  try {
    const a = await invoke("about");
    list.replaceChildren();
    $("about-name").textContent = a.name;
    row(list, "版本", a.version, "mono");
    row(list, "随程序附带的节假日安排", yearsText(a.bundled_years));
    row(list, "本机已有的节假日安排", yearsText(a.calendar_years));
    row(list, "数据库文件", a.database, "mono path");
    row(list, "自动备份文件夹", a.backups, "mono path");
    row(list, "日志文件夹", a.logs, "mono path");
  } catch (err) {
    showMessage(`读取“关于”信息失败：${errorText(err)}`, "error");
  }
}

function init() {
  const nav = $("nav-about");
  if (nav) nav.addEventListener("click", loadAbout);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
