// 用户管理 (administrators) and 修改密码 (everyone). The Rust side decides who may do
// what; this screen only offers it. Data enters the page only through textContent.

import { $, el, invoke, showMessage, clearMessage, errorText, option } from "./dom.js";

const ROLES = [
  ["clerk", "办公室工作人员"],
  ["leader", "领导"],
  ["unit", "承办单位"],
  ["admin", "管理员"],
];
const MIN_PASSWORD = 8;
let editing = null; // the login being edited or reset

function fillRoles(select) {
  select.replaceChildren(...ROLES.map(([code, label]) => option(code, label)));
}

async function fillUnits(select, current) {
  const units = await invoke("list_units");
  select.replaceChildren(...units.filter((u) => u.active || u.name === current).map((u) => option(u.name, u.name)));
  if (current) select.value = current;
}

function toggleUnit(roleId, fieldId) {
  $(fieldId).hidden = $(roleId).value !== "unit";
}

function button(text, id, onClick) {
  const b = el("button", "secondary", text);
  b.type = "button";
  b.id = id;
  b.addEventListener("click", onClick);
  return b;
}

function userRow(u) {
  const tr = el("tr");
  tr.dataset.login = u.login;
  tr.appendChild(el("td", "mono", u.login));
  tr.appendChild(el("td", null, u.display_name));
  tr.appendChild(el("td", null, u.role_name));
  tr.appendChild(el("td", null, u.unit || "—"));
  tr.appendChild(el("td", u.active ? "" : "muted", u.active ? "启用" : "已停用"));
  const td = el("td", "row-actions");
  td.appendChild(button("改角色", `user-edit-${u.login}`, () => openEdit(u)));
  td.appendChild(button("重置密码", `user-reset-${u.login}`, () => openReset(u)));
  td.appendChild(
    button(u.active ? "停用" : "启用", `user-active-${u.login}`, async () => {
      clearMessage();
      try {
        await invoke("set_user_active", { login: u.login, active: !u.active });
        showMessage(`已${u.active ? "停用" : "启用"}用户 ${u.display_name}（${u.login}）`, "success");
        loadUsers();
      } catch (err) {
        showMessage(errorText(err), "error");
      }
    }),
  );
  tr.appendChild(td);
  return tr;
}

/** Loads the user list. */
export async function loadUsers() {
  const body = $("user-list");
  body.setAttribute("aria-busy", "true");
  try {
    const users = await invoke("list_users");
    body.replaceChildren(...users.map(userRow));
    await fillUnits($("user-unit"), $("user-unit").value);
  } catch (err) {
    showMessage(`读取用户失败：${errorText(err)}`, "error");
  } finally {
    body.removeAttribute("aria-busy");
  }
}

async function addUser(event) {
  event.preventDefault();
  clearMessage();
  const role = $("user-role").value;
  const input = {
    login: $("user-login").value,
    display_name: $("user-name").value,
    role,
    unit: role === "unit" ? $("user-unit").value || null : null,
    password: $("user-password").value || null,
  };
  try {
    const u = await invoke("add_user", { input });
    $("user-add-form").reset();
    toggleUnit("user-role", "user-unit-field");
    showMessage(`已添加用户：${u.display_name}（${u.login}，${u.role_name}）`, "success");
    loadUsers();
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

async function openEdit(u) {
  editing = u.login;
  $("user-reset-form").hidden = true;
  $("user-edit-heading").textContent = `修改 ${u.display_name}（${u.login}）的角色`;
  $("edit-role").value = u.role;
  try {
    await fillUnits($("edit-unit"), u.unit);
  } catch (err) {
    showMessage(errorText(err), "error");
  }
  toggleUnit("edit-role", "edit-unit-field");
  $("user-edit-form").hidden = false;
  $("edit-role").focus();
}

async function saveEdit(event) {
  event.preventDefault();
  clearMessage();
  const role = $("edit-role").value;
  const change = { role, unit: role === "unit" ? $("edit-unit").value || null : null };
  try {
    const u = await invoke("change_user", { login: editing, change });
    $("user-edit-form").hidden = true;
    showMessage(`${u.display_name}（${u.login}）的角色已改为${u.role_name}`, "success");
    loadUsers();
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

function openReset(u) {
  editing = u.login;
  $("user-edit-form").hidden = true;
  $("user-reset-heading").textContent = `重置 ${u.display_name}（${u.login}）的密码`;
  $("user-reset-form").reset();
  $("user-reset-form").hidden = false;
  $("reset-password").focus();
}

/** Checks two password inputs in the window first; returns the password or null. */
function twoPasswords(a, b) {
  const p = $(a).value;
  if (p.length < MIN_PASSWORD) {
    showMessage(`密码至少需要 ${MIN_PASSWORD} 个字符`, "error");
    return null;
  }
  if (p !== $(b).value) {
    showMessage("两次输入的密码不一致，请重新输入", "error");
    return null;
  }
  return p;
}

async function saveReset(event) {
  event.preventDefault();
  clearMessage();
  const password = twoPasswords("reset-password", "reset-password2");
  if (password === null) return;
  try {
    await invoke("set_password", { login: editing, password });
    $("user-reset-form").hidden = true;
    showMessage(`已重置 ${editing} 的密码`, "success");
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

async function saveOwn(event) {
  event.preventDefault();
  clearMessage();
  const password = twoPasswords("own-password", "own-password2");
  if (password === null) return;
  try {
    const session = await invoke("session");
    await invoke("set_password", { login: session.user.login, password });
    $("own-password-form").reset();
    showMessage("密码已修改，下次登录请使用新密码", "success");
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

function init() {
  fillRoles($("user-role"));
  fillRoles($("edit-role"));
  $("user-role").addEventListener("change", () => toggleUnit("user-role", "user-unit-field"));
  $("edit-role").addEventListener("change", () => toggleUnit("edit-role", "edit-unit-field"));
  $("user-add-form").addEventListener("submit", addUser);
  $("user-edit-form").addEventListener("submit", saveEdit);
  $("user-reset-form").addEventListener("submit", saveReset);
  $("user-edit-cancel").addEventListener("click", () => {
    $("user-edit-form").hidden = true;
  });
  $("user-reset-cancel").addEventListener("click", () => {
    $("user-reset-form").hidden = true;
  });
  $("own-password-form").addEventListener("submit", saveOwn);
  $("nav-users").addEventListener("click", () => {
    $("user-edit-form").hidden = true;
    $("user-reset-form").hidden = true;
    loadUsers();
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
