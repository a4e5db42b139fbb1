// Report QA chat page: vanilla JS, no build step.
// Safety rule: report and answer text is only ever inserted with textContent / text nodes, never as HTML,
// and only http(s) URLs ever become links.
"use strict";
(function () {
  const STORAGE_KEY = "reportqa.chat.v1";
  const FILTER_KEY = "reportqa.filters.v1"; // the report filter, kept across reloads
  const DATE_RE = /^\d{4}(-\d{2}(-\d{2})?)?$/; // what the API accepts for since/until
  const NUMBER_QUESTION = /\bhow (many|much|long|often)\b|\bper ?cent|\bpercentage\b|\bnumber of\b|\bwhat share\b/i;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const HISTORY_TURNS = 10; // earlier turns sent with a follow-up
  const MAX_TURN_CHARS = 8000; // the API's limit per history turn
  const UNSURE_BELOW = 0.8; // answers below this confidence are marked uncertain (see the API's "confidence")
  const $ = (id) => document.getElementById(id);
  const messages = $("messages"), form = $("ask-form"), input = $("question"), send = $("send");

  /** @type {{role: string, content: string, citations?: object[], found?: boolean, confidence?: number|null, error?: boolean}[]} */
  let turns = load();
  let busy = false;
  let lastChip = null;
  let filters = loadFilters();
  let passageFromTimeline = false; // closing a passage opened from the timeline goes back to it
  let shownPassage = null; // the citation the passage panel shows

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function httpUrl(value) {
    // Only absolute http(s) URLs become links; anything else (javascript:, data:, relative) stays text.
    if (typeof value !== "string" || !/^https?:\/\//i.test(value.trim())) return null;
    try {
      const url = new URL(value.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  // ---- persistence -------------------------------------------------------------------------
  function load() {
    try {
      const data = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(data) ? data.filter((t) => t && typeof t.content === "string") : [];
    } catch (_) {
      return [];
    }
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(turns));
    } catch (_) { /* storage full or disabled: the chat still works, it just won't survive a reload */ }
  }

  function loadFilters() {
    try {
      const f = JSON.parse(localStorage.getItem(FILTER_KEY) || "{}") || {};
      return {
        since: typeof f.since === "string" ? f.since : "",
        until: typeof f.until === "string" ? f.until : "",
        outlets: Array.isArray(f.outlets) ? f.outlets.filter((o) => typeof o === "string" && o) : [],
      };
    } catch (_) {
      return { since: "", until: "", outlets: [] };
    }
  }

  function saveFilters() {
    try { localStorage.setItem(FILTER_KEY, JSON.stringify(filters)); } catch (_) { /* kept for this page only */ }
  }

  /** The API's "filters" object for the current choice, or null when nothing is chosen. */
  function activeFilters() {
    const out = {};
    if (filters.since && DATE_RE.test(filters.since)) out.since = filters.since;
    if (filters.until && DATE_RE.test(filters.until)) out.until = filters.until;
    if (filters.outlets.length) out.outlets = filters.outlets.slice();
    return Object.keys(out).length ? out : null;
  }

  function withFilters(body) {
    const f = activeFilters();
    if (f) body.filters = f;
    return body;
  }

  function historyFor() {
    // The server refuses more turns than its REPORTQA_MAX_HISTORY, which the page carries as data-max-history.
    const limit = Math.min(HISTORY_TURNS, Number(form.dataset.maxHistory ?? HISTORY_TURNS));
    if (!(limit > 0)) return [];
    return turns
      .filter((t) => !t.error && t.content)
      .slice(-limit)
      .map((t) => ({ role: t.role, content: t.content.slice(0, MAX_TURN_CHARS) }));
  }

  // ---- rendering ---------------------------------------------------------------------------
  function citationChip(n, c) {
    const chip = el("button", "chip", String(n));
    chip.type = "button";
    chip.setAttribute("aria-label", `Source ${n}: ${c.title || c.doc_id || "passage"}`);
    chip.setAttribute("aria-controls", "passage");
    chip.addEventListener("click", () => { lastChip = chip; showPassage(c); });
    return chip;
  }

  /** The answer as segments: each quoted sentence with the citation numbers that follow it. */
  function segments(text) {
    const out = [];
    let cur = { text: "", marks: [] };
    for (const part of String(text).split(/(\[\d+\])/)) {
      const m = /^\[(\d+)\]$/.exec(part);
      if (m) cur.marks.push(Number(m[1]));
      else if (part) {
        if (cur.marks.length) { out.push(cur); cur = { text: "", marks: [] }; }
        cur.text += part;
      }
    }
    if (cur.text || cur.marks.length) out.push(cur);
    return out;
  }

  /** The list item a segment quotes, if it ends with one of its citation's list items: {lead, item}. */
  function quotedItem(seg, byN) {
    const said = seg.text.trim().replace(/\.$/, "");
    for (const n of seg.marks) {
      const c = byN.get(n);
      for (const h of (c && c.highlights) || []) {
        if (h.kind !== "item") continue;
        const item = String(c.text || "").slice(h.start, h.end).trim().replace(/\.$/, "");
        if (item && said.endsWith(item)) return { lead: said.slice(0, said.length - item.length).trim(), item, c };
      }
    }
    return null;
  }

  function capitalized(s) {
    // A list item is shown as a list line, so it starts with a capital even where the report
    // wrote it as the end of its lead-in's sentence; the quote itself (Copy) stays verbatim.
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function renderAnswerText(node, text, citations) {
    node.replaceChildren();
    const byN = new Map((citations || []).map((c) => [Number(c.n), c]));
    const marks = (seg, into) => {
      for (const n of seg.marks) {
        const c = byN.get(n);
        into.append(c ? citationChip(n, c) : document.createTextNode(`[${n}]`));
      }
    };
    let list = null;
    for (const seg of segments(text)) {
      const quoted = quotedItem(seg, byN);
      if (!quoted) {
        list = null;
        node.append(document.createTextNode(seg.text));
        marks(seg, node);
        continue;
      }
      if (quoted.lead) {
        list = null;
        node.append(document.createTextNode((seg.text.match(/^\s*/) || [""])[0] + quoted.lead));
      }
      if (!list) {
        list = el("ul", "answer-list");
        node.append(list);
      }
      const li = el("li", "", capitalized(quoted.item) + " ");
      marks(seg, li);
      list.append(li);
    }
    for (const ul of node.querySelectorAll(".answer-list")) addWholeList(ul, byN);
  }

  /** Under a quoted list whose passage lists more items than the answer quotes: a way to see them all. */
  function addWholeList(ul, byN) {
    const chips = [...ul.querySelectorAll(".chip")];
    const c = chips.length && byN.get(Number(chips[0].textContent));
    if (!c) return;
    const items = (c.highlights || []).filter((h) => h.kind === "item");
    const listed = listLines(String(c.text || ""), items);
    if (listed <= ul.children.length && !listContinues(c)) return;
    const more = el("button", "tool whole-list", "Show the whole list");
    more.type = "button";
    more.setAttribute("aria-controls", "passage");
    more.addEventListener("click", () => { lastChip = more; showPassage(c); });
    ul.after(more);
  }

  /** How many "- " lines the list holding the highlighted items has within ``text``. */
  function listLines(text, items) {
    if (!items.length) return 0;
    const [a, b] = listBounds(text, items[0].start, items[items.length - 1].end);
    return text.slice(a, b).split("\n").filter((l) => /^- /.test(l)).length;
  }

  /** The passage ends inside its list (or starts inside it): the report's list goes on beyond it. */
  function listContinues(c) {
    const text = String(c.text || "");
    const items = (c.highlights || []).filter((h) => h.kind === "item");
    if (!items.length) return false;
    const [a, b] = listBounds(text, items[0].start, items[items.length - 1].end);
    const firstLine = text.slice(a).split("\n", 1)[0];
    return b >= text.trimEnd().length || (a === 0 && !/:\s*$/.test(firstLine));
  }

  /**
   * The span of the list around [start, end) in ``text``: its "- " lines, and the lead-in line
   * (ending with ":") just above them, a blank line between allowed. Items are lines of report
   * markdown starting with "- ".
   */
  function listBounds(text, start, end) {
    const lineStart = (pos) => text.lastIndexOf("\n", pos - 1) + 1;
    const lineEnd = (pos) => { const i = text.indexOf("\n", pos); return i < 0 ? text.length : i; };
    let a = lineStart(start), b = lineEnd(end);
    while (b < text.length && text.startsWith("- ", b + 1)) b = lineEnd(b + 1);
    while (a > 0) {
      const prev = lineStart(a - 1);
      const line = text.slice(prev, a - 1);
      if (line.startsWith("- ")) { a = prev; continue; }
      if (/:\s*$/.test(line)) { a = prev; break; }
      if (line.trim() || prev === 0) break;
      const above = lineStart(prev - 1);
      if (/:\s*$/.test(text.slice(above, prev - 1))) a = above;
      break;
    }
    return [a, b];
  }

  function copyText(text, button) {
    const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text) && done());
    } else if (fallbackCopy(text)) {
      done();
    }
  }

  function fallbackCopy(text) {
    const area = el("textarea", "offscreen");
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
  }

  function answerNode(turn) {
    const li = el("li", "msg assistant");
    const label = el("p", "who visually-hidden", "Answer");
    const badge = el("p", "badge", "The reports don't say");
    badge.hidden = true;
    // Answers the scorer was unsure of (see "confidence" in the API): right less than half the
    // time on questions the method was not tuned on, so say so instead of sounding certain.
    const unsure = el("p", "unsure", "Uncertain: the reports may not answer this exactly");
    unsure.hidden = true;
    const body = el("div", "body");
    const tools = el("div", "tools");
    const copy = el("button", "tool copy", "Copy");
    copy.type = "button";
    copy.setAttribute("aria-label", "Copy the answer");
    copy.addEventListener("click", () => copyText(li.dataset.plain || body.textContent, copy));
    const sources = el("p", "sources meta");
    const detail = el("p", "error-detail meta");
    const again = el("button", "tool retry", "Retry");
    again.type = "button";
    again.setAttribute("aria-label", "Ask this question again");
    again.addEventListener("click", () => retry(turn));
    const chartTool = el("button", "tool timeline-tool", "Timeline");
    chartTool.type = "button";
    chartTool.setAttribute("aria-label", "Show what each report said over time");
    chartTool.addEventListener("click", () => openTimeline(turn.question || ""));
    tools.append(copy, chartTool, sources);
    // When reports disagree on a figure: each other report's dated value, with its source chip.
    const others = el("div", "others");
    li.append(label, badge, unsure, body, detail, others, tools, again);
    li.update = (t, streaming) => {
      renderAnswerText(body, t.content || (streaming ? "" : "…"), t.citations);
      li.dataset.plain = t.content || "";
      li.classList.toggle("streaming", !!streaming);
      li.setAttribute("aria-busy", streaming ? "true" : "false");
      li.classList.toggle("notfound", t.found === false && !t.error);
      li.classList.toggle("error", !!t.error);
      badge.hidden = !(t.found === false && !t.error);
      unsure.hidden = !(t.found === true && !t.error && !streaming && typeof t.confidence === "number" && t.confidence < UNSURE_BELOW);
      tools.hidden = !!streaming || !t.content || !!t.error;
      detail.textContent = t.error && t.detail ? `The server said: ${t.detail}` : "";
      detail.hidden = !detail.textContent;
      again.hidden = !(t.error && t.retry && t.question);
      chartTool.hidden = !(t.found && t.question && NUMBER_QUESTION.test(t.question));
      renderOthers(others, streaming ? [] : t.others, t.citations);
      const n = (t.citations || []).length;
      sources.textContent = n ? `${n} source${n > 1 ? "s" : ""}` : "";
    };
    li.update(turn, false);
    return li;
  }

  function renderOthers(node, list, citations) {
    node.replaceChildren();
    node.hidden = !(list && list.length);
    if (node.hidden) return;
    const byN = new Map((citations || []).map((c) => [Number(c.n), c]));
    node.append(el("p", "others-title", "Other reports say"));
    const ul = el("ul", "others-list");
    for (const o of list) {
      const item = el("li", "", `${o.outlet || o.title || "A report"} (${o.date || "undated"}): ${o.value || "—"} `);
      const c = byN.get(Number(o.n));
      if (c) {
        const chip = el("button", "chip", String(o.n));
        chip.type = "button";
        chip.setAttribute("aria-label", `Source ${o.n}: ${c.title || c.doc_id || "passage"}`);
        chip.addEventListener("click", () => { lastChip = chip; showPassage(c); });
        item.append(chip);
      }
      ul.append(item);
    }
    node.append(ul);
  }

  function renderTurn(turn) {
    if (turn.role === "user") {
      const li = el("li", "msg user");
      li.append(el("p", "who visually-hidden", "You asked"), el("div", "body", turn.content));
      return li;
    }
    return answerNode(turn);
  }

  function renderAll() {
    messages.replaceChildren(...turns.map(renderTurn));
    $("empty").hidden = turns.length > 0;
  }

  // Where `heading` stands as a whole line of `text` (the last such line before `before`), or -1.
  function headingLine(text, heading, before) {
    if (!heading) return -1;
    let found = -1;
    for (let i = text.indexOf(heading); i >= 0 && i < before; i = text.indexOf(heading, i + 1)) {
      const end = i + heading.length;
      if ((i === 0 || text[i - 1] === "\n") && (end === text.length || text[end] === "\n")) found = i;
    }
    return found;
  }

  function showPassage(c, fromTimeline) {
    $("documents").hidden = true;
    $("toggle-docs").setAttribute("aria-expanded", "false");
    passageFromTimeline = !!fromTimeline;
    $("timeline").hidden = true;
    $("toggle-timeline").setAttribute("aria-expanded", "false");
    $("passage-title").textContent = c.title || c.doc_id || "Passage";
    // "p. 4" for PDF passages (page is null elsewhere); the section heading above the quote.
    const page = Number.isInteger(c.page) && c.page > 0 ? `p. ${c.page}` : "";
    $("passage-meta").textContent = [c.date, c.outlet, page].filter(Boolean).join(" · ");
    const first = renderQuote(c, "", "");
    shownPassage = c;
    if (listContinues(c)) wholeList(c);
    const link = $("passage-link"), plain = $("passage-source");
    const href = httpUrl(c.source);
    if (href) {
      link.href = href;
      link.hidden = false;
      plain.hidden = true;
    } else {
      link.removeAttribute("href");
      link.hidden = true;
      plain.textContent = c.source ? `Source: ${c.source}` : "";
      plain.hidden = !c.source;
    }
    $("passage").hidden = false;
    document.body.classList.add("panel-open");
    $("passage-title").focus({ preventScroll: true });
    if (first) first.scrollIntoView({ block: "nearest" });
  }

  /**
   * The cited passage with its quoted sentences marked; ``before`` and ``after`` are report text
   * around it (the rest of a list the passage cuts), shown as context. Returns the first mark.
   */
  function renderQuote(c, before, after) {
    const quote = $("passage-text");
    const text = String(c.text || "");
    quote.replaceChildren();
    if (before) quote.append(el("span", "context", before));
    let pos = 0;
    const marks = (c.highlights || [])
      .map((h) => ({ start: Math.max(0, Number(h.start) || 0), end: Math.min(text.length, Number(h.end) || 0), kind: h.kind }))
      .filter((h) => h.end > h.start)
      .sort((a, b) => a.start - b.start);
    // The section heading above the quote, unless the quote holds it as a line of its own: then it
    // is shown there, in bold, and not a second time above.
    const sectionHeading = typeof c.heading === "string" ? c.heading : "";
    const at = headingLine(text, sectionHeading, marks.length ? marks[0].start : text.length);
    const heading = $("passage-heading");
    heading.textContent = at < 0 ? sectionHeading : "";
    heading.hidden = !heading.textContent;
    if (at >= 0) {
      marks.push({ start: at, end: at + sectionHeading.length, kind: "heading" });
      marks.sort((a, b) => a.start - b.start);
    }
    let first = null;
    for (const h of marks) {
      if (h.start < pos) continue;
      quote.append(document.createTextNode(text.slice(pos, h.start)));
      if (h.kind === "heading") {
        quote.append(el("strong", "quote-heading", text.slice(h.start, h.end)));
        pos = h.end;
        continue;
      }
      // A caption is marked as one: the fact comes from under a picture, not the article's text.
      const mark = el("mark", h.kind === "caption" ? "caption" : "", text.slice(h.start, h.end));
      if (h.kind === "caption") mark.title = "Caption";
      first = first || mark;
      quote.append(mark);
      pos = h.end;
    }
    quote.append(document.createTextNode(text.slice(pos)));
    if (after) quote.append(el("span", "context", after));
    if (before || after) quote.dataset.whole = "true"; else delete quote.dataset.whole;
    return first;
  }

  const reportTexts = new Map(); // doc_id -> Promise of the report's stored text (null when unreadable)

  function reportText(docId) {
    if (!reportTexts.has(docId)) {
      reportTexts.set(docId, fetch(`/api/documents/${encodeURIComponent(docId)}`, { headers: { Accept: "application/json" } })
        .then((res) => (res.ok ? res.json() : null))
        .then((d) => (d && typeof d.text === "string" ? d.text : null))
        .catch(() => null));
    }
    return reportTexts.get(docId);
  }

  /** A list the cited passage cuts: show the rest of it from the report's stored text, around the passage. */
  async function wholeList(c) {
    const full = await reportText(c.doc_id);
    const start = Number(c.start), end = Number(c.end);
    if (shownPassage !== c || full === null) return;
    if (full.slice(start, end) !== String(c.text || "")) { reportTexts.delete(c.doc_id); return; } // re-ingested since
    const items = (c.highlights || []).filter((h) => h.kind === "item");
    const [a, b] = listBounds(full, start + items[0].start, start + items[items.length - 1].end);
    if (a >= start && b <= end) return;
    const first = renderQuote(c, full.slice(Math.min(a, start), start), full.slice(end, Math.max(b, end)));
    if (first) first.scrollIntoView({ block: "nearest" });
  }

  function hidePassage() {
    shownPassage = null;
    $("passage").hidden = true;
    document.body.classList.remove("panel-open");
  }

  function closePassage() {
    hidePassage();
    if (passageFromTimeline) {
      passageFromTimeline = false;
      showTimelinePanel();
    }
    if (lastChip && document.contains(lastChip)) lastChip.focus();
  }

  // ---- documents panel ---------------------------------------------------------------------
  async function openDocuments() {
    const panel = $("documents");
    if (!panel.hidden) { closeDocuments(); return; }
    hidePassage();
    $("timeline").hidden = true;
    $("toggle-timeline").setAttribute("aria-expanded", "false");
    panel.hidden = false;
    $("toggle-docs").setAttribute("aria-expanded", "true");
    $("documents-title").focus({ preventScroll: true });
    const list = $("documents-list"), status = $("documents-status");
    status.textContent = "Loading…";
    try {
      const res = await fetch("/api/documents", { headers: { Accept: "application/json" } });
      const data = await readJson(res);
      if (!res.ok) throw apiError(res, data);
      const docs = data.documents || [];
      status.textContent = docs.length ? `${docs.length} report${docs.length > 1 ? "s" : ""}` : "No reports ingested yet.";
      list.replaceChildren(...docs.map(documentItem));
    } catch (err) {
      const why = explain(err);
      status.textContent = "Could not load the reports. " + why.text + (why.retry ? " Open the list again to retry." : "");
    }
  }

  function documentItem(d) {
    const li = el("li", "doc");
    const href = httpUrl(d.source);
    const title = href ? el("a", "doc-title", d.title || d.doc_id) : el("span", "doc-title", d.title || d.doc_id);
    if (href) { title.href = href; title.target = "_blank"; title.rel = "noopener noreferrer"; }
    const passages = Number(d.passages) || 0;
    const meta = [d.date, d.outlet, `${passages} passage${passages === 1 ? "" : "s"}`].filter(Boolean).join(" · ");
    li.append(title, el("span", "meta", meta));
    return li;
  }

  function closeDocuments() {
    $("documents").hidden = true;
    $("toggle-docs").setAttribute("aria-expanded", "false");
    $("toggle-docs").focus();
  }

  // ---- asking ------------------------------------------------------------------------------
  async function readJson(res) {
    try { return await res.json(); } catch (_) { return {}; }
  }

  function apiError(res, data) {
    const err = new Error((data && data.error && data.error.message) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    err.code = (data && data.error && data.error.code) || "";
    err.retryAfter = Number(res.headers.get("Retry-After")) || 0;
    return err;
  }

  /** A sentence a person understands for a failed request, whether retrying can help, and the server's words. */
  function explain(err) {
    const status = err && err.status;
    const detail = err && err.status ? String(err.message || "").replace(/\bValue error, /g, "") : "";
    if (!status && err && err.name === "TypeError") {
      return { text: "Could not reach the server: it may have stopped, or the connection dropped.", retry: true };
    }
    if (err && err.code === "stream_error") {
      return { text: "The server failed while answering.", retry: true, detail: err.message };
    }
    if (err && err.code === "cut_off") {
      return { text: "The answer was cut off before it was complete: the connection dropped.", retry: true };
    }
    const reversed = /since \(([^)]*)\) is after until \(([^)]*)\)/.exec(detail);
    if (reversed) {
      return { text: `The date range is reversed: “From” ${reversed[1]} is after “to” ${reversed[2]}. Swap the dates and ask again.`, retry: false };
    }
    if (status === 429) {
      const wait = err.retryAfter ? `Wait ${err.retryAfter} second${err.retryAfter === 1 ? "" : "s"}, then retry.` : "Wait a moment, then retry.";
      return { text: `Too many questions in a short time for this server. ${wait}`, retry: true };
    }
    if (status === 401 || status === 403) {
      return { text: "This server asks for an access token before it answers, and this page has none.", retry: false, detail };
    }
    if (status === 413) return { text: "The question is too long for this server: shorten it and ask again.", retry: false };
    if (status === 400 && /filters/i.test(detail)) {
      return { text: "The report filter was not accepted: check the dates (YYYY, YYYY-MM or YYYY-MM-DD).", retry: false, detail };
    }
    if (status >= 400 && status < 500) return { text: "The server could not take this question as asked.", retry: false, detail };
    if (status === 502 || status === 503 || status === 504) {
      return { text: "The server is not available right now (starting, restarting or overloaded).", retry: true };
    }
    if (status >= 500) return { text: "The server hit an error while answering.", retry: true, detail };
    return { text: "Something went wrong while asking.", retry: true, detail: err && err.message };
  }

  /** Parse a text/event-stream body read with fetch; calls onEvent(name, data) per event. */
  async function readEvents(res, onEvent) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const flush = (block) => {
      let name = "message";
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    };
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
        if (block.trim()) flush(block);
      }
      if (done) break;
    }
    if (buffer.trim()) flush(buffer);
  }

  async function streamAnswer(body, turn, redraw) {
    const res = await fetch("/api/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body,
    });
    if (res.status === 404 || res.status === 405) return false; // no streaming endpoint: use /api/ask
    if (!res.ok) throw apiError(res, await readJson(res));
    let finished = false;
    await readEvents(res, (name, data) => {
      if (name === "delta") {
        turn.content += data.text || "";
        redraw(true);
      } else if (name === "citations") {
        turn.citations = data.citations || [];
        redraw(true);
      } else if (name === "done") {
        turn.found = !!data.found;
        turn.others = Array.isArray(data.others) ? data.others : [];
        turn.confidence = typeof data.confidence === "number" ? data.confidence : null;
        finished = true;
      } else if (name === "error") {
        const err = new Error((data.error && data.error.message) || "the answer failed");
        err.code = "stream_error";
        throw err;
      }
    });
    if (!finished) {
      const err = new Error("the answer stopped before it was complete");
      err.code = "cut_off";
      throw err;
    }
    return true;
  }

  async function plainAnswer(body, turn) {
    const res = await fetch("/api/ask", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    const data = await readJson(res);
    if (!res.ok) throw apiError(res, data);
    turn.content = data.answer || "";
    turn.citations = data.citations || [];
    turn.found = !!data.found;
    turn.others = Array.isArray(data.others) ? data.others : [];
    turn.confidence = typeof data.confidence === "number" ? data.confidence : null;
  }

  async function ask(question) {
    question = question.trim();
    if (!question || busy) return false;
    if (refuseBadRange()) return false;
    busy = true;
    send.disabled = true;
    const body = JSON.stringify(withFilters({ question, history: historyFor() }));
    turns.push({ role: "user", content: question });
    const turn = { role: "assistant", content: "", citations: [], question };
    turns.push(turn);
    save();
    $("empty").hidden = true;
    messages.append(renderTurn(turns[turns.length - 2]));
    const node = answerNode(turn);
    messages.append(node);
    node.update(turn, true);
    node.scrollIntoView({ block: "nearest" });
    try {
      const streamed = await streamAnswer(body, turn, (s) => node.update(turn, s));
      if (!streamed) await plainAnswer(body, turn);
    } catch (err) {
      const why = explain(err);
      turn.content = why.text;
      turn.detail = why.detail || "";
      turn.retry = why.retry;
      turn.citations = [];
      turn.others = [];
      turn.found = undefined;
      turn.error = true;
    }
    node.update(turn, false);
    save();
    busy = false;
    send.disabled = false;
    input.focus();
    return true;
  }

  /** Ask a failed question again: the failed exchange is replaced by the new one. */
  function retry(turn) {
    if (busy || refuseBadRange()) return;
    const i = turns.indexOf(turn);
    if (i >= 0) {
      const from = i > 0 && turns[i - 1].role === "user" ? i - 1 : i;
      turns.splice(from, i - from + 1);
    }
    save();
    renderAll();
    ask(turn.question || "");
  }

  function newChat() {
    turns = [];
    save();
    renderAll();
    hidePassage();
    input.value = "";
    input.focus();
  }

  // ---- filters -----------------------------------------------------------------------------
  /** "From" after "to" (compared as the API does: the first day of one, the last day of the other). */
  function reversedRange() {
    const a = dateSpan(filters.since), b = dateSpan(filters.until);
    return !!(a && b && a[0] >= b[1]);
  }

  /** When the range is reversed: say so, put the cursor in "From", and tell the caller not to ask. */
  function refuseBadRange() {
    if (!reversedRange()) return false;
    showFilters();
    const status = $("filter-status");
    status.textContent = "";  // re-announced even when the same text was there already
    status.textContent = rangeMessage() + " Nothing was asked.";
    $("filter-since").focus();
    return true;
  }

  function rangeMessage() {
    return `“From” (${filters.since}) is after “to” (${filters.until}): swap the dates or change one.`;
  }

  function describeFilters() {
    const f = activeFilters();
    if (!f) return "Searching all reports.";
    const bits = [];
    if (f.outlets) bits.push("from " + f.outlets.join(", "));
    if (f.since && f.until) bits.push(`dated ${f.since} to ${f.until}`);
    else if (f.since) bits.push(`dated ${f.since} or later`);
    else if (f.until) bits.push(`dated ${f.until} or earlier`);
    return "Searching only reports " + bits.join(" ") + ".";
  }

  function showFilters() {
    $("filter-since").value = filters.since;
    $("filter-until").value = filters.until;
    for (const chip of $("outlet-chips").querySelectorAll(".outlet-chip")) {
      chip.setAttribute("aria-pressed", filters.outlets.includes(chip.dataset.outlet) ? "true" : "false");
    }
    const bad = ["since", "until"].filter((k) => filters[k] && !DATE_RE.test(filters[k]));
    const reversed = reversedRange();
    $("filter-status").textContent = reversed ? rangeMessage()
      : bad.length ? `Not a date: ${bad.map((k) => filters[k]).join(", ")} (use YYYY, YYYY-MM or YYYY-MM-DD). ` + describeFilters()
      : describeFilters();
    for (const id of ["filter-since", "filter-until"]) {
      if (reversed) $(id).setAttribute("aria-invalid", "true"); else $(id).removeAttribute("aria-invalid");
    }
    $("swap-dates").hidden = !reversed;
    $("filters").classList.toggle("reversed", reversed);
    $("filters").classList.toggle("active", !!activeFilters() && !reversed);
  }

  function outletChip(outlet) {
    const chip = el("button", "outlet-chip", outlet);
    chip.type = "button";
    chip.dataset.outlet = outlet;
    chip.setAttribute("aria-pressed", "false");
    chip.addEventListener("click", () => {
      const i = filters.outlets.indexOf(outlet);
      if (i >= 0) filters.outlets.splice(i, 1); else filters.outlets.push(outlet);
      saveFilters();
      showFilters();
    });
    return chip;
  }

  async function loadOutlets() {
    let outlets = [];
    try {
      const res = await fetch("/api/documents", { headers: { Accept: "application/json" } });
      const data = await res.json();
      outlets = (data.documents || []).map((d) => d.outlet).filter(Boolean);
    } catch (_) { /* no chips; the date fields still work */ }
    // Outlets kept from an earlier visit stay selectable (to clear them) even if no report has them now.
    const all = [...new Set([...outlets, ...filters.outlets])].sort((a, b) => a.localeCompare(b));
    $("outlet-chips").replaceChildren(...all.map(outletChip));
    showFilters();
  }

  function onDateInput(key, input) {
    filters[key] = input.value.trim();
    saveFilters();
    showFilters();
  }

  // ---- timeline ------------------------------------------------------------------------------
  function showTimelinePanel() {
    hidePassage();
    $("documents").hidden = true;
    $("toggle-docs").setAttribute("aria-expanded", "false");
    $("timeline").hidden = false;
    $("toggle-timeline").setAttribute("aria-expanded", "true");
    document.body.classList.add("panel-open");
  }

  function openTimeline(question) {
    showTimelinePanel();
    $("timeline-title").focus({ preventScroll: true });
    if (question) {
      $("timeline-question").value = question;
      loadTimeline(question);
    } else if (!$("timeline-question").value) {
      const lastUser = [...turns].reverse().find((t) => t.role === "user");
      if (lastUser) $("timeline-question").value = lastUser.content;
    }
  }

  function closeTimeline() {
    $("timeline").hidden = true;
    document.body.classList.remove("panel-open");
    $("toggle-timeline").setAttribute("aria-expanded", "false");
    $("toggle-timeline").focus();
  }

  async function loadTimeline(question) {
    question = String(question || "").trim();
    if (!question) return;
    const status = $("timeline-status");
    if (reversedRange()) {
      $("timeline-chart").replaceChildren();
      $("timeline-table").hidden = true;
      status.textContent = rangeMessage();
      return;
    }
    status.textContent = "Loading…";
    $("timeline-chart").replaceChildren();
    $("timeline-table").hidden = true;
    try {
      const res = await fetch("/api/timeline", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(withFilters({ question })),
      });
      const data = await readJson(res);
      if (!res.ok) throw apiError(res, data);
      renderTimeline(data);
    } catch (err) {
      const why = explain(err);
      status.textContent = "No timeline: " + why.text + (why.retry ? " Press Show to try again." : "");
    }
  }

  function unitLabel(data) {
    if (data.kind === "duration") return "months";
    if (data.kind === "percent") return "%";
    return data.unit || (data.kind === "count" ? "count" : "");
  }

  function dateSpan(date) {
    // A report's date is a range at its precision (2021-04 is all of April), as the API's filters read it.
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(String(date || ""));
    if (!m) return null;
    const y = Number(m[1]);
    if (!m[2]) return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
    const mo = Number(m[2]) - 1;
    if (!m[3]) return [Date.UTC(y, mo, 1), Date.UTC(y, mo + 1, 1)];
    const d = Date.UTC(y, mo, Number(m[3]));
    return [d, d + 86400000];
  }

  function fmt(n) {
    return Number(n).toLocaleString("en-US", { maximumFractionDigits: 1 });
  }

  function fmtValue(v) {
    return Array.isArray(v) ? `${fmt(v[0])}–${fmt(v[1])}` : fmt(v);
  }

  function niceStep(raw) {
    // 1, 2 or 5 times a power of ten: ticks a reader can take in at a glance
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function renderTimeline(data) {
    const points = (data.points || []).filter((p) => dateSpan(p.date));
    const status = $("timeline-status");
    const unit = unitLabel(data);
    if (!data.kind) status.textContent = "This question asks for no number: ask how many, how much, how long or what share.";
    else if (data.insufficient) status.textContent = points.length
      ? "Only one report gives a figure for this: nothing to compare over time."
      : "No report gives a figure for this.";
    else status.textContent = `${points.length} reports give a figure (${unit}).`;
    const undated = data.undated || [];
    if (undated.length) {
      // An undated report's figure cannot be placed in time, but it is said, not dropped.
      const said = undated.map((p) => `${p.citation.outlet || p.citation.title || "a report"}: ${p.value}`);
      status.textContent += ` Undated: ${said.join("; ")}.`;
    }
    if (points.length) {
      $("timeline-chart").append(chart(points, unit));
      fillTable(points);
    }
  }

  function chart(points, unit) {
    const W = 520, H = 270, L = 60, R = 20, T = 28, B = 46;
    const spans = points.map((p) => dateSpan(p.date));
    let x0 = Math.min(...spans.map((s) => s[0])), x1 = Math.max(...spans.map((s) => s[1]));
    const pad = Math.max((x1 - x0) * 0.06, 30 * 86400000);
    x0 -= pad; x1 += pad;
    const highs = points.map((p) => (Array.isArray(p.normalized) ? p.normalized[1] : p.normalized));
    const step = niceStep(Math.max(...highs, 1) / 3);
    const y1 = Math.ceil((Math.max(...highs, 1) * 1.1) / step) * step;
    const X = (t) => L + ((t - x0) / (x1 - x0)) * (W - L - R);
    const Y = (v) => H - B - (v / y1) * (H - T - B);
    const root = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "tl-svg", role: "group",
                                "aria-label": `Values by report date, in ${unit}` });
    root.append(svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "tl-axis" }));
    root.append(svgEl("line", { x1: L, y1: T, x2: L, y2: H - B, class: "tl-axis" }));
    for (let v = 0; v <= y1 + step / 2; v += step) {
      root.append(svgEl("line", { x1: L - 4, y1: Y(v), x2: W - R, y2: Y(v), class: "tl-grid" }));
      root.append(svgEl("text", { x: L - 8, y: Y(v) + 4, class: "tl-label", "text-anchor": "end" }, fmt(v)));
    }
    root.append(svgEl("text", { x: L, y: 12, class: "tl-label tl-unit", "text-anchor": "middle" }, unit));
    const mids = points.map((p, i) => {
      const v = p.normalized;
      return [X((spans[i][0] + spans[i][1]) / 2), Y(Array.isArray(v) ? (v[0] + v[1]) / 2 : v)];
    });
    root.append(svgEl("polyline", { points: mids.map((m) => m.join(",")).join(" "), class: "tl-line" }));
    points.forEach((p, i) => {
      const [cx, cy] = mids[i];
      const link = svgEl("a", { href: "#passage", class: "tl-point",
                                "aria-label": `${p.date}, ${p.citation.outlet || p.citation.title}: ${p.value}. Open the passage` });
      link.append(svgEl("title", {}, `${p.date} · ${p.citation.outlet || ""}: ${p.value}`));
      const xa = X(spans[i][0]), xb = X(spans[i][1]);
      if (xb - xa > 3) link.append(svgEl("line", { x1: xa, y1: cy, x2: xb, y2: cy, class: "tl-span" })); // a month or a year
      if (Array.isArray(p.normalized)) {
        const top = Y(p.normalized[1]), bottom = Y(p.normalized[0]);
        link.append(svgEl("rect", { x: cx - 6, y: top, width: 12, height: Math.max(bottom - top, 2), rx: 4, class: "tl-range" }));
      } else {
        link.append(svgEl("circle", { cx, cy, r: 6, class: "tl-dot" }));
      }
      link.append(svgEl("text", { x: cx, y: H - B + 18, class: "tl-label", "text-anchor": "middle" }, p.date));
      link.append(svgEl("text", { x: cx, y: Math.max(cy - 12, T + 8), class: "tl-label tl-value", "text-anchor": "middle" },
                        fmtValue(p.normalized)));
      link.addEventListener("click", (e) => { e.preventDefault(); lastChip = null; showPassage(p.citation, true); });
      root.append(link);
    });
    return root;
  }

  function fillTable(points) {
    const body = $("timeline-table").querySelector("tbody");
    body.replaceChildren(...points.map((p) => {
      const tr = el("tr");
      const open = el("button", "tool", "Open passage");
      open.type = "button";
      open.setAttribute("aria-label", `Open the passage of ${p.citation.outlet || p.citation.title} (${p.date})`);
      open.addEventListener("click", () => { lastChip = open; showPassage(p.citation, true); });
      const sentence = el("td");
      sentence.append(document.createTextNode(p.text + " "), open);
      const norm = fmtValue(p.normalized);
      const value = p.value.includes(norm) ? p.value : `${p.value} (${norm})`;
      tr.append(el("td", "tl-date", p.date), el("td", "", p.citation.outlet || p.citation.title || ""),
                el("td", "", value), sentence);
      return tr;
    }));
    $("timeline-table").hidden = false;
  }

  // ---- wiring ------------------------------------------------------------------------------
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q || busy || refuseBadRange()) return;  // the question stays in the box
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.querySelectorAll(".starter").forEach((b) => b.addEventListener("click", () => ask(b.textContent)));
  $("close-passage").addEventListener("click", closePassage);
  $("close-docs").addEventListener("click", closeDocuments);
  $("toggle-docs").addEventListener("click", openDocuments);
  $("new-chat").addEventListener("click", newChat);
  $("toggle-timeline").addEventListener("click", () => ($("timeline").hidden ? openTimeline("") : closeTimeline()));
  $("close-timeline").addEventListener("click", closeTimeline);
  $("timeline-form").addEventListener("submit", (e) => { e.preventDefault(); loadTimeline($("timeline-question").value); });
  $("filter-since").addEventListener("input", (e) => onDateInput("since", e.target));
  $("filter-until").addEventListener("input", (e) => onDateInput("until", e.target));
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("swap-dates").addEventListener("click", () => {
    filters = { ...filters, since: filters.until, until: filters.since };
    saveFilters();
    showFilters();
    $("filter-since").focus();
  });
  $("clear-filters").addEventListener("click", () => {
    filters = { since: "", until: "", outlets: [] };
    saveFilters();
    showFilters();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (!$("passage").hidden) closePassage();
    else if (!$("documents").hidden) closeDocuments();
    else if (!$("timeline").hidden) closeTimeline();
  });
  window.addEventListener("storage", (e) => {
    if (e.key === STORAGE_KEY && !busy) { turns = load(); renderAll(); }
    if (e.key === FILTER_KEY) { filters = loadFilters(); showFilters(); }
  });

  // An answer interrupted by a reload is dropped rather than shown half-done.
  if (turns.length && turns[turns.length - 1].role === "assistant" && !turns[turns.length - 1].content) {
    turns.pop();
  }
  renderAll();
  showFilters();
  loadOutlets();
})();
