// The explorer: draws the precomputed layout on a canvas, searches, and shows a node's details.
// Plain DOM and canvas 2D, no library, so the page works from disk with no network.
(function () {
  "use strict";
  const started = performance.now();
  const data = JSON.parse(document.getElementById("lg-data").textContent);
  const norm = makeNormalizer(data.rules);
  const COLORS = ["#2563eb", "#e07b00", "#16a34a"];
  const KIND_NAMES = ["article", "missing target", "keyword"];
  // Past these counts drawing everything each frame costs more than it shows: all links and
  // every label become one grey blot, so only the selection's links and the hubs' labels are drawn.
  const EDGE_LIMIT = 20000;
  const LABEL_LIMIT = 120, LABEL_TRIES = 3000, BIG = 5000;
  const SHOWN_LIMIT = 100;

  const nodes = data.nodes.map((r, i) => ({
    i, slug: r[0], kind: r[1], x: r[2], y: r[3], inLinks: r[4], lang: r[5], labels: r[6],
    descriptions: r[7], aliases: r[8], keywords: r[9], out: [], in: [], members: [],
  }));
  const L = data.links;
  for (let k = 0; k < L.length; k += 3) {
    nodes[L[k]].out.push([L[k + 1], L[k + 2]]);
    nodes[L[k + 1]].in.push([L[k], L[k + 2]]);
  }
  for (const n of nodes) for (const k of n.keywords) nodes[k].members.push(n.i);
  const maxOf = (kind) => nodes.reduce((m, n) => ((n.kind === 2) === kind ? Math.max(m, value(n)) : m), 1);
  const maxConcept = maxOf(false), maxKeyword = maxOf(true);
  for (const n of nodes) {
    n.name = (n.labels.find((l) => l[0] === n.lang) || n.labels[0] || [null, n.slug])[1];
    n.rtl = /[\u0590-\u08ff]/.test(n.name);
    n.r = 2.5 + 13 * Math.sqrt(value(n) / (n.kind === 2 ? maxKeyword : maxConcept));
  }
  const bySize = nodes.slice().sort((a, b) => b.r - a.r || a.i - b.i);
  const counts = [0, 0, 0];
  for (const n of nodes) counts[n.kind]++;

  function value(n) { return n.kind === 2 ? n.members.length : n.inLinks; }

  // ---- state and view ----
  const shown = [true, true, true];
  let selected = -1;
  const canvas = document.getElementById("canvas");
  const ctx = canvas.getContext("2d");
  const view = { s: 1, tx: 0, ty: 0, fit: 1 };
  let width = 0, height = 0, pending = false, lastDrawMs = 0;
  const visible = (n) => shown[n.kind] || n.i === selected;

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    width = canvas.clientWidth; height = canvas.clientHeight;
    canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    redraw();
  }

  function fit() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const n of nodes) if (visible(n)) {
      x0 = Math.min(x0, n.x); y0 = Math.min(y0, n.y); x1 = Math.max(x1, n.x); y1 = Math.max(y1, n.y);
    }
    if (x0 === Infinity) { x0 = y0 = 0; x1 = y1 = 1; }
    const s = 0.9 * Math.min(width / Math.max(x1 - x0, 1), height / Math.max(y1 - y0, 1));
    view.s = view.fit = s;
    view.tx = width / 2 - s * (x0 + x1) / 2; view.ty = height / 2 - s * (y0 + y1) / 2;
    redraw();
  }

  let moving = false, rest = 0;
  function moved() {
    moving = true;
    clearTimeout(rest);
    rest = setTimeout(() => { moving = false; redraw(); }, 150);
    redraw();
  }

  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }

  const sx = (n) => n.x * view.s + view.tx, sy = (n) => n.y * view.s + view.ty;
  // Nodes grow more slowly than the zoom, so zooming in opens up a dense cluster.
  const zoomFactor = () => Math.min(2, Math.max(0.6, Math.pow(view.s / view.fit, 0.3)));

  function draw() {
    const t0 = performance.now();
    ctx.clearRect(0, 0, width, height);
    const zf = zoomFactor();
    // While a large graph moves, small circles are drawn as squares; the next frame at rest is exact.
    const square = moving && nodes.length > BIG ? 8 : 3;
    ctx.lineWidth = 0.6;
    if (data.counts.links <= EDGE_LIMIT) {
      ctx.strokeStyle = "rgba(100,116,139,0.22)";
      ctx.beginPath();
      for (let k = 0; k < L.length; k += 3) {
        const a = nodes[L[k]], b = nodes[L[k + 1]];
        if (!visible(a) || !visible(b)) continue;
        ctx.moveTo(sx(a), sy(a)); ctx.lineTo(sx(b), sy(b));
      }
      ctx.stroke();
    }
    if (selected >= 0) drawSelectionEdges(nodes[selected]);
    for (let kind = 0; kind < 3; kind++) {
      ctx.fillStyle = COLORS[kind];
      ctx.beginPath();
      for (const n of nodes) {
        if (n.kind !== kind || !visible(n)) continue;
        const x = sx(n), y = sy(n), r = n.r * zf;
        if (x < -r || y < -r || x > width + r || y > height + r) continue;
        // A circle of a few pixels is a square on screen anyway, and an opaque fillRect on whole
        // pixels is the one drawing call that stays cheap in a software-rendered canvas.
        if (r < square) { const d = Math.round(2 * r); ctx.fillRect(Math.round(x - r), Math.round(y - r), d, d); continue; }
        ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    if (selected >= 0) {
      const n = nodes[selected];
      ctx.strokeStyle = "#111827"; ctx.lineWidth = 2.5;
      ctx.beginPath(); ctx.arc(sx(n), sy(n), n.r * zf + 3, 0, 2 * Math.PI); ctx.stroke();
    }
    drawLabels(zf);
    lastDrawMs = performance.now() - t0;
    explorer.stats.frames++;
    explorer.stats.lastDrawMs = lastDrawMs;
  }

  function drawSelectionEdges(n) {
    const pairs = [["rgba(37,99,235,0.75)", n.out.map((e) => e[0])],
                   ["rgba(220,38,38,0.6)", n.in.map((e) => e[0])],
                   ["rgba(22,163,74,0.6)", n.kind === 2 ? n.members : n.keywords]];
    ctx.lineWidth = 1.2;
    for (const [color, others] of pairs) {
      ctx.strokeStyle = color;
      ctx.beginPath();
      for (const j of others) {
        if (!visible(nodes[j])) continue;
        ctx.moveTo(sx(n), sy(n)); ctx.lineTo(sx(nodes[j]), sy(nodes[j]));
      }
      ctx.stroke();
    }
  }

  function drawLabels(zf) {
    // The selection and its neighbours first, then the biggest nodes; a label is skipped where
    // it would overlap one already drawn, so the hubs stay readable at any size.
    const placed = [];
    const first = [];
    if (selected >= 0) {
      const n = nodes[selected];
      first.push(n, ...n.out.slice(0, 40).map((e) => nodes[e[0]]), ...n.in.slice(0, 40).map((e) => nodes[e[0]]));
    }
    ctx.font = "12px system-ui, 'Noto Sans', 'Noto Sans Arabic', sans-serif";
    ctx.textBaseline = "middle"; ctx.textAlign = "center";
    ctx.lineJoin = "round";
    let drawn = 0, tried = 0;
    for (const list of [first, bySize]) {
      for (const n of list) {
        // Past the first few thousand nodes by size no label would win a place anyway.
        if (drawn >= LABEL_LIMIT || ++tried > LABEL_TRIES) return;
        if (!visible(n)) continue;
        const x = sx(n), y = sy(n) - n.r * zf - 8;
        if (x < 0 || y < 0 || x > width || y > height) continue;
        if (n.w === undefined) n.w = ctx.measureText(n.name).width + 6;  // shaping Arabic is slow
        const w = n.w, h = 15;
        const box = [x - w / 2, y - h / 2, x + w / 2, y + h / 2];
        if (placed.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])) continue;
        placed.push(box); drawn++;
        ctx.direction = n.rtl ? "rtl" : "ltr";
        ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.lineWidth = 3;
        ctx.strokeText(n.name, x, y);
        ctx.fillStyle = n.i === selected ? "#111827" : "#334155";
        ctx.fillText(n.name, x, y);
      }
    }
  }

  // ---- pointer: drag pans, wheel zooms, a click selects ----
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) {  // most nodes carry no label at a large size: name the one under the pointer
      const rect = canvas.getBoundingClientRect();
      const hit = nodeAt(e.clientX - rect.left, e.clientY - rect.top);
      canvas.title = hit >= 0 ? `${nodes[hit].name} (${nodes[hit].slug})` : "";
      canvas.style.cursor = hit >= 0 ? "pointer" : "";
      return;
    }
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; canvas.classList.add("dragging"); }
    if (drag.moved) { view.tx = drag.tx + dx; view.ty = drag.ty + dy; moved(); }
  });
  canvas.addEventListener("pointerup", (e) => {
    const wasClick = drag && !drag.moved;
    drag = null; canvas.classList.remove("dragging");
    if (!wasClick) return;
    const rect = canvas.getBoundingClientRect();
    const hit = nodeAt(e.clientX - rect.left, e.clientY - rect.top);
    if (hit >= 0) select(hit, false); else { selected = -1; showHint(); redraw(); }
  });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    zoomAt(e.clientX - rect.left, e.clientY - rect.top, Math.exp(-e.deltaY * 0.0015));
  }, { passive: false });

  function zoomAt(x, y, factor) {
    const s = Math.min(view.fit * 400, Math.max(view.fit / 4, view.s * factor));
    view.tx = x - (x - view.tx) * s / view.s; view.ty = y - (y - view.ty) * s / view.s; view.s = s;
    moved();
  }

  function nodeAt(x, y) {
    const zf = zoomFactor();
    let best = -1, bestD = Infinity;
    for (const n of nodes) {
      if (!visible(n)) continue;
      const d = Math.hypot(sx(n) - x, sy(n) - y), reach = Math.max(n.r * zf, 6);
      if (d <= reach && d < bestD) { best = n.i; bestD = d; }
    }
    return best;
  }

  function centerOn(n) {
    if (view.s < view.fit * 2) view.s = view.fit * 2;
    view.tx = width / 2 - n.x * view.s; view.ty = height / 2 - n.y * view.s;
  }

  // ---- the side panel ----
  const panel = document.getElementById("panel");

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined && v !== "") e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  function nodeButton(j, extra) {
    const n = nodes[j];
    const b = el("button", { type: "button", class: "node", dir: "auto", lang: n.lang, "data-slug": n.slug, title: n.slug },
      el("span", { class: "dot", style: `background:${COLORS[n.kind]}` }), " ", n.name);
    b.addEventListener("click", () => select(j, true));
    return extra ? el("span", {}, b, el("span", { class: "score" }, extra)) : b;
  }

  function listOf(title, items, render) {
    const frag = document.createDocumentFragment();
    frag.append(el("h3", {}, `${title} (${items.length.toLocaleString("en")})`));
    if (!items.length) { frag.append(el("p", { class: "note" }, "none")); return frag; }
    const ul = el("ul", {});
    for (const item of items.slice(0, SHOWN_LIMIT)) ul.append(el("li", {}, render(item)));
    if (items.length > SHOWN_LIMIT) ul.append(el("li", { class: "note" }, `and ${items.length - SHOWN_LIMIT} more`));
    frag.append(ul);
    return frag;
  }

  const byWeight = (list) => list.slice().sort((a, b) => b[1] - a[1] || nodes[a[0]].name.localeCompare(nodes[b[0]].name));

  function renderPanel(n) {
    panel.replaceChildren();
    panel.dataset.slug = n.slug;
    const h = el("h2", {});
    for (const [lang, text] of n.labels.length ? n.labels : [["", n.slug]]) {
      h.append(el("span", { class: "title", lang, dir: "auto" }, text, lang ? el("span", { class: "lang", dir: "ltr" }, lang) : ""));
    }
    panel.append(h);
    const degree = n.kind === 2 ? `${n.members.length} articles` : `${n.in.length} links in · ${n.out.length} out`;
    panel.append(el("p", { class: "meta" }, el("span", { class: "dot", style: `background:${COLORS[n.kind]}` }),
      ` ${KIND_NAMES[n.kind]} · `, el("code", { dir: "ltr" }, n.slug), ` · ${degree}`));
    if (n.aliases.length) panel.append(el("p", { class: "meta" }, "also: " + n.aliases.join(", ")));
    for (const [lang, text] of n.descriptions) panel.append(el("p", { class: "description", lang, dir: "auto" }, text));
    if (n.kind === 1) panel.append(el("p", { class: "note" }, "No article has this slug yet: it is a link target to write."));
    if (n.keywords.length) {
      panel.append(el("h3", {}, "Keywords"));
      const p = el("p", {});
      for (const k of n.keywords) {
        const chip = el("button", { type: "button", class: "chip", dir: "auto", "data-slug": nodes[k].slug }, nodes[k].name);
        chip.addEventListener("click", () => select(k, true));
        p.append(chip);
      }
      panel.append(p);
    }
    if (n.kind !== 2) panel.append(relatedSection(n));
    if (n.kind === 2) panel.append(listOf("Articles", n.members.slice().sort((a, b) => nodes[a].name.localeCompare(nodes[b].name)), (j) => nodeButton(j)));
    if (n.kind === 2) return;
    panel.append(listOf("Links out", byWeight(n.out), ([j, w]) => nodeButton(j, w > 1 ? `${w}×` : "")));
    panel.append(listOf("Links in", byWeight(n.in), ([j, w]) => nodeButton(j, w > 1 ? `${w}×` : "")));
  }

  function relatedSection(n) {
    const frag = document.createDocumentFragment();
    frag.append(el("h3", {}, "Related terms"));
    const related = data.related[n.i];
    if (!related) {
      frag.append(el("p", { class: "note" }, n.kind === 0
        ? `Precomputed for the ${data.related_info.computed} most linked articles only; ask the command line: linkgraph related ${n.slug} --explain`
        : "Computed for articles; a missing target's neighbours are its links in."));
      return frag;
    }
    if (!related.length) { frag.append(el("p", { class: "note" }, "none found")); return frag; }
    const ol = el("ol", { class: "related" });
    for (const [j, score, reasons] of related) {
      const ul = el("ul", { class: "reasons" });
      for (const r of reasons) ul.append(el("li", { dir: "auto" }, r));
      ol.append(el("li", {}, nodeButton(j, score.toFixed(2)), ul));
    }
    frag.append(ol);
    return frag;
  }

  function showHint() {
    panel.replaceChildren(el("p", { class: "hint" }, "Click a node or search a term."));
    delete panel.dataset.slug;
  }

  function select(i, center) {
    selected = i;
    // The address names the selection, so a link to "graph.html#finra" opens on that term.
    history.replaceState(null, "", "#" + encodeURIComponent(nodes[i].slug));
    renderPanel(nodes[i]);
    panel.scrollTop = 0;
    if (center) centerOn(nodes[i]);
    redraw();
  }

  // ---- search: the normalised name keys of `linkgraph related`, then prefixes and substrings ----
  const entries = [];
  for (const n of nodes) {
    const rank = n.kind === 2 ? 3 : 0;
    entries.push([norm.nameKey(n.slug), n.i, rank]);
    for (const a of n.aliases) entries.push([norm.nameKey(a), n.i, rank + 1]);
    for (const [, text] of n.labels) for (const key of norm.nameKeys(text)) entries.push([key, n.i, rank + 2]);
  }
  const search = document.getElementById("search"), results = document.getElementById("results");
  let found = [], active = 0;

  function find(query) {
    const q = norm.nameKey(query);
    if (!q) return [];
    const best = new Map();
    for (const [key, i, rank] of entries) {
      const how = key === q ? 0 : key.startsWith(q) ? 1 : key.includes(q) ? 2 : -1;
      if (how < 0) continue;
      const score = how * 10 + rank;
      if (!best.has(i) || score < best.get(i)) best.set(i, score);
    }
    return [...best].sort((a, b) => a[1] - b[1] || value(nodes[b[0]]) - value(nodes[a[0]]) || a[0] - b[0])
      .slice(0, 12).map((e) => e[0]);
  }

  function showResults() {
    results.replaceChildren();
    found.forEach((i, k) => {
      const n = nodes[i];
      const li = el("li", { role: "option", class: k === active ? "active" : "", "data-slug": n.slug },
        el("span", { class: "dot", style: `background:${COLORS[n.kind]}` }),
        el("span", { dir: "auto", lang: n.lang }, n.name), el("span", { class: "slug", dir: "ltr" }, n.slug));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(k); });
      results.append(li);
    });
    results.hidden = !found.length;
  }

  function choose(k) {
    if (!found.length) return;
    select(found[k], true);
    results.hidden = true;
  }

  search.addEventListener("input", () => { found = find(search.value); active = 0; showResults(); });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); choose(active); }
    else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : found.length - 1)) % Math.max(found.length, 1);
      showResults();
    } else if (e.key === "Escape") results.hidden = true;
  });
  search.addEventListener("blur", () => { results.hidden = true; });

  // ---- header, filters, legend ----
  const fmt = (x) => x.toLocaleString("en");
  const count = document.getElementById("count");
  count.dataset.nodes = nodes.length;
  count.textContent = `${fmt(nodes.length)} nodes · ${fmt(data.counts.links)} links · ${fmt(data.counts.keyword_edges)} keyword edges`;
  for (const [id, kind] of [["show-missing", 1], ["show-keyword", 2]]) {
    document.getElementById(id).addEventListener("change", (e) => { shown[kind] = e.target.checked; redraw(); });
  }
  document.getElementById("fit").addEventListener("click", fit);
  const legend = document.getElementById("legend");
  KIND_NAMES.forEach((name, kind) => legend.append(
    el("div", {}, el("span", { class: "dot", style: `background:${COLORS[kind]}` }), `${name} (${fmt(counts[kind])})`)));
  legend.append(el("div", { class: "note" }, "size: links in (keywords: articles)"));
  legend.append(el("div", { class: "note" }, (data.counts.links > EDGE_LIMIT ? "links drawn for the selection: " : "selection: ")
    + "out blue, in red, keywords green"));

  // For tests and the console: what a script needs to drive the page without reading pixels.
  const bySlug = (slug) => nodes.find((n) => n.slug === slug);
  const explorer = window.linkgraph = {
    normalize: norm, find: (q) => find(q).map((i) => nodes[i].slug), redraw, view,
    select: (slug) => select(bySlug(slug).i, true),
    selected: () => (selected >= 0 ? nodes[selected].slug : null),
    screenPosition: (slug) => { const n = bySlug(slug); return [sx(n), sy(n)]; },
    shown: () => nodes.filter(visible).length,
    stats: { frames: 0, lastDrawMs: 0, readyMs: 0 },
  };
  window.addEventListener("resize", resize);
  resize();
  fit();
  // A hand-edited or truncated address (#%E0%A4%A) is not valid percent-encoding: take it as written.
  let wanted = location.hash.slice(1);
  try { wanted = decodeURIComponent(wanted); } catch (_) { /* URIError: keep the raw text */ }
  const start = bySlug(wanted);
  if (start) select(start.i, true);
  requestAnimationFrame(() => {
    explorer.stats.readyMs = performance.now();
    explorer.stats.scriptMs = performance.now() - started;
    document.body.dataset.ready = "true";
  });
})();
