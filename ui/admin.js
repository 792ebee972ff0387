// 单位, 回复模板 and 节假日: the office's reference data.

import { $, el, invoke, showMessage, clearMessage, errorText, chineseDate, option } from "./dom.js";

// ---- units ----------------------------------------------------------------------------

export async function loadUnits() {
  try {
    const units = await invoke("list_units");
    const body = $("unit-list");
    body.replaceChildren(
      ...units.map((u) => {
        const tr = el("tr");
        tr.dataset.unit = u.name;
        const nameCell = el("td", null, u.name);
        tr.appendChild(nameCell);
        tr.appendChild(el("td", u.active ? "" : "muted", u.active ? "启用" : "已停用（不再交办，原有案件照常显示）"));
        const td = el("td");
        const rename = el("button", "secondary unit-rename-start", "更名");
        rename.type = "button";
        rename.addEventListener("click", () => startRename(u, nameCell, rename));
        td.appendChild(rename);
        td.appendChild(document.createTextNode(" "));
        const b = el("button", "secondary unit-toggle", u.active ? "停用" : "启用");
        b.type = "button";
        b.addEventListener("click", async () => {
          try {
            await invoke("set_unit_active", { id: u.id, active: !u.active });
            loadUnits();
          } catch (err) {
            showMessage(errorText(err), "error");
          }
        });
        td.appendChild(b);
        tr.appendChild(td);
        return tr;
      }),
    );
    if (units.length === 0) {
      const tr = el("tr", "empty");
      const td = el("td", null, "还没有承办单位。");
      td.colSpan = 3;
      tr.appendChild(td);
      body.appendChild(tr);
    }
  } catch (err) {
    showMessage(`读取单位失败：${errorText(err)}`, "error");
  }
}

/** Turns the name cell into a field: Enter or 保存 renames, Escape or 取消 gives up. */
function startRename(u, cell, starter) {
  starter.disabled = true;
  const input = el("input", "unit-rename");
  input.type = "text";
  input.value = u.name;
  input.setAttribute("aria-label", `“${u.name}”的新名称`);
  const save = el("button", "primary unit-rename-save", "保存");
  save.type = "button";
  const cancel = el("button", "secondary", "取消");
  cancel.type = "button";
  const restore = () => {
    cell.replaceChildren(document.createTextNode(u.name));
    starter.disabled = false;
  };
  const submit = async () => {
    clearMessage();
    save.disabled = true;
    try {
      const renamed = await invoke("rename_unit", { id: u.id, name: input.value });
      showMessage(`承办单位“${u.name}”已更名为“${renamed.name}”。`, "success");
      loadUnits();
    } catch (err) {
      // The new name stays in the field for correcting.
      showMessage(errorText(err), "error");
      save.disabled = false;
      input.focus();
    }
  };
  save.addEventListener("click", submit);
  cancel.addEventListener("click", restore);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape") {
      restore();
    }
  });
  cell.replaceChildren(input, document.createTextNode(" "), save, document.createTextNode(" "), cancel);
  input.focus();
  input.select();
}

