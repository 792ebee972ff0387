// 案件详情: fields, deadlines, timeline and the actions the core allows now.

import {
  $, el, invoke, showMessage, clearMessage, errorText, chineseDate, chineseTime, option, tag,
} from "./dom.js";
import { renderPrintArea } from "./print.js";

let current = null; // the case desk shown
let templates = [];
let showView = null; // switches the screen; given by openCase's caller

/** Opens the case screen for `key` (id or case number). `show` switches the view. */
export async function openCase(key, show) {
  clearMessage();
  showView = show;
  try {
    const desk = await invoke("case_desk", { key: String(key) });
    if (!current || current.number !== desk.number) {
      // What was typed to link belongs to the case it was typed on.
      $("link-other").value = "";
      $("link-note").value = "";
    }
    current = desk;
    render(desk);
    show("view-case");
  } catch (err) {
    showMessage(`打开案件失败：${errorText(err)}`, "error");
  }
}

function sizeText(n) {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

/** Sends the picked file to the core, which stores it by hash and logs it on the timeline. */
async function attachPicked() {
  const input = $("attach-file");
  const file = input.files && input.files[0];
  if (!file || !current) return;
  clearMessage();
  try {
    if (file.size > 20 * 1048576) throw { message: `附件“${file.name}”超过 20 MB 的上限` };
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    await invoke("attach_file", { key: current.number, name: file.name, bytes });
    showMessage(`已添加附件：${file.name}`, "success");
    await reload();
  } catch (err) {
    showMessage(`添加附件失败：${errorText(err)}`, "error");
  } finally {
    input.value = "";
  }
}

function wireAttach() {
  $("attach-file").addEventListener("change", attachPicked);
  $("link-form").addEventListener("submit", linkOther);
}

/** 关联案件: links the case shown to the one whose number was typed. */
async function linkOther(event) {
  event.preventDefault();
  if (!current) return;
  clearMessage();
  const button = $("link-add");
  button.disabled = true;
  try {
    const other = $("link-other").value.trim();
    const note = $("link-note").value.trim();
    await invoke("link_case", { key: current.number, version: current.version, other, note: note === "" ? null : note });
    $("link-other").value = "";
    $("link-note").value = "";
    await reload();
    showMessage(`已与 ${other.toUpperCase()} 关联。`, "success");
  } catch (err) {
    // What was typed stays; after a conflict the case is shown as it is now.
    if (err && err.code === "conflict") await reload().catch(() => {});
    showMessage(errorText(err), "error");
  } finally {
    button.disabled = false;
  }
}

function renderLinks(c) {
  const list = $("case-links");
  list.replaceChildren(
    ...c.links.map((l) => {
      const li = el("li");
      li.dataset.number = l.number;
      li.dataset.kind = l.kind;
      li.appendChild(el("span", "link-kind", l.kind_name));
      const b = el("button", "link", `${l.number} ${l.title}`);
      b.type = "button";
      b.addEventListener("click", () => openCase(l.number, showView));
      li.appendChild(b);
      if (l.note) li.appendChild(el("span", "muted", `　${l.note}`));
      return li;
    }),
  );
  if (c.links.length === 0) list.appendChild(el("li", "muted", "（没有关联案件）"));
  $("link-form").hidden = !c.can_link;
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", wireAttach);
} else {
  wireAttach();
}

async function reload() {
  if (!current) return;
  const desk = await invoke("case_desk", { key: current.number });
  current = desk;
  render(desk);
}

function field(dl, label, value, id) {
  dl.appendChild(el("dt", null, label));
  const dd = el("dd", null, value === null || value === undefined || value === "" ? "—" : value);
  if (id) dd.id = id;
  dl.appendChild(dd);
  return dd;
}

function remainingText(c) {
  const d = c.remaining_working_days;
  if (d === null || d === undefined) return "—（已答复）";
  if (d < 0) return `已超期 ${-d} 个工作日`;
  if (d === 0) return "今日到期";
  return `剩余 ${d} 个工作日`;
}

function render(c) {
  $("case-number").textContent = c.number;
  $("case-title").textContent = c.title;
  const tags = $("case-tags");
  tags.replaceChildren(el("span", `status-badge status-${c.status}`, c.status_name));
  tags.firstChild.id = "case-status";
  if (c.important) tags.appendChild(tag("重要", "important"));
  if (c.sensitive) tags.appendChild(tag("敏感", "sensitive"));
  if (c.complexity === "complex") tags.appendChild(tag("复杂", "complex"));
  if (c.overdue) tags.appendChild(tag(c.ack_overdue && !c.reply_overdue ? "受理超时" : "答复超期", "important"));

  const dl = $("case-fields");
  dl.replaceChildren();
  field(dl, "问题类别", c.category);
  field(dl, "来源平台", c.source);
  field(dl, "原帖链接", c.link);
  field(dl, "网民昵称", c.poster);
  field(dl, "联系电话", c.phone);
  field(dl, "收到时间", chineseTime(c.received_at));
  field(dl, "登记时间", chineseTime(c.registered_at));
  field(dl, "受理期限", chineseTime(c.ack_due) + (c.acknowledged_at ? `（已于 ${chineseTime(c.acknowledged_at)} 受理）` : ""), "case-ack-due");
  const due = field(dl, "答复期限", `${chineseDate(c.reply_due)}（${c.working_days} 个工作日${c.extension_days ? `，含延期 ${c.extension_days} 个` : ""}）${c.calendar_complete ? "" : "（估算）"}`, "case-reply-due");
  if (c.reply_overdue) due.classList.add("late");
  const rem = field(dl, "剩余时间", remainingText(c), "case-remaining");
  if (c.overdue) rem.classList.add("late");
  field(dl, "承办单位", c.units.map((u) => `${u.unit}（${u.role === "lead" ? "主办" : "协办"}）`).join("、"), "case-units");
  if (c.result) field(dl, "办理结果", c.result);
  $("case-content").textContent = c.content;
  const files = $("case-attachments");
  files.replaceChildren(
    ...c.attachments.map((a) => {
      const li = el("li", null, a.file_name);
      li.dataset.sha256 = a.sha256;
      li.appendChild(el("span", "muted", `　${sizeText(a.size)}，${chineseTime(a.created_at)}，SHA-256 ${a.sha256.slice(0, 12)}…`));
      return li;
    }),
  );
  if (c.attachments.length === 0) files.appendChild(el("li", "muted", "（没有附件）"));
  $("attach-file").disabled = c.status === "archived";
  renderLinks(c);

  const bar = $("case-actions");
  bar.replaceChildren();
  for (const a of c.actions) {
    const b = el("button", "secondary", a.label);
    b.type = "button";
    b.id = `act-${a.code}`;
    b.dataset.action = a.code;
    b.addEventListener("click", () => openAction(a));
    bar.appendChild(b);
  }
  if (c.actions.length === 0) bar.appendChild(el("span", "muted", c.status === "archived" ? "案件已归档，不能再操作。" : "当前没有可执行的操作。"));
  $("action-panel").hidden = true;

  renderPrintArea(c, reload);

  const list = $("timeline");
  list.replaceChildren(
    ...c.events.map((e) => {
      const li = el("li", `ev ev-${e.kind}`);
      li.dataset.kind = e.kind;
      const head = el("div", "ev-head");
      head.appendChild(el("span", "ev-time", chineseTime(e.at)));
      head.appendChild(el("span", "ev-actor", e.actor));
      li.appendChild(head);
      li.appendChild(el("div", "ev-summary", e.summary));
      return li;
    }),
  );
}

// ---- action forms ---------------------------------------------------------------------

function addField(form, label, input, wide = true) {
  const wrap = el("div", wide ? "field wide" : "field");
  const l = el("label", null, label);
  l.htmlFor = input.id;
  wrap.append(l, input);
  form.appendChild(wrap);
  return input;
}

function textArea(id, value = "", rows = 4) {
  const t = el("textarea");
  t.id = id;
  t.rows = rows;
  t.value = value;
  return t;
}

function textInput(id, value = "", type = "text") {
  const i = el("input");
  i.id = id;
  i.type = type;
  i.value = value;
  return i;
}

function selectOf(id, pairs) {
  const s = el("select");
  s.id = id;
  for (const [v, l] of pairs) s.appendChild(option(v, l));
  return s;
}

function unitSelect(id) {
  return selectOf(id, current.units.map((u) => [u.unit, `${u.unit}（${u.role === "lead" ? "主办" : "协办"}）`]));
}

async function templatePicker(form, kind, target) {
  try {
    templates = await invoke("list_templates");
  } catch (err) {
    templates = [];
  }
  const mine = templates.filter((t) => t.kind === kind);
  if (mine.length === 0) return;
  const s = selectOf("af-template", [["", "（选择模板填入）"], ...mine.map((t) => [String(t.id), t.name])]);
  s.addEventListener("change", () => {
    const t = mine.find((x) => String(x.id) === s.value);
    if (t) target.value = t.text;
  });
  form.insertBefore(addFieldDetached("回复模板", s), form.firstChild);
}

function addFieldDetached(label, input) {
  const wrap = el("div", "field wide");
  const l = el("label", null, label);
  l.htmlFor = input.id;
  wrap.append(l, input);
  return wrap;
}

async function units() {
  try {
    return (await invoke("list_units")).filter((u) => u.active);
  } catch (err) {
    showMessage(errorText(err), "error");
    return [];
  }
}

/** Builds the form of action `a` and returns the function that submits it. */
async function buildForm(form, a) {
  const key = current.number;
  // The version shown: a step on a case someone changed since is refused (code conflict).
  const version = current.version;
  const v = (id) => $(id).value;
  const opt = (id) => (v(id).trim() === "" ? null : v(id));
  switch (a.code) {
    case "acknowledge": {
      addField(form, "受理回复（发布在平台上）", textArea("af-text", "您反映的问题已由我单位受理，将尽快给您回复。", 3));
      return () => invoke("acknowledge_case", { key, version, text: v("af-text") });
    }
    case "instruct":
      addField(form, "批示领导", textInput("af-leader"), false);
      addField(form, "批示内容", textArea("af-text"));
      return () => invoke("instruct_case", { key, version, leader: v("af-leader"), text: v("af-text") });
    case "assign": {
      const all = await units();
      const box = el("fieldset", "field wide unit-picks");
      box.id = "af-units";
      box.appendChild(el("legend", null, "承办单位（可多选）"));
      const taken = new Set(current.units.map((u) => u.unit));
      for (const u of all.filter((u) => !taken.has(u.name))) {
        const l = el("label");
        const cb = el("input");
        cb.type = "checkbox";
        cb.name = "unit";
        cb.value = u.name;
        l.append(cb, document.createTextNode(` ${u.name}`));
        box.appendChild(l);
      }
      if (all.length === 0) box.appendChild(el("span", "muted", "还没有承办单位，请先在“单位”中添加。"));
      form.appendChild(box);
      const hasLead = current.units.some((u) => u.role === "lead");
      const lead = selectOf("af-lead", []);
      if (!hasLead) addField(form, "主办单位", lead, false);
      addField(form, "办理要求", textArea("af-requirements", "", 3));
      const preview = el("p", "preview", "");
      preview.id = "assign-preview";
      form.appendChild(preview);
      const picked = () => [...box.querySelectorAll("input[name=unit]:checked")].map((c) => c.value);
      const refresh = async () => {
        const names = picked();
        const keep = lead.value;
        lead.replaceChildren(...names.map((n) => option(n, n)));
        if (names.includes(keep)) lead.value = keep;
        if (names.length === 0) {
          preview.textContent = "";
          return;
        }
        try {
          const p = await invoke("assign_preview", { key, units: current.units.length + names.length });
          preview.textContent = `交办后答复期限：${chineseDate(p.reply_due)}（${p.working_days} 个工作日${p.calendar_complete ? "" : "，估算"}）`;
        } catch (err) {
          preview.textContent = errorText(err);
        }
      };
      box.addEventListener("change", refresh);
      return () =>
        invoke("assign_case", {
          key, version,
          input: { units: picked(), lead: hasLead ? null : lead.value || null, requirements: opt("af-requirements") },
        });
    }
    case "return":
      addField(form, "退回单位", unitSelect("af-unit"), false);
      addField(form, "退回理由", textArea("af-reason", "", 3));
      return () => invoke("return_case", { key, version, unit: v("af-unit"), reason: v("af-reason") });
    case "urge":
      addField(form, "催办单位", unitSelect("af-unit"), false);
      addField(form, "催办级别", selectOf("af-level", [["普通", "普通"], ["黄牌", "黄牌"], ["红牌", "红牌"]]), false);
      addField(form, "催办内容", textArea("af-text", "请抓紧办理，按时报送办理结果。", 3));
      return () => invoke("urge_case", { key, version, unit: v("af-unit"), level: v("af-level"), text: opt("af-text") });
    case "progress":
      addField(form, "报告单位", unitSelect("af-unit"), false);
      addField(form, "进展情况", textArea("af-text"));
      return () => invoke("progress_case", { key, version, unit: v("af-unit"), text: v("af-text") });
    case "extend": {
      const days = textInput("af-days", "5", "number");
      days.min = "1";
      days.max = "30";
      addField(form, "延期工作日（1–30）", days, false);
      addField(form, "延期理由", textArea("af-reason", "", 3));
      form.appendChild(el("p", "muted", "由当前用户批准；延期后答复期限顺延。"));
      return () => invoke("extend_case", { key, version, days: Number(v("af-days")), reason: v("af-reason") });
    }
    case "reply_interim":
    case "reply_final": {
      const last = a.code === "reply_final";
      const text = addField(form, "答复内容", textArea("af-text", "", 7));
      addField(form, "在“部门回应”栏目发布的时间（可不填）", textInput("af-published", "", "datetime-local"), false);
      const copy = el("button", "secondary", "复制答复文本（发布到平台）");
      copy.type = "button";
      copy.id = "af-copy";
      copy.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(text.value);
          showMessage("答复文本已复制，可粘贴到平台的“部门回应”栏目。", "success");
        } catch (err) {
          text.select();
          showMessage("无法直接写入剪贴板，已选中文本，请按 Ctrl+C 复制。", "warning");
        }
      });
      form.appendChild(copy);
      await templatePicker(form, last ? "final" : "interim", text);
      return () => invoke("reply_case", { key, version, text: v("af-text"), last, published: opt("af-published") });
    }
    case "feedback": {
      const n = current.feedbacks.length + 1;
      form.appendChild(el("p", null, `将出具第 ${n} 次书面反馈，报送县信访局、县委办督查室（反馈最近一次答复）。`));
      return () => invoke("feedback_case", { key, version });
    }
    case "followup":
      addField(form, "网民满意度", selectOf("af-satisfaction", [["满意", "满意"], ["基本满意", "基本满意"], ["不满意", "不满意（案件将重办）"]]), false);
      addField(form, "回访情况", textArea("af-note", "", 3));
      return () => invoke("followup_case", { key, version, satisfaction: v("af-satisfaction"), note: opt("af-note") });
    case "close":
      addField(form, "办理结果", textArea("af-result", "", 3));
      return () => invoke("close_case", { key, version, result: v("af-result") });
    case "archive":
      form.appendChild(el("p", null, "归档后案件不能再修改。确认归档？"));
      return () => invoke("archive_case", { key, version });
    case "merge": {
      addField(form, "主件的案件编号", textInput("af-main", "", "text"), false);
      const reply = textArea("af-reply", "", 3);
      reply.placeholder = "不填则告知：您反映的问题与案件（主件编号）反映的问题相同，已合并办理，办理结果将一并答复。";
      addField(form, "告知本案网民的答复（可不填）", reply);
      form.appendChild(el("p", "muted wide", "本案件将作为重复件办结，并在主件的办理记录中注明；两件案件互相显示。"));
      return () => invoke("merge_case", { key, version, into: v("af-main"), reply: opt("af-reply") });
    }
    case "reopen":
      addField(form, "重新办理的理由", textArea("af-reason", "", 3));
      return () => invoke("reopen_case", { key, version, reason: v("af-reason") });
    default:
      return null;
  }
}

