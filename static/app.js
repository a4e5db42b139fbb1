// Report QA chat page: vanilla JS, no build step.
// Safety rule: report and answer text is only ever inserted with textContent / text nodes, never as HTML,
// and only http(s) URLs ever become links.
"use strict";
(function () {
  const STORAGE_KEY = "reportqa.chat.v1";
  const HISTORY_TURNS = 10; // earlier turns sent with a follow-up
  const MAX_TURN_CHARS = 8000; // the API's limit per history turn
  const UNSURE_BELOW = 0.8; // answers below this confidence are marked uncertain (see the API's "confidence")
  const $ = (id) => document.getElementById(id);
  const messages = $("messages"), form = $("ask-form"), input = $("question"), send = $("send");

  /** @type {{role: string, content: string, citations?: object[], found?: boolean, confidence?: number|null, error?: boolean}[]} */
  let turns = load();
  let busy = false;
  let lastChip = null;

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

  function historyFor() {
    return turns
      .filter((t) => !t.error && t.content)
      .slice(-HISTORY_TURNS)
      .map((t) => ({ role: t.role, content: t.content.slice(0, MAX_TURN_CHARS) }));
  }

  // ---- rendering ---------------------------------------------------------------------------
  function renderAnswerText(node, text, citations) {
    node.replaceChildren();
    const byN = new Map((citations || []).map((c) => [Number(c.n), c]));
    for (const part of String(text).split(/(\[\d+\])/)) {
      const m = /^\[(\d+)\]$/.exec(part);
      const c = m && byN.get(Number(m[1]));
      if (c) {
        const chip = el("button", "chip", m[1]);
        chip.type = "button";
        chip.setAttribute("aria-label", `Source ${m[1]}: ${c.title || c.doc_id || "passage"}`);
        chip.setAttribute("aria-controls", "passage");
        chip.addEventListener("click", () => { lastChip = chip; showPassage(c); });
        node.append(chip);
      } else if (part) {
        node.append(document.createTextNode(part));
      }
    }
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
    tools.append(copy, sources);
    li.append(label, badge, unsure, body, tools);
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
      const n = (t.citations || []).length;
      sources.textContent = n ? `${n} source${n > 1 ? "s" : ""}` : "";
    };
    li.update(turn, false);
    return li;
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

  function showPassage(c) {
    $("documents").hidden = true;
    $("toggle-docs").setAttribute("aria-expanded", "false");
    $("passage-title").textContent = c.title || c.doc_id || "Passage";
    // "p. 4" for PDF passages (page is null elsewhere); the section heading above the quote.
    const page = Number.isInteger(c.page) && c.page > 0 ? `p. ${c.page}` : "";
    $("passage-meta").textContent = [c.date, c.outlet, page].filter(Boolean).join(" · ");
    const heading = $("passage-heading");
    heading.textContent = typeof c.heading === "string" ? c.heading : "";
    heading.hidden = !heading.textContent;
    const quote = $("passage-text");
    const text = String(c.text || "");
    quote.replaceChildren();
    let pos = 0;
    const marks = (c.highlights || [])
      .map((h) => ({ start: Math.max(0, Number(h.start) || 0), end: Math.min(text.length, Number(h.end) || 0), kind: h.kind }))
      .filter((h) => h.end > h.start)
      .sort((a, b) => a.start - b.start);
    let first = null;
    for (const h of marks) {
      if (h.start < pos) continue;
      quote.append(document.createTextNode(text.slice(pos, h.start)));
      // A caption is marked as one: the fact comes from under a picture, not the article's text.
      const mark = el("mark", h.kind === "caption" ? "caption" : "", text.slice(h.start, h.end));
      if (h.kind === "caption") mark.title = "Caption";
      first = first || mark;
      quote.append(mark);
      pos = h.end;
    }
    quote.append(document.createTextNode(text.slice(pos)));
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

  function hidePassage() {
    $("passage").hidden = true;
    document.body.classList.remove("panel-open");
  }

  function closePassage() {
    hidePassage();
    if (lastChip && document.contains(lastChip)) lastChip.focus();
  }

  // ---- documents panel ---------------------------------------------------------------------
  async function openDocuments() {
    const panel = $("documents");
    if (!panel.hidden) { closeDocuments(); return; }
    hidePassage();
    panel.hidden = false;
    $("toggle-docs").setAttribute("aria-expanded", "true");
    $("documents-title").focus({ preventScroll: true });
    const list = $("documents-list"), status = $("documents-status");
    status.textContent = "Loading…";
    try {
      const res = await fetch("/api/documents", { headers: { Accept: "application/json" } });
      const data = await res.json();
      if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
      const docs = data.documents || [];
      status.textContent = docs.length ? `${docs.length} report${docs.length > 1 ? "s" : ""}` : "No reports ingested yet.";
      list.replaceChildren(...docs.map(documentItem));
    } catch (err) {
      status.textContent = "Could not load the reports: " + err.message;
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
    return new Error((data && data.error && data.error.message) || `${res.status} ${res.statusText}`);
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
        turn.confidence = typeof data.confidence === "number" ? data.confidence : null;
        finished = true;
      } else if (name === "error") {
        throw new Error((data.error && data.error.message) || "the answer failed");
      }
    });
    if (!finished) throw new Error("the answer stopped before it was complete");
    return true;
  }

  async function plainAnswer(body, turn) {
    const res = await fetch("/api/ask", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    const data = await readJson(res);
    if (!res.ok) throw apiError(res, data);
    turn.content = data.answer || "";
    turn.citations = data.citations || [];
    turn.found = !!data.found;
    turn.confidence = typeof data.confidence === "number" ? data.confidence : null;
  }

  async function ask(question) {
    question = question.trim();
    if (!question || busy) return;
    busy = true;
    send.disabled = true;
    const body = JSON.stringify({ question, history: historyFor() });
    turns.push({ role: "user", content: question });
    const turn = { role: "assistant", content: "", citations: [] };
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
      turn.content = "Sorry, no answer: " + err.message;
      turn.citations = [];
      turn.error = true;
    }
    node.update(turn, false);
    save();
    busy = false;
    send.disabled = false;
    input.focus();
  }

  function newChat() {
    turns = [];
    save();
    renderAll();
    hidePassage();
    input.value = "";
    input.focus();
  }

  // ---- wiring ------------------------------------------------------------------------------
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q || busy) return;
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
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (!$("passage").hidden) closePassage();
    else if (!$("documents").hidden) closeDocuments();
  });
  window.addEventListener("storage", (e) => { if (e.key === STORAGE_KEY && !busy) { turns = load(); renderAll(); } });

  // An answer interrupted by a reload is dropped rather than shown half-done.
  if (turns.length && turns[turns.length - 1].role === "assistant" && !turns[turns.length - 1].content) {
    turns.pop();
  }
  renderAll();
})();
