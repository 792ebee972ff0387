// 统计: the figures of a month or a range of days, the per-unit table, the ranking
// (考核得分), two charts drawn as SVG with DOM calls, the overdue list, the exports, the
// monthly report's preview and print, and the import of cases with a progress bar.
// Everything is computed in the core; this module only shows it. Data enters the page
// only through textContent and setAttribute.

import {
  $, el, invoke, showMessage, clearMessage, errorText, chineseDate, chineseTime, option,
} from "./dom.js";
import { openCase } from "./case.js";
import { showView } from "./app.js";

const SVG = "http://www.w3.org/2000/svg";
let shown = null; // the report on screen
let importPath = ""; // the file the import rows belong to

/** The period chosen in the form, as the Rust side expects it. */
function chosenPeriod() {
  if ($("st-kind").value === "range") {
    return { from: $("st-from").value, to: $("st-to").value };
  }
  return { month: $("st-month").value };
}

function pct(v) {
  return v === null || v === undefined ? "—" : `${(v * 100).toFixed(2)}%`;
}

function num(v) {
  return v === null || v === undefined ? "—" : String(v);
}

/** This month (China Standard Time) as YYYY-MM. */
function thisMonth() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 7);
}

// ---- figures ---------------------------------------------------------------------------

/** The headline figures: [key of the definition, label, value, id suffix]. */
function headline(r) {
  return [
    ["received", "收件数", r.received.total, "received"],
    ["acknowledged_in_24h", "24小时内受理", r.acknowledged_in_24h, "ack"],
    ["ack_rate", "24小时受理率", pct(r.ack_rate), "ack-rate"],
    ["replied", "答复数", r.replied, "replied"],
    ["on_time_rate", "按期答复率", pct(r.on_time_rate), "on-time-rate"],
    ["avg_reply_working_days", "平均答复用时（工作日）", num(r.avg_reply_working_days), "avg-days"],
    ["due", "应办结数", r.due, "due"],
    ["closed", "办结数", r.closed, "closed"],
    ["close_rate", "办结率", pct(r.close_rate), "close-rate"],
    ["reply_rate", "答复率", pct(r.reply_rate), "reply-rate"],
    ["published", "公开答复数", r.published, "published"],
    ["overdue_now", "截止时超期", r.overdue_now.length, "overdue-now"],
    ["overdue_in_period", "期内发生超期", r.overdue_in_period_count, "overdue-in-period"],
    ["urgings", "催办（黄牌/红牌）", `${r.urgings.total}（${r.urgings.yellow}/${r.urgings.red}）`, "urgings"],
    ["instructions", "领导批示 / 已落实", `${r.instructions} / ${r.instructions_done}`, "instructions"],
    ["extensions", "延期次数（工作日）", `${r.extensions}（${r.extension_days}）`, "extensions"],
    ["reopened", "重办数", r.reopened, "reopened"],
    ["satisfaction_rate", "满意率", pct(r.satisfaction.rate), "satisfaction"],
  ];
}

function renderFigures(r) {
  const defs = new Map(r.definitions.map((d) => [d.key, d]));
  const box = $("st-figures");
  box.replaceChildren();
  for (const [key, label, value, id] of headline(r)) {
    const card = el("div", "st-figure");
    const def = defs.get(key);
    if (def) card.title = `${def.name}：${def.definition}`;
    card.appendChild(el("div", "st-figure-label", label));
    const v = el("div", "st-figure-value", value);
    v.id = `st-fig-${id}`;
    card.appendChild(v);
    box.appendChild(card);
  }
}

function cell(tr, text, className) {
  tr.appendChild(el("td", className, text));
}

