// 打印文书: choose a document, then 预览 (system PDF viewer), 另存为 (a save dialog on the
// Rust side) or 打印 (a printer of this PC). The same command, output_document, serves the
// statistics screen's 月报 through printDocument().

import { $, el, invoke, showMessage, clearMessage, errorText, option } from "./dom.js";

let setup = null; // {printers, default, error, fonts}, fetched once
// What the clerk chose and the last outcome, kept while the screen re-renders one case.
let kept = { number: null, kind: null, printer: null, result: "" };

/** The printers and fonts of this PC (fetched once, then kept). */
export async function printSetup(refresh = false) {
  if (!setup || refresh) setup = await invoke("list_printers");
  return setup;
}

/** Which fonts stood in for the official ones, in one sentence; "" when none did. */
export function fontNote(fonts) {
  const stand = fonts.filter((f) => !f.official);
  if (stand.length === 0) return "";
  const byFace = new Map();
  for (const f of stand) byFace.set(f.used, [...(byFace.get(f.used) || []), f.wanted]);
  const parts = [...byFace].map(([used, wanted]) => `以 ${used} 代替${wanted.join("、")}`);
  return `本机没有可嵌入的公文字体，${parts.join("；")}。`;
}

/** What a finished output says, in Chinese. */
export function resultText(r) {
  if (r.cancelled) return "已取消另存为。";
  const what = `${r.label}${r.number ? `（${r.number}）` : ""}，共 ${r.pages} 页`;
  let text;
  if (r.mode === "print") text = `已送打印机 ${r.printer} 打印${what}（任务 ${r.job}）。`;
  else if (r.mode === "save") text = `已保存${what}：${r.file}`;
  else text = `已在 PDF 阅读器中打开${what}（预览，未占用文号）。`;
  if (r.rare_faces.length) text += `生僻字以 ${r.rare_faces.join("、")} 字体印出。`;
  if (r.missing_chars.length) text += `注意：以下字符没有可用字体，印为方框：${r.missing_chars.join("")}`;
  return text;
}

/** Produces `doc` ({kind, case?, month?}) in `mode`; resolves to the command's result. */
export function printDocument(doc, mode, printer) {
  return invoke("output_document", { doc, mode, printer: printer || null, path: null });
}

const KINDS = [
  ["feedback", "书面反馈"],
  ["notice", "交办通知单"],
  ["urge", "催办通知单"],
  ["brief", "信息专报（重要、敏感信息报领导）"],
];

/** The document most likely wanted now for the case `c`. */
function likelyKind(c) {
  if (c.feedbacks.length) return "feedback";
  if (c.urgings.length) return "urge";
  if (c.units.length) return "notice";
  if (c.important || c.sensitive) return "brief";
  return "feedback";
}

/**
 * Fills `#print-area` for the case `c`; `after` runs when a document was produced (the
 * case screen reloads its timeline).
 */
export function renderPrintArea(c, after) {
  const area = $("print-area");
  area.replaceChildren();
  const row = el("div", "print-row");
  const kind = el("select");
  kind.id = "print-kind";
  kind.setAttribute("aria-label", "文书");
  for (const [code, label] of KINDS) {
    const n = c.feedbacks.length;
    kind.appendChild(option(code, code === "feedback" && n ? `${label}（第 ${n} 次）` : label));
  }
  // A closed case's dossier (案卷) is printed for archiving; it takes no document number.
  if (c.status === "closed" || c.status === "archived") {
    kind.appendChild(option("dossier", "案卷（归档用，不占用文号）"));
  }
  if (kept.number !== c.number) kept = { number: c.number, kind: null, printer: null, result: "" };
  kind.value = kept.kind || likelyKind(c);
  kind.addEventListener("change", () => {
    kept.kind = kind.value;
  });
  const preview = el("button", "secondary", "预览");
  preview.type = "button";
  preview.id = "print-preview";
  const save = el("button", "secondary", "另存为…");
  save.type = "button";
  save.id = "print-save";
  row.append(kind, preview, save);

  const prow = el("div", "print-row");
  const printers = el("select");
  printers.id = "print-printer";
  printers.setAttribute("aria-label", "打印机");
  printers.appendChild(option("", "（正在查找打印机…）"));
  const go = el("button", "primary", "打印");
  go.type = "button";
  go.id = "print-go";
  prow.append(el("span", "muted", "打印机"), printers, go);

  const hint = el("p", "muted print-hint", "预览不占用文号；另存为、打印各使用一个新的文号，并记入办理记录。");
  const fonts = el("p", "muted print-fonts");
  fonts.id = "print-fonts";
  const result = el("p", "print-result", kept.result);
  result.id = "print-result";
  result.setAttribute("role", "status");
  area.append(row, prow, hint, fonts, result);

  printSetup()
    .then((s) => {
      printers.replaceChildren();
      if (s.printers.length === 0) {
        printers.appendChild(option("", s.error ? "（无法列出打印机）" : "（本机没有打印机）"));
        go.disabled = true;
        if (s.error) fonts.textContent = s.error;
      }
      for (const p of s.printers) printers.appendChild(option(p, p === s.default ? `${p}（默认）` : p));
      if (kept.printer && s.printers.includes(kept.printer)) printers.value = kept.printer;
      else if (s.default) printers.value = s.default;
      go.disabled = printers.value === "";
      printers.addEventListener("change", () => {
        kept.printer = printers.value;
      });
      const note = fontNote(s.fonts);
      if (note) fonts.textContent = note;
    })
    .catch((err) => {
      printers.replaceChildren(option("", "（无法列出打印机）"));
      go.disabled = true;
      fonts.textContent = errorText(err);
    });

  const run = async (mode, button) => {
    clearMessage();
    result.textContent = mode === "print" ? "正在生成并送打印机…" : "正在生成…";
    for (const b of [preview, save, go]) b.disabled = true;
    try {
      const r = await printDocument({ kind: kind.value, case: c.number }, mode, printers.value);
      kept.result = resultText(r);
      result.textContent = kept.result;
      if (!r.cancelled && mode !== "preview") await after();
    } catch (err) {
      kept.result = "";
      result.textContent = "";
      showMessage(errorText(err), "error");
    } finally {
      for (const b of [preview, save]) b.disabled = false;
      go.disabled = printers.value === "";
      button.focus();
    }
  };
  preview.addEventListener("click", () => run("preview", preview));
  save.addEventListener("click", () => run("save", save));
  go.addEventListener("click", () => run("print", go));
}
