// The network explorer of govlinks' HTML report (graphs/templates/explorer.html).
//
// It reads the JSON of graphs/explorer.py from <script type="application/json" id="explorer-data">
// and draws it with sigma.js (WebGL) over a graphology graph: search a site, click it to light up
// the sites linking to it and the sites it links to (listed in the side panel, with links to
// their pages), filter by theme, life event or ministry, colour by score or group. Positions come
// computed from Python; nothing is fetched; every text shown comes from the data (translated
// there) or from the page, and is written with textContent, never as markup.
//
// Build: see graphs/static/README.md (npm ci && npm run build in explorer-js/).

import Graph from "graphology";
import Sigma from "sigma";

const KINDS = ["theme", "life_event", "organisation"];
const GREY = "#e3e3e3";
const EDGE = "#d9d9d9";
const IN = "#e1000f"; // a link into the selected site
const OUT = "#000091"; // a link out of it
const NO_GROUP = "#bab0ac";
const UNSCORED = "#c8c8c8";
const SCORE = [
  [0, [215, 48, 39]],
  [25, [252, 141, 89]],
  [50, [254, 224, 139]],
  [75, [145, 207, 96]],
  [100, [26, 152, 80]],
];
const MAX_LABEL = 40;
const MAX_SUGGESTIONS = 12;
const FORCE_LABELS = 40; // neighbours labelled at once when the selected site has at most this many

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function fill(template, n) {
  return template.split("{n}").join(String(n));
}

function fold(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

function hex(rgb) {
  return "#" + rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
}

function scoreColour(score) {
  for (let i = 1; i < SCORE.length; i++) {
    const [hi, b] = SCORE[i];
    if (score <= hi || i === SCORE.length - 1) {
      const [lo, a] = SCORE[i - 1];
      const t = Math.max(0, Math.min(1, (score - lo) / (hi - lo)));
      return hex(a.map((c, k) => c + (b[k] - c) * t));
    }
  }
  return UNSCORED;
}

function short(text) {
  return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 1) + "\u2026" : text;
}

