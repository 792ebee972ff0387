// 网络问政办理系统 — front end. No build step, no remote code.
// All data is put into the page with textContent, never as HTML.

import {
  $, el, invoke, showMessage, clearMessage, errorText, chineseDate, chineseTime, shortTime,
  nowLocalValue, option, tag,
} from "./dom.js";
import { openCase } from "./case.js";
import { initAdmin, loadUnits, loadTemplates, loadCalendar } from "./admin.js";
import { startSession } from "./login.js";
import { initBell, startBell } from "./bell.js";

function cell(text, className) {
  return el("td", className, text);
}

function caseRow(c) {
  const tr = document.createElement("tr");
  tr.dataset.number = c.number;
  tr.tabIndex = 0;
  tr.className = "clickable";
  if (c.overdue) tr.classList.add("overdue");
  tr.appendChild(cell(c.number, "mono"));

  const title = document.createElement("td");
  title.className = "title-cell";
  title.appendChild(el("span", "case-title", c.title));
  if (c.important) title.appendChild(tag("重要", "important"));
  if (c.sensitive) title.appendChild(tag("敏感", "sensitive"));
  if (c.complexity === "complex") title.appendChild(tag("复杂", "complex"));
  tr.appendChild(title);

  tr.appendChild(cell(c.category, "nowrap"));
  tr.appendChild(cell(c.status_name, `status status-${c.status}`));
  tr.appendChild(cell(shortTime(c.received_at), "mono"));

  const due = cell(chineseDate(c.reply_due), "nowrap");
  if (!c.calendar_complete) {
    const est = el("span", "estimate", "（估算）");
    est.title = "该年度节假日安排尚未导入，按周一至周五估算";
    due.appendChild(est);
  }
  tr.appendChild(due);

  const days = c.remaining_working_days;
  const remaining = cell(days === null || days === undefined ? "—" : String(days), "num remaining");
  if (c.overdue) {
    remaining.classList.add("late");
    remaining.title = c.ack_overdue && !c.reply_overdue ? "受理已超时" : "答复已超期";
  }
  tr.appendChild(remaining);
  tr.addEventListener("click", () => openCase(c.number, showView));
  tr.addEventListener("keydown", (e) => {
    if (e.key === "Enter") openCase(c.number, showView);
  });
  return tr;
}

// ---- register (案件列表) ----------------------------------------------------------------

let loadGeneration = 0;
let nextCursor = null;
let queue = null;

function currentFilter() {
  const v = (id) => {
    const x = $(id).value.trim();
    return x === "" ? null : x;
  };
  return {
    q: v("flt-q"),
    status: v("flt-status"),
    unit: v("flt-unit"),
    category: v("flt-category"),
    source: v("flt-source"),
    from: v("flt-from"),
    to: v("flt-to"),
    sort: v("flt-sort"),
    overdue: $("flt-overdue").checked,
    important: $("flt-important").checked,
    sensitive: $("flt-sensitive").checked,
    complex: $("flt-complex").checked,
    queue: queue ? queue.code : null,
    limit: 50,
  };
}

/** Reloads the list (or appends the next page); while loading, #case-list has aria-busy="true". */
async function loadCases(append = false) {
  const body = $("case-list");
  const generation = ++loadGeneration;
  body.setAttribute("aria-busy", "true");
  try {
    const filter = currentFilter();
    if (append) filter.cursor = nextCursor;
    const page = await invoke("search_cases", { filter });
    if (generation !== loadGeneration) return;
    nextCursor = page.next_cursor;
    const rows = page.cases.map(caseRow);
    if (!append && rows.length === 0) {
      const tr = el("tr", "empty");
      const filtered = Object.entries(filter).some(([k, val]) => k !== "limit" && k !== "sort" && val);
      const td = cell(filtered ? "没有符合条件的案件。" : "暂无案件。请在“案件登记”中登记网民留言。");
      td.colSpan = 7;
      tr.appendChild(td);
      rows.push(tr);
    }
    if (append) body.append(...rows);
    else body.replaceChildren(...rows);
    $("more").hidden = !nextCursor;
    const shown = body.querySelectorAll("tr[data-number]").length;
    $("list-count").textContent = shown ? `已显示 ${shown} 件${nextCursor ? "，还有更多" : ""}` : "";
  } catch (err) {
    if (generation === loadGeneration) showMessage(`读取案件列表失败：${errorText(err)}`, "error");
  } finally {
    if (generation === loadGeneration) body.removeAttribute("aria-busy");
  }
}

