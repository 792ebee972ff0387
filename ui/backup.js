// 备份与恢复 (administrators): the backup folder and rotation, the backups in it,
// 立即备份, and restoring from a chosen backup (checked first; the old file is kept; then
// the program asks to be restarted). Data enters the page only through textContent.

import { $, el, invoke, showMessage, clearMessage, errorText, chineseDate, chineseTime } from "./dom.js";
import { askRestart, restoredText } from "./login.js";

let chosen = null; // the backup file awaiting confirmation

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function dateText(f) {
  return f.kind === "daily" ? chineseDate(f.made_at) : chineseTime(f.made_at);
}

function backupRow(f, index) {
  const tr = el("tr");
  tr.dataset.name = f.name;
  tr.appendChild(el("td", "mono", f.name));
  tr.appendChild(el("td", "nowrap", dateText(f)));
  tr.appendChild(el("td", "num", sizeText(f.size)));
  const td = el("td");
  const b = el("button", "secondary", "恢复");
  b.type = "button";
  b.id = `restore-${index}`;
  b.addEventListener("click", () => {
    chosen = f;
    $("restore-confirm-text").textContent =
      `用备份 ${f.name}（${dateText(f)}）替换当前数据库？恢复前会先校验备份；当前数据库文件会保留在原处旁边。恢复后需要重新启动程序。`;
    $("restore-confirm").hidden = false;
    $("restore-go").focus();
  });
  td.appendChild(b);
  tr.appendChild(td);
  return tr;
}

function show(status) {
  $("backup-dir").value = status.settings.dir || "";
  $("backup-daily").value = String(status.settings.daily);
  $("backup-monthly").value = String(status.settings.monthly);
  $("backup-where").textContent = `备份保存在：${status.dir}　数据库文件：${status.database}`;
  const body = $("backup-list");
  if (status.files.length === 0) {
    const tr = el("tr", "empty");
    const td = el("td", null, "这个文件夹里还没有备份。");
    td.colSpan = 4;
    tr.appendChild(td);
    body.replaceChildren(tr);
  } else {
    body.replaceChildren(...status.files.map(backupRow));
  }
}

/** On a PostgreSQL server there is nothing to back up on this PC: the screen says where the
 * database is backed up instead of offering folders and files. */
function serverOnly(note) {
  $("backup-settings-form").hidden = true;
  $("backup-now").hidden = true;
  const tr = el("tr", "empty");
  const td = el("td", null, note);
  td.id = "backup-server-note";
  td.colSpan = 4;
  tr.appendChild(td);
  $("backup-list").replaceChildren(tr);
}

/** Loads the settings and the list of backups. */
export async function loadBackup() {
  const body = $("backup-list");
  body.setAttribute("aria-busy", "true");
  $("restore-confirm").hidden = true;
  try {
    show(await invoke("backup_status"));
  } catch (err) {
    if (err && err.code === "server") {
      serverOnly(errorText(err));
      return;
    }
    showMessage(`读取备份信息失败：${errorText(err)}`, "error");
  } finally {
    body.removeAttribute("aria-busy");
  }
}

async function saveSettings(event) {
  event.preventDefault();
  clearMessage();
  const dir = $("backup-dir").value.trim();
  const settings = {
    dir: dir === "" ? null : dir,
    daily: Number.parseInt($("backup-daily").value, 10) || 0,
    monthly: Number.parseInt($("backup-monthly").value, 10) || 0,
  };
  try {
    show(await invoke("set_backup_settings", { settings }));
    showMessage("备份设置已保存", "success");
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

async function chooseDir() {
  clearMessage();
  try {
    const dir = await invoke("choose_backup_dir");
    if (dir) $("backup-dir").value = dir;
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

async function backupNow() {
  clearMessage();
  const b = $("backup-now");
  b.disabled = true;
  try {
    const made = await invoke("backup_now");
    showMessage(`已备份到 ${made.path}（${sizeText(made.size)}，校验了 ${made.events_checked} 条办理记录）`, "success");
    await loadBackup();
  } catch (err) {
    showMessage(`备份失败：${errorText(err)}`, "error");
  } finally {
    b.disabled = false;
  }
}

async function restore() {
  if (!chosen) return;
  clearMessage();
  const go = $("restore-go");
  go.disabled = true;
  try {
    const done = await invoke("restore_backup", { path: chosen.path });
    $("restore-confirm").hidden = true;
    askRestart(restoredText(done));
  } catch (err) {
    if (err && err.code === "restart") return;
    showMessage(`恢复失败，当前数据库未做更改：${errorText(err)}`, "error");
  } finally {
    go.disabled = false;
  }
}

function init() {
  $("backup-settings-form").addEventListener("submit", saveSettings);
  $("backup-choose").addEventListener("click", chooseDir);
  $("backup-now").addEventListener("click", backupNow);
  $("restore-go").addEventListener("click", restore);
  $("restore-cancel").addEventListener("click", () => {
    chosen = null;
    $("restore-confirm").hidden = true;
  });
  $("nav-backup").addEventListener("click", loadBackup);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