function renderUnits(r) {
  const body = $("st-units");
  body.replaceChildren();
  for (const u of r.units) {
    const tr = el("tr");
    cell(tr, u.unit);
    cell(tr, u.assigned);
    cell(tr, u.replied);
    cell(tr, pct(u.on_time_rate));
    cell(tr, u.due);
    cell(tr, pct(u.close_rate));
    cell(tr, u.overdue);
    cell(tr, `${u.urgings.total}（${u.urgings.yellow}/${u.urgings.red}）`);
    cell(tr, num(u.avg_reply_working_days));
    cell(tr, pct(u.satisfaction.rate));
    body.appendChild(tr);
  }
  if (r.units.length === 0) body.appendChild(emptyRow(10, "本期没有承办单位的数据"));
  const rank = $("st-rank");
  rank.replaceChildren();
  for (const a of r.assessment) {
    const tr = el("tr");
    cell(tr, a.rank);
    cell(tr, a.unit);
    const score = el("td", "st-score", a.score);
    score.title = a.parts.map((p) => `${p.name} ${pct(p.value)} 得 ${p.points} 分`).join("；");
    tr.appendChild(score);
    cell(tr, a.deductions);
    rank.appendChild(tr);
  }
  if (r.assessment.length === 0) rank.appendChild(emptyRow(4, "本期没有可考核的单位"));
}

function emptyRow(span, text) {
  const tr = el("tr");
  const td = el("td", "muted", text);
  td.colSpan = span;
  tr.appendChild(td);
  return tr;
}

/**
 * How many cases overdue at the cutoff are listed at first. A county with a large backlog
 * has thousands (15,649 in the 1,000,000-case demo): rendering them all took WebKit over two
 * seconds. The rest are listed on request, and every one is in the Excel export.
 */
const OVERDUE_LISTED = 100;