function start(root) {
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const T = data.texts;
  const nodes = data.nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const lang = document.documentElement.lang || "en";
  const fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  const reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const colours = {};
  for (const kind of KINDS) colours[kind] = new Map(data.groups[kind].map((g) => [g.id, g.color]));
  const folded = new Map(nodes.map((n) => [n.id, [fold(n.id), fold(n.name), fold(n.org)]]));

  const graph = new Graph({ type: "directed", multi: false, allowSelfLoops: false });
  const maxIn = nodes.reduce((m, n) => Math.max(m, n.in), 1);
  for (const n of nodes) {
    graph.addNode(n.id, {
      x: n.x,
      y: n.y,
      size: 2.5 + 11 * Math.sqrt(n.in / maxIn),
      label: short(n.name || n.id),
    });
  }
  for (const [s, t, w] of data.edges) graph.addDirectedEdge(nodes[s].id, nodes[t].id, { weight: w });

  const state = {
    selected: null,
    inN: new Set(),
    outN: new Set(),
    colour: "score",
    filter: { theme: "", life_event: "", organisation: "" },
    passing: null, // null: no filter
  };

  const groupsOf = (n, kind) => (kind === "theme" ? n.themes : kind === "life_event" ? n.events : n.org ? [n.org] : []);
  const colourOf = (n) => {
    if (state.colour === "score") return n.score === null ? UNSCORED : scoreColour(n.score);
    const first = groupsOf(n, state.colour)[0];
    return (first && colours[state.colour].get(first)) || NO_GROUP;
  };
  const siteUrl = (id) => byId.get(id).href;

  // --- the picture -------------------------------------------------------------------------
  const container = root.querySelector(".ex-graph");
  let renderer = null;
  const nodeReducer = (id, attrs) => {
    const res = Object.assign({}, attrs);
    if (state.selected !== null) {
      if (id === state.selected) {
        res.highlighted = true;
        res.forceLabel = true;
        res.zIndex = 3;
      } else if (state.inN.has(id) || state.outN.has(id)) {
        res.zIndex = 2;
        if (state.inN.size + state.outN.size <= FORCE_LABELS) res.forceLabel = true;
      } else {
        res.color = GREY;
        res.label = null;
        res.zIndex = 0;
      }
    } else if (state.passing !== null && !state.passing.has(id)) {
      res.color = GREY;
      res.label = null;
      res.zIndex = 0;
    } else {
      res.zIndex = 1;
    }
    return res;
  };
  const edgeReducer = (edge, attrs) => {
    const res = Object.assign({}, attrs);
    const s = graph.source(edge);
    const t = graph.target(edge);
    if (state.selected !== null) {
      if (s === state.selected || t === state.selected) {
        res.color = s === state.selected ? OUT : IN;
        res.type = "arrow";
        res.size = state.inN.size + state.outN.size > 60 ? 1 : 2;
        res.zIndex = 1;
      } else {
        res.hidden = true;
      }
    } else if (state.passing !== null && !(state.passing.has(s) && state.passing.has(t))) {
      res.hidden = true;
    }
    return res;
  };
  try {
    renderer = new Sigma(graph, container, {
      allowInvalidContainer: true,
      defaultEdgeColor: EDGE,
      defaultEdgeType: "line",
      enableCameraRotation: false,
      labelFont: "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif",
      labelSize: 12,
      labelDensity: 0.5,
      labelRenderedSizeThreshold: 9,
      minCameraRatio: 0.03,
      maxCameraRatio: 3,
      stagePadding: 16,
      zIndex: true,
      nodeReducer,
      edgeReducer,
    });
  } catch (err) {
    renderer = null;
    container.replaceChildren(el("p", { class: "ex-nowebgl" }, T.no_webgl));
  }
  const refresh = () => {
    if (renderer) renderer.refresh({ skipIndexation: true });
  };
  const recolour = () => {
    graph.forEachNode((id, attrs) => {
      attrs.color = colourOf(byId.get(id));
    });
    renderLegend();
    if (renderer) renderer.refresh();
  };

  const focus = (id) => {
    root.dataset.focus = "";
    const d = renderer && renderer.getNodeDisplayData(id);
    if (!d) return;
    const camera = renderer.getCamera();
    camera
      .animate({ x: d.x, y: d.y, ratio: Math.min(camera.ratio, 0.6) }, { duration: reduced ? 0 : 400 })
      .then(() => {
        root.dataset.focus = id;
      });
  };

  // --- the side panel ----------------------------------------------------------------------
  const panel = root.querySelector(".ex-panel");
  const neighbourList = (kind, title, entries) => {
    const box = el("div", { class: "ex-neighbours" });
    box.append(el("h4", {}, fill(title, entries.length)));
    const ul = el("ul", { class: "ex-list", "data-kind": kind });
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [id, pages] of entries) {
      const n = byId.get(id);
      const li = el("li");
      li.append(el("button", { type: "button", class: "ex-site", "data-site": id, title: id }, n.name || id));
      li.append(" ", el("span", { class: "small" }, fill(T.pages, fmt.format(pages))));
      ul.append(li);
    }
    box.append(ul);
    return box;
  };
  const renderPanel = () => {
    const id = state.selected;
    if (id === null) {
      panel.replaceChildren(el("p", { class: "ex-hint" }, T.hint));
      return;
    }
    const n = byId.get(id);
    const parts = [el("h3", {}, n.name || n.id)];
    if (n.name) parts.push(el("p", { class: "url" }, n.id));
    if (n.org) parts.push(el("p", { class: "small" }, n.org));
    const facts = n.assessed
      ? fill(T.score, n.score === null ? "\u2013" : fmt.format(n.score)) + " \u00b7 " + fill(T.rank, n.rank)
      : fill(T.not_assessed, n.status);
    parts.push(el("p", {}, facts));
    if (n.flags.length) {
      const p = el("p");
      for (const code of n.flags) p.append(el("span", { class: "flag" }, code), " ");
      parts.push(p);
    }
    const open = el("p");
    open.append(el("a", { href: siteUrl(id), class: "ex-open" }, T.open));
    parts.push(open);
    const inbound = graph.inEdges(id).map((e) => [graph.source(e), graph.getEdgeAttribute(e, "weight")]);
    const outbound = graph.outEdges(id).map((e) => [graph.target(e), graph.getEdgeAttribute(e, "weight")]);
    parts.push(neighbourList("in", T.linked_from, inbound), neighbourList("out", T.links_to, outbound));
    panel.replaceChildren(...parts);
    panel.scrollTop = 0;
  };

  const select = (id, options) => {
    state.selected = id;
    state.inN = new Set(id === null ? [] : graph.inNeighbors(id));
    state.outN = new Set(id === null ? [] : graph.outNeighbors(id));
    root.dataset.selected = id === null ? "" : id;
    renderPanel();
    refresh();
    if (id !== null && options && options.focus) focus(id);
  };

  // --- search ------------------------------------------------------------------------------
  const input = root.querySelector(".ex-search input");
  const listbox = root.querySelector(".ex-suggestions");
  let options = [];
  let active = -1;
  const closeList = () => {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  };
  const setActive = (k) => {
    active = k;
    options.forEach((li, i) => li.setAttribute("aria-selected", i === k ? "true" : "false"));
    if (k >= 0) {
      input.setAttribute("aria-activedescendant", options[k].id);
      options[k].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const matches = (query) => {
    const q = fold(query.trim());
    if (!q) return [];
    const found = [];
    for (const n of nodes) {
      const keys = folded.get(n.id);
      const rank = keys[0].startsWith(q) || keys[1].startsWith(q) ? 0 : keys.some((k) => k.includes(q)) ? 1 : -1;
      if (rank >= 0) found.push([rank, n]);
    }
    found.sort((a, b) => a[0] - b[0] || b[1].in - a[1].in || (a[1].id < b[1].id ? -1 : 1));
    return found.slice(0, MAX_SUGGESTIONS).map((f) => f[1]);
  };
  const suggest = () => {
    const found = matches(input.value);
    listbox.replaceChildren();
    options = [];
    active = -1;
    if (!input.value.trim()) {
      closeList();
      return;
    }
    if (!found.length) listbox.append(el("li", { class: "ex-none", "aria-disabled": "true" }, T.no_match));
    found.forEach((n, i) => {
      const li = el("li", { role: "option", id: "ex-opt-" + i, "data-site": n.id, "aria-selected": "false" });
      li.append(el("span", {}, n.name || n.id));
      if (n.name) li.append(" ", el("span", { class: "url small" }, n.id));
      listbox.append(li);
      options.push(li);
    });
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  const choose = (id) => {
    const n = byId.get(id);
    input.value = n.name || n.id;
    closeList();
    select(id, { focus: true });
  };
  input.addEventListener("input", suggest);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (listbox.hidden) suggest();
      if (!options.length) return;
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + options.length) % options.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      const pick = active >= 0 ? options[active] : options[0];
      if (pick) choose(pick.dataset.site);
    } else if (e.key === "Escape") {
      if (!listbox.hidden) closeList();
      else select(null);
    }
  });
  input.addEventListener("blur", () => closeList());
  listbox.addEventListener("pointerdown", (e) => e.preventDefault()); // keep the focus in the input
  listbox.addEventListener("click", (e) => {
    const li = e.target.closest("[data-site]");
    if (li) choose(li.dataset.site);
  });

  // --- filters, colours, legend, buttons ---------------------------------------------------
  const count = root.querySelector(".ex-count");
  const applyFilters = () => {
    const on = KINDS.filter((k) => state.filter[k]);
    state.passing = on.length
      ? new Set(nodes.filter((n) => on.every((k) => groupsOf(n, k).includes(state.filter[k]))).map((n) => n.id))
      : null;
    count.textContent = fill(T.shown, fmt.format(state.passing === null ? nodes.length : state.passing.size));
    refresh();
  };
  for (const kind of KINDS) {
    const sel = root.querySelector('select[data-filter="' + kind + '"]');
    if (!sel) continue;
    sel.addEventListener("change", () => {
      state.filter[kind] = sel.value;
      applyFilters();
    });
  }
  const legend = root.querySelector(".ex-legend");
  const swatch = (colour, text) => {
    const item = el("span", { class: "ex-key" });
    const dot = el("span", { class: "ex-dot" });
    dot.style.backgroundColor = colour;
    item.append(dot, text);
    return item;
  };
  const renderLegend = () => {
    const items = [];
    if (state.colour === "score") {
      items.push(swatch(scoreColour(0), T.score_low));
      for (const s of [25, 50, 75]) items.push(swatch(scoreColour(s), String(s)));
      items.push(swatch(scoreColour(100), T.score_high), swatch(UNSCORED, T.unscored));
    } else {
      for (const g of data.groups[state.colour]) if (g.color !== NO_GROUP) items.push(swatch(g.color, g.label));
      items.push(swatch(NO_GROUP, T.other));
    }
    const line = (colour, text) => {
      const item = el("span", { class: "ex-key" });
      const bar = el("span", { class: "ex-line" });
      bar.style.backgroundColor = colour;
      item.append(bar, text);
      return item;
    };
    items.push(line(IN, T.legend_in), line(OUT, T.legend_out));
    legend.replaceChildren(...items);
  };
  const colourSelect = root.querySelector("select[data-colour]");
  colourSelect.addEventListener("change", () => {
    state.colour = colourSelect.value;
    recolour();
  });
  const camera = renderer && renderer.getCamera();
  const duration = reduced ? 0 : 250;
  const buttons = {
    "zoom-in": () => camera && camera.animatedZoom({ duration }),
    "zoom-out": () => camera && camera.animatedUnzoom({ duration }),
    reset: () => camera && camera.animatedReset({ duration }),
    clear: () => {
      input.value = "";
      closeList();
      select(null);
    },
  };
  root.querySelectorAll("button[data-action]").forEach((b) => b.addEventListener("click", buttons[b.dataset.action]));

  panel.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-site]");
    if (b) select(b.dataset.site, { focus: true });
  });
  // A link to a row of this page: open the <details> holding it, so that the browser can scroll there.
  root.addEventListener("click", (e) => {
    const a = e.target.closest('a[href^="#"]');
    if (!a) return;
    const target = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    for (let node = target; node; node = node.parentElement) if (node.tagName === "DETAILS") node.open = true;
  });
  if (renderer) {
    renderer.on("clickNode", ({ node }) => select(node));
    renderer.on("clickStage", () => select(null));
    renderer.on("doubleClickNode", (e) => {
      e.preventSigmaDefault();
      const link = panel.querySelector("a.ex-open");
      if (link && state.selected === e.node) link.click();
    });
    renderer.on("enterNode", () => container.classList.add("ex-pointer"));
    renderer.on("leaveNode", () => container.classList.remove("ex-pointer"));
  }

  recolour();
  applyFilters();
  renderPanel();
  root.dataset.ready = renderer ? "graph" : "list";
}

const root = document.getElementById("explorer");
if (root) start(root);
