// Report QA chat page. Report text is only ever inserted with textContent, never as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const messages = $("messages"), form = $("ask-form"), input = $("question");
  const history = [];

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showPassage(c) {
    $("passage-title").textContent = c.title || c.doc_id;
    $("passage-meta").textContent = [c.date, c.outlet].filter(Boolean).join(" · ");
    const quote = $("passage-text");
    quote.replaceChildren();
    let pos = 0;
    for (const h of (c.highlights || []).slice().sort((a, b) => a.start - b.start)) {
      if (h.start < pos) continue;
      quote.append(document.createTextNode(c.text.slice(pos, h.start)));
      quote.append(el("mark", "", c.text.slice(h.start, h.end)));
      pos = h.end;
    }
    quote.append(document.createTextNode(c.text.slice(pos)));
    const link = $("passage-link");
    if (/^https?:\/\//i.test(c.source || "")) { link.href = c.source; link.hidden = false; }
    else { link.removeAttribute("href"); link.hidden = true; }
    $("passage").hidden = false;
  }

  function renderAnswer(node, data) {
    node.replaceChildren();
    const byN = new Map((data.citations || []).map((c) => [c.n, c]));
    const parts = data.answer.split(/(\[\d+\])/);
    for (const part of parts) {
      const m = /^\[(\d+)\]$/.exec(part);
      if (m && byN.has(Number(m[1]))) {
        const c = byN.get(Number(m[1]));
        const chip = el("button", "chip", m[1]);
        chip.type = "button";
        chip.setAttribute("aria-label", `Source ${m[1]}: ${c.title}`);
        chip.addEventListener("click", () => showPassage(c));
        node.append(chip);
      } else {
        node.append(document.createTextNode(part));
      }
    }
    if (!data.found) node.classList.add("notfound");
  }

  async function ask(question) {
    messages.append(el("li", "msg user", question));
    const answerNode = el("li", "msg assistant", "…");
    messages.append(answerNode);
    $("starters").hidden = true;
    try {
      const res = await fetch("/api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question, history: history.slice(-10) }),
      });
      const data = await res.json();
      if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
      renderAnswer(answerNode, data);
      history.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
    } catch (err) {
      answerNode.textContent = "Error: " + err.message;
      answerNode.classList.add("notfound");
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  document.querySelectorAll(".starter").forEach((b) => b.addEventListener("click", () => ask(b.textContent)));
  $("close-passage").addEventListener("click", () => { $("passage").hidden = true; });
})();