function setQueue(q) {
  queue = q;
  const chip = $("flt-queue");
  chip.replaceChildren();
  chip.hidden = !q;
  if (q) {
    chip.appendChild(el("span", null, `工作台：${q.label}`));
    const x = el("button", "chip-x", "×");
    x.type = "button";
    x.title = "取消此条件";
    x.addEventListener("click", () => {
      setQueue(null);
      loadCases();
    });
    chip.appendChild(x);
  }
}

// ---- dashboard (工作台) -----------------------------------------------------------------

function countdown(ackDue, now) {
  const ms = Date.parse(ackDue) - Date.parse(now);
  if (Number.isNaN(ms)) return "";
  if (ms <= 0) return "最早一件已超过 24 小时";
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  return `最早一件还剩 ${h} 小时 ${m} 分`;
}

async function loadDashboard() {
  try {
    const d = await invoke("dashboard");
    $("dash-today").textContent = `今天是 ${chineseDate(d.today)}`;
    $("dash-cards").replaceChildren(
      ...d.queues.map((q) => {
        const b = el("button", `dash-card q-${q.queue}${q.count > 0 ? " has" : ""}`);
        b.type = "button";
        b.id = `q-${q.queue}`;
        b.appendChild(el("span", "dash-count", String(q.count)));
        b.appendChild(el("span", "dash-label", q.label));
        if (q.queue === "awaiting_ack" && d.next_ack_due) {
          b.appendChild(el("span", "dash-note", countdown(d.next_ack_due, d.now)));
        }
        b.addEventListener("click", () => {
          resetFilters();
          setQueue({ code: q.queue, label: q.label });
          showView("view-list");
        });
        return b;
      }),
    );
    $("dash-status").replaceChildren(
      ...d.by_status.map((s) => {
        const b = el("button", "status-count");
        b.type = "button";
        b.appendChild(el("span", `status status-${s.status}`, s.status_name));
        b.appendChild(el("strong", null, String(s.count)));
        b.addEventListener("click", () => {
          resetFilters();
          $("flt-status").value = s.status;
          showView("view-list");
        });
        return b;
      }),
    );
    const st = await invoke("calendar_status");
    const warn = $("dash-warning");
    warn.hidden = !st.next_year_missing;
    warn.textContent = st.next_year_missing
      ? `提醒：尚未导入 ${st.this_year + 1} 年节假日安排，跨年的答复期限为估算。请到“节假日”导入。`
      : "";
  } catch (err) {
    showMessage(`读取工作台失败：${errorText(err)}`, "error");
  }
}

// ---- navigation -----------------------------------------------------------------------

export function showView(viewId) {
  for (const view of document.querySelectorAll(".view")) {
    view.hidden = view.id !== viewId;
  }
  const navFor = viewId === "view-case" ? "view-list" : viewId;
  for (const item of document.querySelectorAll(".nav-item")) {
    const active = item.dataset.view === navFor;
    item.classList.toggle("active", active);
    if (active) item.setAttribute("aria-current", "page");
    else item.removeAttribute("aria-current");
  }
  if (viewId === "view-list") loadCases();
  if (viewId === "view-dash") loadDashboard();
  if (viewId === "view-units") loadUnits();
  if (viewId === "view-templates") loadTemplates();
  if (viewId === "view-calendar") loadCalendar();
}