/** After a conflict: reloads the case, reopens action `a` if it is still offered with the
 * values typed into `form`, and shows the conflict message. */
async function reopenAfterConflict(a, form, err) {
  const typed = [...form.querySelectorAll("textarea, input, select")]
    .filter((f) => f.id && f.type !== "checkbox")
    .map((f) => [f.id, f.value]);
  try {
    await reload();
  } catch (reloadErr) {
    showMessage(`${errorText(err)}（刷新失败：${errorText(reloadErr)}）`, "error");
    return;
  }
  const again = current.actions.find((x) => x.code === a.code);
  if (again) {
    await openAction(again);
    for (const [id, value] of typed) {
      const f = $(id);
      if (!f || (f.tagName === "SELECT" && ![...f.options].some((o) => o.value === value))) continue;
      f.value = value;
    }
    // Said again in the form itself, which is where the user is looking.
    const note = el("p", "message error wide", `${errorText(err)}。页面已刷新为最新内容，您填写的内容仍在下面，核对后可再次确认。`);
    note.id = "action-conflict";
    note.setAttribute("role", "alert");
    form.querySelector(".panel-title").after(note);
  }
  showMessage(errorText(err), "error");
}

async function openAction(a) {
  clearMessage();
  const form = $("action-panel");
  form.replaceChildren();
  form.dataset.action = a.code;
  form.appendChild(el("h4", "panel-title", a.label));
  const body = el("div", "form");
  form.appendChild(body);
  const submit = await buildForm(body, a);
  if (!submit) return;
  const row = el("div", "actions wide");
  const ok = el("button", "primary", `确认${a.label}`);
  ok.type = "submit";
  ok.id = "action-submit";
  const cancel = el("button", "secondary", "取消");
  cancel.type = "button";
  cancel.id = "action-cancel";
  cancel.addEventListener("click", () => {
    form.hidden = true;
  });
  row.append(ok, cancel);
  body.appendChild(row);
  form.onsubmit = async (event) => {
    event.preventDefault();
    ok.disabled = true;
    clearMessage();
    try {
      await submit();
      await reload();
      showMessage(`已${a.label}。`, "success");
    } catch (err) {
      if (err && err.code === "conflict") {
        // Someone else changed the case: show it as it is now, and the same form again
        // (if the step is still possible) with what was typed, so it can be redone.
        await reopenAfterConflict(a, form, err);
        return;
      }
      // The form stays open with what was typed.
      showMessage(errorText(err), "error");
    } finally {
      ok.disabled = false;
    }
  };
  form.onkeydown = (event) => {
    // Escape closes the form without doing anything (keyboard use).
    if (event.key === "Escape") {
      form.hidden = true;
      $(`act-${a.code}`)?.focus();
    }
  };
  form.hidden = false;
  const first = form.querySelector("textarea, input, select");
  if (first) first.focus();
}
