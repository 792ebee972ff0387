// 网络问政办理系统 — front end. No build step, no remote code.
// All data is put into the page with textContent, never as HTML.

const invoke = window.__TAURI__.core.invoke;

const $ = (id) => document.getElementById(id);

/** Shows a message in the alert area; kind is "error" or "success". */
function showMessage(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = false;
}

function clearMessage() {
  const box = $("message");
  box.textContent = "";
  box.hidden = true;
}

/** The message of an IPC error ({code, message}) or of anything else thrown. */
function errorText(err) {
  if (err && typeof err === "object" && typeof err.message === "string") {
    return err.message;
  }
  return String(err);
}

/** Now in China Standard Time, as a datetime-local value (YYYY-MM-DDTHH:MM). */
function nowLocalValue() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 16);
}

/** "2026-03-02" → "2026年3月2日". */
function chineseDate(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd || "");
  if (!m) return ymd || "";
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}

/** "2026-02-13T10:00:00+08:00" → "2026-02-13 10:00". */
function shortTime(rfc3339) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(rfc3339 || "");
  return m ? `${m[1]} ${m[2]}` : rfc3339 || "";
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function tag(text, className) {
  const span = document.createElement("span");
  span.className = `tag ${className}`;
  span.textContent = text;
  return span;
}

function caseRow(c) {
  const tr = document.createElement("tr");
  tr.dataset.number = c.number;
  if (c.overdue) tr.classList.add("overdue");

  tr.appendChild(cell(c.number, "mono"));

  const title = document.createElement("td");
  title.className = "title-cell";
  const titleText = document.createElement("span");
  titleText.className = "case-title";
  titleText.textContent = c.title;
  title.appendChild(titleText);
  if (c.important) title.appendChild(tag("重要", "important"));
  if (c.sensitive) title.appendChild(tag("敏感", "sensitive"));
  if (c.complexity === "complex") title.appendChild(tag("复杂", "complex"));
  tr.appendChild(title);

  tr.appendChild(cell(c.category, "nowrap"));
  tr.appendChild(cell(c.status_name, `status status-${c.status}`));
  tr.appendChild(cell(shortTime(c.received_at), "mono"));

  const due = document.createElement("td");
  due.className = "nowrap";
  due.textContent = chineseDate(c.reply_due);
  if (!c.calendar_complete) {
    const est = document.createElement("span");
    est.className = "estimate";
    est.textContent = "（估算）";
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
  return tr;
}

let loadGeneration = 0;

/** Reloads the list; while loading, #case-list has aria-busy="true". Only the latest load is shown. */
async function loadCases() {
  const body = $("case-list");
  const generation = ++loadGeneration;
  body.setAttribute("aria-busy", "true");
  try {
    const cases = await invoke("list_cases", { filter: {} });
    if (generation !== loadGeneration) return;
    const rows = cases.map(caseRow);
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = cell("暂无案件。请在“案件登记”中登记网民留言。");
      td.colSpan = 7;
      tr.appendChild(td);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
  } catch (err) {
    if (generation === loadGeneration) showMessage(`读取案件列表失败：${errorText(err)}`, "error");
  } finally {
    if (generation === loadGeneration) body.removeAttribute("aria-busy");
  }
}

async function loadCategories() {
  const select = $("category");
  try {
    const choices = await invoke("categories");
    select.replaceChildren(
      ...choices.map((c) => {
        const opt = document.createElement("option");
        opt.value = c.label;
        opt.textContent = c.label;
        return opt;
      }),
    );
  } catch (err) {
    showMessage(`读取问题类别失败：${errorText(err)}`, "error");
  }
}

function showView(viewId) {
  for (const view of document.querySelectorAll(".view")) {
    view.hidden = view.id !== viewId;
  }
  for (const item of document.querySelectorAll(".nav-item")) {
    const active = item.dataset.view === viewId;
    item.classList.toggle("active", active);
    if (active) item.setAttribute("aria-current", "page");
    else item.removeAttribute("aria-current");
  }
  if (viewId === "view-list") loadCases();
}

function resetForm() {
  $("intake-form").reset();
  $("received").value = nowLocalValue();
  const select = $("category");
  if (select.options.length > 0) select.selectedIndex = 0;
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
  const button = $("submit");
  button.disabled = true;
  clearMessage();
  try {
    const created = await invoke("register_case", { input: formInput() });
    resetForm();
    showMessage(`登记成功，案件编号：${created.number}`, "success");
    await loadCases();
    $("title").focus();
  } catch (err) {
    showMessage(errorText(err), "error");
  } finally {
    button.disabled = false;
  }
}

function init() {
  for (const item of document.querySelectorAll(".nav-item")) {
    item.addEventListener("click", () => showView(item.dataset.view));
  }
  $("intake-form").addEventListener("submit", submitIntake);
  $("clear-form").addEventListener("click", () => {
    resetForm();
    clearMessage();
  });
  $("refresh").addEventListener("click", () => {
    clearMessage();
    loadCases();
  });
  $("received").value = nowLocalValue();
  loadCategories();
  loadCases();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