function resetFilters() {
  $("filter-form").reset();
  setQueue(null);
}

// ---- intake (案件登记) ------------------------------------------------------------------

/** Says which attachments are picked for the new case (WebKit's own line is in English). */
function showChosenFiles() {
  const names = [...($("intake-files").files || [])].map((f) => f.name);
  $("intake-files-chosen").textContent = names.length
    ? `已选择 ${names.length} 个文件：${names.join("、")}`
    : "未选择文件";
}

function resetForm() {
  $("intake-form").reset();
  showChosenFiles();
  $("paste-text").value = "";
  $("paste-notes").hidden = true;
  $("received").value = nowLocalValue();
  const select = $("category");
  if (select.options.length > 0) select.selectedIndex = 0;
  $("similar").hidden = true;
}

function formInput() {
  const text = (id) => $(id).value;
  const opt = (id) => {
    const v = $(id).value.trim();
    return v === "" ? null : v;
  };
  return {
    title: text("title"),
    content: text("content"),
    received_at: opt("received"),
    category: opt("category"),
    source: opt("source"),
    link: opt("link"),
    poster: opt("poster"),
    phone: opt("phone"),
    important: $("important").checked,
    sensitive: $("sensitive").checked,
    complex: $("complex").checked,
  };
}

async function submitIntake(event) {
  event.preventDefault();
  await registerWith(() => invoke("register_case", { input: formInput() }), (c) => `登记成功，案件编号：${c.number}`);
}

/**
 * Registers through `call`, then stores the picked attachments on the new case (the core
 * checks and logs each). On success the form is cleared; on failure what was typed stays.
 */
