// Signing in: the first start's administrator password, the login form, the header's
// user and 退出 button, the warnings of the checks at start, and locking.
// The Rust side is the authority: every command refuses with code "locked" when nobody is
// signed in or the session was idle too long; this file only shows the form again (and
// may lock a little earlier with its own idle timer). The screen underneath keeps its
// inputs while locked.

import { $, invoke, onLocked, errorText, clearMessage } from "./dom.js";
import { showUnavailable } from "./database.js";

const MIN_PASSWORD = 8;
let signedIn = null; // the signed-in user ({login, display_name, role, role_name}) or null
let idleMinutes = 15;
let lastActivity = Date.now();
let onFirstSignIn = null;

function setInert(inert) {
  for (const node of document.querySelectorAll("body > header, body > .layout")) {
    node.inert = inert;
  }
}

function say(text, kind) {
  const box = $("login-message");
  box.textContent = text || "";
  box.className = `message ${kind || "error"}`;
  box.hidden = !text;
}

function showOverlay(mode, message, kind) {
  $("login-overlay").hidden = false;
  setInert(true);
  $("setup-form").hidden = mode !== "setup";
  $("login-form").hidden = mode !== "login";
  $("recovery-form").hidden = mode !== "recovery";
  $("unavailable-form").hidden = mode !== "unavailable";
  $("login-overlay").classList.toggle("wide", mode === "unavailable");
  $("restart-form").hidden = mode !== "restart";
  say(message, kind);
  if (mode === "setup") {
    $("setup-password").value = "";
    $("setup-password2").value = "";
    $("setup-password").focus();
  } else if (mode === "login") {
    $("login-password").value = "";
    if ($("login-user").value) $("login-password").focus();
    else $("login-user").focus();
  }
}

function hideOverlay() {
  $("login-overlay").hidden = true;
  setInert(false);
  say("");
}

function showHeader(user) {
  $("whoami").textContent = user ? `${user.display_name}（${user.role_name}）` : "";
  $("logout").hidden = !user;
  // Screens the role may not use are not offered (the Rust side refuses them anyway).
  const may = user ? user.may : [];
  for (const item of document.querySelectorAll(".nav-item[data-needs]")) {
    item.hidden = !may.includes(item.dataset.needs);
  }
}

/**
 * The database was replaced by a restore: nothing else works until the program restarts.
 * `text` says what was restored and where the old file was kept.
 */
export function askRestart(text) {
  signedIn = null;
  showHeader(null);
  $("restart-text").textContent = text;
  showOverlay("restart", "数据库已从备份恢复，请重新启动程序。", "success");
  $("restart-submit").focus();
}

function restoredText(r) {
  const kept = r.previous_kept_as ? `原数据库文件已保留为 ${r.previous_kept_as}。` : "";
  return `已从备份 ${r.from} 恢复（校验了 ${r.events_checked} 条办理记录）。${kept}`;
}

function showRecovery(rec) {
  $("recovery-problem").textContent = `数据库文件 ${rec.database} 无法打开：${rec.problem}`;
  $("recovery-backup").textContent = rec.latest_backup
    ? `最新的备份：${rec.latest_backup}。恢复前会先校验备份，损坏的文件会保留在原处旁边。`
    : `在备份文件夹 ${rec.backup_dir} 中没有找到备份。请联系管理员，用 wenzheng restore 从其他位置的备份恢复。`;
  $("recovery-submit").hidden = !rec.latest_backup;
  showOverlay("recovery", "数据库已损坏", "error");
}

async function submitRecovery(event) {
  event.preventDefault();
  const button = $("recovery-submit");
  button.disabled = true;
  try {
    askRestart(restoredText(await invoke("recover_from_backup")));
  } catch (err) {
    say(errorText(err));
  } finally {
    button.disabled = false;
  }
}

async function submitRestart(event) {
  event.preventDefault();
  try {
    await invoke("restart_app");
  } catch (err) {
    say(errorText(err));
  }
}

export { restoredText };

let startupPoll = null;

function showStartup(startup) {
  // The checks at start run in the background after the window opened: ask again shortly.
  clearTimeout(startupPoll);
  if (startup.checking) {
    startupPoll = setTimeout(async () => {
      try {
        const session = await invoke("session");
        if (session.user) showStartup(session.startup);
      } catch (_) {
        // Locked or restarting: the next sign-in shows the outcome.
      }
    }, 1000);
    return;
  }
  const integrity = $("integrity-warning");
  const ok = startup.verify_ok;
  integrity.textContent = ok ? "" : `数据库完整性检查发现问题：${startup.problems.join("；")}。管理员可在“备份与恢复”中从备份恢复。`;
  integrity.hidden = ok;
  const backup = $("backup-warning");
  backup.textContent = startup.backup_error ? `今天的自动备份未能完成：${startup.backup_error}` : "";
  backup.hidden = !startup.backup_error;
}