function renderOverdue(r, all = false) {
  const body = $("st-overdue");
  body.replaceChildren();
  const list = r.overdue_now;
  const listed = all ? list : list.slice(0, OVERDUE_LISTED);
  for (const o of listed) {
    const tr = el("tr");
    const td = el("td");
    const link = el("button", "link", o.number);
    link.type = "button";
    link.addEventListener("click", () => openCase(o.number, showView));
    td.appendChild(link);
    tr.appendChild(td);
    cell(tr, o.title);
    cell(tr, o.kind_name);
    cell(tr, chineseDate(o.reply_due));
    cell(tr, o.units.join("、"));
    cell(tr, o.status_name);
    body.appendChild(tr);
  }
  if (list.length === 0) body.appendChild(emptyRow(6, "截止时没有超期案件"));
  if (listed.length < list.length) {
    const tr = el("tr", "overdue-more");
    const td = el("td", "muted", `共 ${list.length} 件，以上列出前 ${listed.length} 件（完整名单也在“导出 Excel”中）。`);
    td.colSpan = 6;
    const more = el("button", "link", `列出全部 ${list.length} 件`);
    more.type = "button";
    more.id = "st-overdue-all";
    more.addEventListener("click", () => renderOverdue(r, true));
    td.appendChild(more);
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

// ---- charts (SVG built with DOM calls) -------------------------------------------------

function svgEl(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/**
 * A grouped bar chart: `groups` are [label, [values…]], `series` the names of the values
 * (one class per series for the colour). Each bar has a <title> with its number.
 */
function barChart(groups, series, id) {
  const width = 640;
  const height = 220;
  const left = 36;
  const bottom = 40;
  const top = 12;
  const max = Math.max(1, ...groups.flatMap(([, vs]) => vs));
  const plotH = height - bottom - top;
  const slot = (width - left - 8) / Math.max(1, groups.length);
  const barW = Math.max(2, Math.min(18, (slot - 6) / series.length));
  const svg = svgEl("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "st-svg", role: "img", id,
  });
  svg.appendChild(svgEl("title", {}, series.join("、")));
  // Axis and three grid lines with their values.
  for (let i = 0; i <= 2; i += 1) {
    const v = Math.round((max * i) / 2);
    const y = top + plotH - (plotH * v) / max;
    svg.appendChild(svgEl("line", { x1: left, x2: width - 4, y1: y, y2: y, class: "st-grid" }));
    svg.appendChild(svgEl("text", { x: left - 4, y: y + 4, class: "st-axis", "text-anchor": "end" }, v));
  }
  groups.forEach(([label, values], gi) => {
    const x0 = left + gi * slot + (slot - barW * series.length) / 2;
    values.forEach((v, si) => {
      const h = (plotH * v) / max;
      const bar = svgEl("rect", {
        x: x0 + si * barW, y: top + plotH - h, width: barW - 1, height: h, class: `st-bar s${si}`,
      });
      bar.appendChild(svgEl("title", {}, `${label} ${series[si]}：${v}`));
      svg.appendChild(bar);
    });
    svg.appendChild(svgEl("text", {
      x: left + gi * slot + slot / 2, y: height - bottom + 14, class: "st-axis", "text-anchor": "middle",
    }, label));
  });
  // Legend.
  series.forEach((name, si) => {
    const x = left + si * 110;
    svg.appendChild(svgEl("rect", { x, y: height - 14, width: 10, height: 10, class: `st-bar s${si}` }));
    svg.appendChild(svgEl("text", { x: x + 14, y: height - 5, class: "st-axis" }, name));
  });
  return svg;
}

function renderCharts(r) {
  const trend = r.trend.map((t) => [`${Number(t.month.slice(5))}月`, [t.received, t.replied]]);
  $("st-trend-chart").replaceChildren(barChart(trend, ["收件数", "答复数"], "st-trend-svg"));
  const units = r.units.map((u) => [u.unit.length > 6 ? `${u.unit.slice(0, 6)}…` : u.unit, [u.assigned, u.replied]]);
  const box = $("st-unit-chart");
  if (units.length === 0) box.replaceChildren(el("p", "muted", "本期没有承办单位的数据"));
  else box.replaceChildren(barChart(units, ["交办数", "答复数"], "st-unit-svg"));
}

// ---- loading ---------------------------------------------------------------------------

/** Computes and shows the figures of the chosen period. */
export async function loadStats() {
  clearMessage();
  try {
    const r = await invoke("report_figures", { period: chosenPeriod() });
    shown = r;
    const span = `${chineseDate(r.from)} 至 ${chineseDate(r.to)}`;
    $("st-asof").textContent = `${span}，截至 ${chineseTime(r.as_of)}${r.provisional ? "（期间未结束，数字可能变化）" : ""}`;
    renderFigures(r);
    renderCharts(r);
    renderUnits(r);
    renderOverdue(r);
    $("st-body").hidden = false;
  } catch (err) {
    showMessage(`统计失败：${errorText(err)}`, "error");
  }
}

function periodName() {
  const p = chosenPeriod();
  return p.month ? `${p.month}` : `${p.from}至${p.to}`;
}

// ---- exports and the monthly report --------------------------------------------------

async function chooseAndWrite(name, kind, write, done) {
  clearMessage();
  try {
    const path = await invoke("choose_save_file", { name, kind });
    if (!path) return;
    const written = await write(path);
    showMessage(done(written), "success");
  } catch (err) {
    showMessage(`导出失败：${errorText(err)}`, "error");
  }
}

function exportReport() {
  const period = chosenPeriod();
  chooseAndWrite(`网络问政统计-${periodName()}.xlsx`, "xlsx",
    (path) => invoke("export_report_xlsx", { period, path }),
    (w) => `已导出统计表：${w.file}`);
}

function exportRegister(format) {
  chooseAndWrite(`案件台账.${format}`, format,
    (path) => invoke("export_register", { format, path }),
    (w) => `已导出案件台账 ${w.cases} 件：${w.file}`);
}

/** The monthly report's PDF through the print engineer's generic output command. */
async function outputMonthly(mode) {
  clearMessage();
  const month = $("st-month").value;
  if ($("st-kind").value !== "month" || !month) {
    showMessage("月报按自然月生成，请先选择“按月”和月份", "error");
    return;
  }
  const verb = { preview: "预览", save: "保存", print: "打印" }[mode];
  const args = { doc: { kind: "monthly", month }, mode };
  if (mode === "print") args.printer = $("st-printer").value;
  try {
    const r = await invoke("output_document", args);
    if (r && r.cancelled) return;
    const done = {
      preview: `已打开 ${month} 月报预览`,
      save: `已保存 ${month} 月报：${r && r.file ? r.file : ""}`,
      print: `已发送 ${month} 月报到打印机 ${args.printer}`,
    }[mode];
    showMessage(done, "success");
  } catch (err) {
    showMessage(`月报${verb}失败：${errorText(err)}`, "error");
  }
}

/** The printers of this PC, for 打印月报 (the default one chosen). */
async function loadPrinters() {
  const select = $("st-printer");
  try {
    const setup = await invoke("list_printers");
    select.replaceChildren();
    if (setup.printers.length === 0) select.appendChild(option("", "（没有打印机）"));
    for (const p of setup.printers) select.appendChild(option(p, p));
    if (setup.default) select.value = setup.default;
  } catch {
    // Printing is not available in this build or on this PC: the button will say why.
    select.replaceChildren(option("", "（打印机不可用）"));
  }
}

/** The yearly archive: dossiers, attachments, register and manifest, into a folder. */
async function exportArchive() {
  clearMessage();
  const year = Number($("st-year").value);
  try {
    const dir = await invoke("choose_folder");
    if (!dir) return;
    const m = await invoke("export_archive", { year, dir });
    showMessage(`已导出 ${m.year} 年归档案件 ${m.cases.length} 件，共 ${m.files.length} 个文件（清单 manifest.json）：${dir}`, "success");
  } catch (err) {
    showMessage(`归档导出失败：${errorText(err)}`, "error");
  }
}

// ---- the assessment rule ---------------------------------------------------------------

function numberInput(id, value, step) {
  const input = el("input", "st-year");
  input.type = "number";
  input.id = id;
  input.min = "0";
  input.max = "100";
  input.step = step;
  input.value = String(value);
  return input;
}

function showRule(view) {
  const body = $("rule-rows");
  body.replaceChildren();
  for (const s of view.scored) {
    const used = view.rule.indicators.find((i) => i.key === s.key);
    const tr = el("tr");
    cell(tr, s.name);
    const inputs = [
      numberInput(`rule-w-${s.key}`, used ? used.weight : 0, "1"),
      numberInput(`rule-f-${s.key}`, Math.round((used ? used.full_at : 1) * 100), "1"),
      numberInput(`rule-z-${s.key}`, Math.round((used ? used.zero_at : 0.6) * 100), "1"),
    ];
    for (const input of inputs) {
      const td = el("td");
      td.appendChild(input);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  $("rule-yellow").value = String(view.rule.yellow_deduction);
  $("rule-red").value = String(view.rule.red_deduction);
  $("rule-overdue").value = String(view.rule.overdue_deduction);
  $("rule-rows").dataset.keys = view.scored.map((s) => s.key).join(",");
}

async function loadRule() {
  try {
    showRule(await invoke("assessment_rule"));
  } catch (err) {
    showMessage(`读取考核规则失败：${errorText(err)}`, "error");
  }
}

async function saveRule() {
  clearMessage();
  const keys = ($("rule-rows").dataset.keys || "").split(",").filter(Boolean);
  const indicators = keys
    .map((key) => ({
      key,
      weight: Number($(`rule-w-${key}`).value),
      full_at: Number($(`rule-f-${key}`).value) / 100,
      zero_at: Number($(`rule-z-${key}`).value) / 100,
    }))
    .filter((i) => i.weight > 0);
  const rule = {
    indicators,
    yellow_deduction: Number($("rule-yellow").value),
    red_deduction: Number($("rule-red").value),
    overdue_deduction: Number($("rule-overdue").value),
  };
  try {
    showRule(await invoke("set_assessment_rule", { rule }));
    showMessage("考核规则已保存，排名已按新规则重新计算", "success");
    await loadStats();
    showMessage("考核规则已保存，排名已按新规则重新计算", "success");
  } catch (err) {
    // What the user typed stays in the form.
    showMessage(`保存考核规则失败：${errorText(err)}`, "error");
  }
}

// ---- import ----------------------------------------------------------------------------

function setProgress(p) {
  const bar = $("imp-progress");
  bar.hidden = false;
  bar.value = p.total ? Math.round((100 * p.done) / p.total) : 100;
  const stage = p.stage === "write" ? "正在写入" : "正在检查";
  $("imp-summary").textContent = `${stage}：${p.done} / ${p.total} 行`;
}

function importRow(row, state, text) {
  const tr = el("tr");
  cell(tr, `第 ${row} 行`);
  cell(tr, state);
  cell(tr, text);
  return tr;
}

function showImport(r) {
  const body = $("imp-rows");
  body.replaceChildren();
  const rows = [];
  for (const e of r.errors) rows.push([e.row, importRow(e.row, "错误", e.message)]);
  for (const d of r.duplicates) rows.push([d.row, importRow(d.row, "已登记过，跳过", d.existing)]);
  for (const i of r.imported) {
    rows.push([i.row, importRow(i.row, r.written ? `已导入 ${i.number}` : "可导入", i.title)]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  body.append(...rows.map(([, tr]) => tr));
  const verb = r.written ? "已导入" : "可导入";
  $("imp-summary").textContent =
    `${r.file}：共 ${r.rows} 行，${verb} ${r.imported.length} 件，重复跳过 ${r.duplicates.length} 行，错误 ${r.errors.length} 行${r.written ? "" : "（尚未写入）"}`;
  const canWrite = !r.written && r.imported.length > 0;
  $("imp-all").disabled = !(canWrite && r.errors.length === 0);
  $("imp-valid").disabled = !(canWrite && r.errors.length > 0);
}

async function runImport(mode) {
  clearMessage();
  const path = importPath;
  const channel = new window.__TAURI__.core.Channel();
  // Progress messages may arrive after the result: only those of the run going on count.
  let running = true;
  channel.onmessage = (p) => {
    if (running) setProgress(p);
  };
  $("imp-all").disabled = true;
  $("imp-valid").disabled = true;
  try {
    const r = await invoke("import_cases_file", { path, mode, onProgress: channel });
    running = false;
    showImport(r);
    if (r.written) showMessage(`已从“${r.file}”导入 ${r.imported.length} 件案件`, "success");
  } catch (err) {
    showMessage(`导入失败：${errorText(err)}`, "error");
  } finally {
    running = false;
    $("imp-progress").hidden = true;
  }
}

async function checkFile(e) {
  if (e) e.preventDefault();
  importPath = $("imp-path").value.trim();
  if (!importPath) {
    showMessage("请选择要导入的文件", "error");
    return;
  }
  await runImport("preview");
}

async function chooseFile() {
  clearMessage();
  try {
    const path = await invoke("choose_import_file");
    if (!path) return;
    $("imp-path").value = path;
    await checkFile();
  } catch (err) {
    showMessage(`选择文件失败：${errorText(err)}`, "error");
  }
}

// ---- wiring ----------------------------------------------------------------------------

function init() {
  if (!$("view-stats")) return;
  // The months to choose from: this one and the five years before, newest first.
  const now = thisMonth();
  let y = Number(now.slice(0, 4));
  let m = Number(now.slice(5, 7));
  for (let i = 0; i < 61; i += 1) {
    $("st-month").appendChild(option(`${y}-${String(m).padStart(2, "0")}`, `${y}年${m}月`));
    m -= 1;
    if (m === 0) { m = 12; y -= 1; }
  }
  $("st-month").value = now;
  $("st-year").value = thisMonth().slice(0, 4);
  $("nav-stats").addEventListener("click", () => {
    if (!shown) {
      loadStats();
      loadPrinters();
      loadRule();
    }
  });
  $("st-kind").addEventListener("change", () => {
    const range = $("st-kind").value === "range";
    $("st-range").hidden = !range;
    $("st-month").hidden = range;
  });
  $("st-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadStats();
  });
  $("st-xlsx").addEventListener("click", exportReport);
  $("st-reg-xlsx").addEventListener("click", () => exportRegister("xlsx"));
  $("st-reg-csv").addEventListener("click", () => exportRegister("csv"));
  $("st-preview").addEventListener("click", () => outputMonthly("preview"));
  $("st-save-pdf").addEventListener("click", () => outputMonthly("save"));
  $("st-print").addEventListener("click", () => outputMonthly("print"));
  $("st-archive").addEventListener("click", exportArchive);
  $("rule-save").addEventListener("click", saveRule);
  $("st-import-open").addEventListener("click", () => {
    $("st-import").hidden = !$("st-import").hidden;
  });
  $("imp-form").addEventListener("submit", checkFile);
  $("imp-choose").addEventListener("click", chooseFile);
  $("imp-all").addEventListener("click", () => runImport("all"));
  $("imp-valid").addEventListener("click", () => runImport("valid"));
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