async function registerWith(call, success) {
  const buttons = [$("submit"), ...document.querySelectorAll("#similar-list button")];
  for (const b of buttons) b.disabled = true;
  clearMessage();
  const files = [...($("intake-files").files || [])];
  try {
    const big = files.find((f) => f.size > 20 * 1048576);
    if (big) throw { message: `附件“${big.name}”超过 20 MB 的上限，请删去后再登记` };
    const created = await call();
    const failed = [];
    for (const file of files) {
      try {
        const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
        await invoke("attach_file", { key: created.number, name: file.name, bytes });
      } catch (err) {
        failed.push(`“${file.name}”（${errorText(err)}）`);
      }
    }
    resetForm();
    if (failed.length) {
      showMessage(`${success(created)}；但附件 ${failed.join("、")} 未能保存，请在案件详情中重新添加。`, "warning");
    } else {
      showMessage(`${success(created)}${files.length ? `，附件 ${files.length} 个` : ""}`, "success");
    }
    $("title").focus();
  } catch (err) {
    showMessage(errorText(err), "error");
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** The core reads the pasted platform text; the fields it found fill the form, for checking. */
async function parsePaste() {
  clearMessage();
  try {
    const m = await invoke("parse_paste", { text: $("paste-text").value });
    const fills = [
      ["title", m.title], ["content", m.content], ["poster", m.poster], ["phone", m.phone],
      ["link", m.link], ["source", m.source],
      ["received", m.received_at ? m.received_at.replace(" ", "T") : null],
    ];
    let n = 0;
    for (const [id, value] of fills) {
      if (value) {
        $(id).value = value;
        n++;
      }
    }
    const notes = $("paste-notes");
    notes.replaceChildren(...m.notes.map((t) => el("li", null, t)));
    notes.hidden = m.notes.length === 0;
    if (n === 0) {
      showMessage("没有从粘贴的文字中识别出任何一项，请检查后手工填写。", "warning");
    } else {
      showMessage(`已识别并填入 ${n} 项，请核对后点击“登记”（尚未保存）。`, "success");
      suggestSimilar();
      $("title").focus();
    }
  } catch (err) {
    showMessage(errorText(err), "error");
  }
}

let similarTimer = null;
let similarGeneration = 0;

function suggestSimilar() {
  clearTimeout(similarTimer);
  similarTimer = setTimeout(async () => {
    const generation = ++similarGeneration;
    try {
      const found = await invoke("similar_cases", { title: $("title").value, content: $("content").value });
      if (generation !== similarGeneration) return;
      const list = $("similar-list");
      list.replaceChildren(
        ...found.map((c) => {
          const li = el("li");
          li.dataset.number = c.number;
          const a = el("button", "link", `${c.number} ${c.title}`);
          a.type = "button";
          a.addEventListener("click", () => openCase(c.number, showView));
          const link = el("button", "secondary sim-link", "登记并关联");
          link.type = "button";
          link.title = `登记这条留言，并与 ${c.number} 互为关联案件`;
          link.addEventListener("click", () =>
            registerWith(
              () => invoke("register_linked_case", { input: formInput(), other: c.number, mode: "link" }),
              (n) => `登记成功，案件编号：${n.number}，已与 ${c.number} 关联`,
            ),
          );
          const merge = el("button", "secondary sim-merge", "登记为重复件");
          merge.type = "button";
          merge.title = `登记这条留言，作为 ${c.number} 的重复件办结`;
          merge.addEventListener("click", () =>
            registerWith(
              () => invoke("register_linked_case", { input: formInput(), other: c.number, mode: "merge" }),
              (n) => `登记成功，案件编号：${n.number}，已作为 ${c.number} 的重复件办结`,
            ),
          );
          li.append(a, el("span", "muted", `（${c.status_name}，${chineseTime(c.received_at)}）`), link, merge);
          return li;
        }),
      );
      $("similar").hidden = found.length === 0;
    } catch (err) {
      $("similar").hidden = true;
    }
  }, 400);
}

// ---- start ----------------------------------------------------------------------------

async function loadChoices() {
  try {
    const choices = await invoke("categories");
    $("category").replaceChildren(...choices.map((c) => option(c.label, c.label)));
    $("flt-category").append(...choices.map((c) => option(c.label, c.label)));
    for (const [code, label] of [
      ["pending", "待受理"], ["acknowledged", "已受理"], ["assigned", "已交办"], ["in_progress", "办理中"],
      ["replied", "已答复"], ["closed", "已办结"], ["archived", "已归档"],
    ]) {
      $("flt-status").appendChild(option(code, label));
    }
    const units = await invoke("list_units");
    $("flt-unit").append(...units.map((u) => option(u.name, u.name)));
  } catch (err) {
    showMessage(`读取选项失败：${errorText(err)}`, "error");
  }
}

function init() {
  for (const item of document.querySelectorAll(".nav-item")) {
    item.addEventListener("click", () => {
      clearMessage();
      if (item.dataset.view === "view-list") resetFilters();
      showView(item.dataset.view);
    });
  }
  $("intake-form").addEventListener("submit", submitIntake);
  $("intake-files").addEventListener("change", showChosenFiles);
  $("clear-form").addEventListener("click", () => {
    resetForm();
    clearMessage();
  });
  $("paste-parse").addEventListener("click", parsePaste);
  $("title").addEventListener("input", suggestSimilar);
  $("content").addEventListener("input", suggestSimilar);
  $("refresh").addEventListener("click", () => {
    clearMessage();
    loadCases();
  });
  $("filter-form").addEventListener("submit", (e) => {
    e.preventDefault();
    clearMessage();
    loadCases();
  });
  $("reset-filter").addEventListener("click", () => {
    resetFilters();
    loadCases();
  });
  $("more").addEventListener("click", () => loadCases(true));
  $("case-back").addEventListener("click", () => showView("view-list"));
  $("received").value = nowLocalValue();
  initAdmin();
  initBell(showView);
  startSession(() => {
    loadChoices();
    loadDashboard();
    startBell();
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