/** After a successful setup or login: shows the app, or reloads it for a different user. */
function entered(session) {
  const overlay = $("login-overlay");
  const previous = overlay.dataset.previous;
  if (overlay.dataset.locked === "1" && previous && previous !== session.user.login) {
    // Locked earlier in this page: a different user must not see the previous screen.
    window.location.reload();
    return;
  }
  delete overlay.dataset.locked;
  signedIn = session.user;
  idleMinutes = session.idle_minutes;
  lastActivity = Date.now();
  hideOverlay();
  showHeader(session.user);
  showStartup(session.startup);
  if (onFirstSignIn) {
    const start = onFirstSignIn;
    onFirstSignIn = null;
    start();
  } else {
    clearMessage();
  }
}

/** Locks the window: the login form over the current screen, which keeps its inputs. */
function lock(err) {
  if (err && err.code === "restart") {
    // Already asking (with what was restored): keep that text.
    if ($("restart-form").hidden) askRestart(err.message);
    return;
  }
  if (!$("login-overlay").hidden && signedIn === null) return;
  if (!$("restart-form").hidden) return;
  const overlay = $("login-overlay");
  if (signedIn) {
    overlay.dataset.previous = signedIn.login;
    $("login-user").value = signedIn.login;
  }
  overlay.dataset.locked = "1";
  signedIn = null;
  showHeader(null);
  showOverlay("login", "会话已锁定，请重新登录", "warning");
}

async function submitSetup(event) {
  event.preventDefault();
  const a = $("setup-password").value;
  const b = $("setup-password2").value;
  if (a.length < MIN_PASSWORD) {
    say(`密码至少需要 ${MIN_PASSWORD} 个字符`);
    return;
  }
  if (a !== b) {
    say("两次输入的密码不一致，请重新输入");
    return;
  }
  const button = $("setup-submit");
  button.disabled = true;
  try {
    entered(await invoke("setup_admin", { password: a }));
  } catch (err) {
    say(errorText(err));
  } finally {
    button.disabled = false;
  }
}

async function submitLogin(event) {
  event.preventDefault();
  const login = $("login-user").value.trim();
  const password = $("login-password").value;
  if (!login || !password) {
    say("请输入登录名和密码");
    return;
  }
  const button = $("login-submit");
  button.disabled = true;
  try {
    entered(await invoke("login", { login, password }));
  } catch (err) {
    say(errorText(err));
    $("login-password").value = "";
    $("login-password").focus();
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  try {
    await invoke("logout");
  } finally {
    // A fresh page: nothing of the previous user's screens stays behind.
    window.location.reload();
  }
}

function watchIdle() {
  for (const type of ["pointerdown", "pointermove", "keydown", "wheel"]) {
    document.addEventListener(type, () => {
      lastActivity = Date.now();
    }, { passive: true, capture: true });
  }
  setInterval(async () => {
    if (signedIn && Date.now() - lastActivity >= idleMinutes * 60000) {
      try {
        await invoke("logout");
      } catch (err) {
        // Locked anyway below; the Rust side locks by itself too.
      }
      lock();
    }
  }, 20000);
}

/**
 * Asks the Rust side who is signed in; shows the setup or login form when needed, and
 * calls `start` once somebody is signed in.
 */
export async function startSession(start) {
  onFirstSignIn = start;
  onLocked(lock);
  $("setup-form").addEventListener("submit", submitSetup);
  $("login-form").addEventListener("submit", submitLogin);
  $("logout").addEventListener("click", logout);
  $("recovery-form").addEventListener("submit", submitRecovery);
  $("restart-form").addEventListener("submit", submitRestart);
  watchIdle();
  try {
    const session = await invoke("session");
    idleMinutes = session.idle_minutes;
    if (session.startup.recovery) showRecovery(session.startup.recovery);
    else if (session.startup.unavailable) {
      showOverlay("unavailable", "连不上数据库", "error");
      showUnavailable(session.startup.unavailable);
    }
    else if (session.user) entered(session);
    else if (session.needs_setup) showOverlay("setup", "首次启动：请设置管理员（登录名 admin）的密码。", "warning");
    else showOverlay("login");
  } catch (err) {
    showOverlay("login", `无法读取登录状态：${errorText(err)}`);
  }
}