async function addUnit(event) {
  event.preventDefault();
  clearMessage();
  try {
    const u = await invoke("add_unit", { name: $("unit-name").value });
    $("unit-name").value = "";
    showMessage(`已添加承办单位：${u.name}`, "success");
    loadUnits();
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

// ---- templates ------------------------------------------------------------------------

let editing = null;

function editTemplate(t) {
  editing = t ? t.id : null;
  $("tpl-name").value = t ? t.name : "";
  $("tpl-kind").value = t ? t.kind : "final";
  $("tpl-text").value = t ? t.text : "";
  $("tpl-delete").hidden = !t;
  for (const li of document.querySelectorAll("#tpl-list li")) {
    li.classList.toggle("active", t !== null && li.dataset.id === String(t.id));
  }
}

export async function loadTemplates() {
  try {
    const list = await invoke("list_templates");
    $("tpl-list").replaceChildren(
      ...list.map((t) => {
        const li = el("li");
        li.dataset.id = String(t.id);
        li.tabIndex = 0;
        li.appendChild(el("span", "tpl-name", t.name));
        li.appendChild(el("span", "muted", t.kind_name));
        li.addEventListener("click", () => editTemplate(t));
        li.addEventListener("keydown", (e) => {
          if (e.key === "Enter") editTemplate(t);
        });
        return li;
      }),
    );
    if (editing !== null) editTemplate(list.find((t) => t.id === editing) || null);
  } catch (err) {
    showMessage(`读取模板失败：${errorText(err)}`, "error");
  }
}

async function saveTemplate(event) {
  event.preventDefault();
  clearMessage();
  try {
    const t = await invoke("save_template", {
      id: editing,
      input: { name: $("tpl-name").value, kind: $("tpl-kind").value, text: $("tpl-text").value },
    });
    editing = t.id;
    showMessage(`模板“${t.name}”已保存。`, "success");
    loadTemplates();
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

async function deleteTemplate() {
  if (editing === null) return;
  clearMessage();
  try {
    await invoke("delete_template", { id: editing });
    editTemplate(null);
    showMessage("模板已删除。", "success");
    loadTemplates();
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

// ---- calendar -------------------------------------------------------------------------

const WEEK = ["日", "一", "二", "三", "四", "五", "六"];

function ymd(y, m, d) {
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

let editingDay = null; // {key, official, override} of the day being edited

function dayState(official, override) {
  if (override) return override.is_off_day ? "休息日（本单位单独设置）" : "工作日（本单位单独设置）";
  return official ? "工作日（国务院安排）" : "休息日（国务院安排）";
}

function openDayEdit(key, officialWorking, override, cell) {
  editingDay = { key, override };
  for (const c of document.querySelectorAll(".day.selected")) c.classList.remove("selected");
  cell.classList.add("selected");
  $("cal-edit-day").textContent = chineseDate(key);
  $("cal-edit-state").textContent = `现在：${dayState(officialWorking, override)}`;
  const nowWorking = override ? !override.is_off_day : officialWorking;
  const mode = override ? "official" : nowWorking ? "holiday" : "workday";
  $(`cal-mode-${mode}`).checked = true;
  $("cal-mode-official").disabled = !override;
  $("cal-note").value = override && override.note ? override.note : "";
  $("cal-edit").hidden = false;
  $(`cal-mode-${mode}`).focus();
}

async function saveDay(event) {
  event.preventDefault();
  if (!editingDay) return;
  clearMessage();
  const picked = document.querySelector("input[name=cal-mode]:checked");
  const note = $("cal-note").value.trim();
  const save = $("cal-save");
  save.disabled = true;
  try {
    const r = await invoke("set_calendar_day", {
      day: editingDay.key,
      mode: picked ? picked.value : "",
      note: note === "" ? null : note,
    });
    const what = r.mode === "official" ? "已恢复国务院安排" : r.working_day ? "已设为工作日（班）" : "已设为休息日（休）";
    const moved = r.recomputed.length
      ? `；${r.recomputed.length} 件在办案件的答复期限已重新计算（${r.recomputed.map((x) => `${x.number} 改为 ${chineseDate(x.after)}`).join("，")}）`
      : "";
    showMessage(`${chineseDate(r.day)}${what}${moved}。`, "success");
    $("cal-edit").hidden = true;
    editingDay = null;
    await showYear(Number($("cal-year").value));
  } catch (err) {
    // The form stays open with the choice and the note.
    showMessage(errorText(err), "error");
  } finally {
    save.disabled = false;
  }
}

async function showYear(year) {
  const grid = $("cal-grid");
  try {
    const cal = await invoke("calendar_year", { year: Number(year) });
    const marks = new Map(cal.days.map((d) => [d.day, d]));
    const overrides = new Map(cal.overrides.map((o) => [o.day, o]));
    $("cal-summary").textContent = `${cal.year} 年共 ${cal.working_days} 个工作日；来源：${cal.source}${cal.imported_at ? `（导入于 ${chineseDate(cal.imported_at)}）` : ""}`;
    const months = [];
    for (let m = 1; m <= 12; m++) {
      const box = el("div", "month");
      box.appendChild(el("div", "month-name", `${m}月`));
      const days = el("div", "month-days");
      for (const w of WEEK) days.appendChild(el("span", "wd", w));
      const first = new Date(Date.UTC(year, m - 1, 1)).getUTCDay();
      for (let i = 0; i < first; i++) days.appendChild(el("span", "pad"));
      const count = new Date(Date.UTC(year, m, 0)).getUTCDate();
      for (let d = 1; d <= count; d++) {
        const key = ymd(year, m, d);
        const wd = new Date(Date.UTC(year, m - 1, d)).getUTCDay();
        const mark = marks.get(key);
        const over = overrides.get(key);
        const cell = el("span", "day clickable", String(d));
        cell.dataset.day = key;
        cell.tabIndex = 0;
        cell.setAttribute("role", "button");
        const officialWorking = mark ? !mark.is_off_day : !(wd === 0 || wd === 6);
        const off = over ? over.is_off_day : !officialWorking;
        if (over) {
          cell.classList.add("override", off ? "off" : "makeup");
          cell.title = `本单位单独设置：${off ? "休息" : "上班"}${over.note ? `（${over.note}）` : ""}`;
        } else if (mark) {
          cell.classList.add(mark.is_off_day ? "off" : "makeup");
          cell.title = `${mark.name}${mark.is_off_day ? "（放假）" : "（调休上班）"}`;
        } else if (wd === 0 || wd === 6) {
          cell.classList.add("weekend");
        }
        cell.setAttribute("aria-label", `${chineseDate(key)}，${dayState(officialWorking, over)}`);
        cell.addEventListener("click", () => openDayEdit(key, officialWorking, over, cell));
        cell.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            openDayEdit(key, officialWorking, over, cell);
          }
        });
        days.appendChild(cell);
      }
      box.appendChild(days);
      months.push(box);
    }
    grid.replaceChildren(...months);
  } catch (err) {
    grid.replaceChildren();
    $("cal-summary").textContent = errorText(err);
  }
}

export async function loadCalendar() {
  try {
    const st = await invoke("calendar_status");
    const sel = $("cal-year");
    const keep = sel.value;
    const years = [...new Set([...st.years, st.this_year, st.this_year + 1])].sort();
    sel.replaceChildren(...years.map((y) => option(String(y), `${y} 年`)));
    sel.value = keep && years.includes(Number(keep)) ? keep : String(st.this_year);
    const warn = $("cal-warning");
    warn.hidden = !st.next_year_missing;
    warn.textContent = st.next_year_missing
      ? `尚未导入 ${st.this_year + 1} 年的节假日安排：跨入该年的答复期限将按周一至周五估算。国务院发布后请点击“导入年度安排”。`
      : "";
    await showYear(Number(sel.value));
  } catch (err) {
    showMessage(`读取工作日历失败：${errorText(err)}`, "error");
  }
}

async function importFile() {
  const input = $("cal-file");
  const file = input.files && input.files[0];
  if (!file) return;
  clearMessage();
  try {
    const text = await file.text();
    const cal = await invoke("import_calendar", { text, name: file.name });
    showMessage(`已导入 ${cal.year} 年节假日安排（${cal.days.length} 条）。`, "success");
    $("cal-year").value = String(cal.year);
    await loadCalendar();
  } catch (err) {
    showMessage(errorText(err), "error");
  } finally {
    input.value = "";
  }
}

export function initAdmin() {
  $("unit-form").addEventListener("submit", addUnit);
  $("tpl-form").addEventListener("submit", saveTemplate);
  $("tpl-new").addEventListener("click", () => editTemplate(null));
  $("tpl-delete").addEventListener("click", deleteTemplate);
  $("cal-year").addEventListener("change", () => {
    $("cal-edit").hidden = true;
    showYear(Number($("cal-year").value));
  });
  $("cal-file").addEventListener("change", importFile);
  $("cal-edit").addEventListener("submit", saveDay);
  $("cal-cancel").addEventListener("click", () => {
    $("cal-edit").hidden = true;
    editingDay = null;
  });
}
