// The stanceline page: a thin face over the public HTTP API (fetch and EventSource only).
// No build step and no library: every element is made with textContent, never from HTML
// strings, so nothing a writer recorded can run as code here.
"use strict";

(() => {
  // What the API says, in words

  const SUMMARY_LABELS = {
    recognized: "recognized",
    ambassador_level: "ambassador level",
    charge_level: "chargé level",
    designated: "designated",
    no_relations: "no relations",
  };
  const COMPONENT_LABELS = {
    recognition: "Recognition",
    designation: "Terrorist designation",
    taliban_envoy: "Taliban envoy in the actor's country",
    envoy_to_kabul: "The actor's envoy in Kabul",
    sanctions: "Sanctions",
    assets: "Afghan assets",
  };
  // The Server-Sent Events `event:` names: EventSource delivers a named event only to a
  // listener for that name. tests/http/test_page.py checks this list against the server's.
  const EVENT_TYPES = [
    "AmbassadorCredentialsAccepted.v1",
    "AssetsFrozen.v1",
    "AssetsUnfrozen.v1",
    "EnvoyPostedToKabul.v1",
    "FactCorrected.v1",
    "FactRanked.v1",
    "FactReinstated.v1",
    "FactRetracted.v1",
    "FormalRecognitionGranted.v1",
    "KabulMissionClosed.v1",
    "RecognitionWithdrawn.v1",
    "SanctionsImposed.v1",
    "SanctionsLifted.v1",
    "StanceStated.v1",
    "TalibanEnvoyAccepted.v1",
    "TalibanMissionClosed.v1",
    "TerroristDesignationImposed.v1",
    "TerroristDesignationLifted.v1",
  ].map((name) => `org.stanceline.${name}`);
  // The map's fills: the same colours as style.css (and `stanceline chart` and `map`).
  const COLOURS = {
    recognized: "#009e73",
    ambassador_level: "#56b4e9",
    charge_level: "#f0e442",
    designated: "#d55e00",
    no_relations: "#999999",
  };
  // Each component's own values, in the colours of `stanceline chart --parts`.
  const PARTS = ["recognition", "designation", "taliban_envoy", "envoy_to_kabul", "sanctions", "assets"];
  const ENVOY_COLOURS = { none: "#999999", charge_d_affaires: "#f0e442", ambassador: "#56b4e9" };
  const PART_COLOURS = {
    recognition: { none: "#999999", recognized: "#009e73" },
    designation: { not_designated: "#999999", designated: "#d55e00" },
    taliban_envoy: ENVOY_COLOURS,
    envoy_to_kabul: ENVOY_COLOURS,
    sanctions: { none: "#999999", active: "#cc79a7" },
    assets: { not_frozen: "#999999", frozen: "#e69f00" },
  };
  const NO_FACT = "#f2f2f2"; // no fact recorded (page.py draws every state so at first)
  const OPEN_START = "0001-01-01"; // "../D": on or before D
  const TAKEOVER = "2021-08-15"; // the Taliban take Kabul
  const SPANS = ["all", "takeover", "year"];
  const SLIDER_WAIT = 120; // ms of quiet on the slider before asking the server
  const LIVE_WAIT = 300; // ms of quiet on the stream before refreshing
  const RETRY_WAIT = 5000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    slider: $("day-slider"),
    field: $("day-field"),
    min: $("day-min"),
    max: $("day-max"),
    knownAt: $("known-at"),
    worldDay: $("world-day"),
    rows: $("world-rows"),
    actor: $("actor"),
    actorHeading: $("actor-heading"),
    span: $("timeline-span"),
    chart: $("timeline-chart"),
    parts: $("part-bands"),
    caption: $("timeline-caption"),
    bands: $("band-list"),
    facts: $("fact-list"),
    whyDay: $("why-day"),
    explanation: $("explanation"),
    connection: $("connection"),
    map: $("world-map"),
    mapWrap: $("map-wrap"),
    mapTip: $("map-tip"),
    chips: $("map-chips"),
    filter: $("summary-filter"),
    worldCsv: $("world-csv"),
    historyCsv: $("history-csv"),
    announcer: $("announcer"),
  };

  const state = {
    on: today(),
    actor: null,
    knownAt: null,
    span: "all", // how much of the actor's timeline to draw
    earliest: null, // the earliest day of any fact in the log
    position: 0, // the last event position read
    timeline: null,
    parts: {}, // each component's timeline, by name
    stream: null,
    world: [], // the last world answer
    filter: null, // show only actors with this summary
  };

  // Days: ISO strings, counted as whole UTC days since 1970-01-01

  const DAY_MS = 86400000;

  function today() {
    return new Date().toISOString().slice(0, 10);
  }

  function dayNumber(iso) {
    return Math.round(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS);
  }

  function isoDay(number) {
    return new Date(number * DAY_MS).toISOString().slice(0, 10);
  }

  function isDay(text) {
    return typeof text === "string" && /^\d{4}-\d{2}-\d{2}$/.test(text) && isoDay(dayNumber(text)) === text;
  }

  function spoken(iso) {
    const when = new Date(dayNumber(iso) * DAY_MS);
    return when.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  function firstDay() {
    return state.earliest && state.earliest < lastDay() ? state.earliest : lastDay();
  }

  function lastDay() {
    return today();
  }

  // Elements

  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else if (name.startsWith("data-")) element.dataset[name.slice(5).replace(/-./g, (m) => m[1].toUpperCase())] = value;
      else element.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
    return element;
  }

  const SVG = "http://www.w3.org/2000/svg";

  function s(tag, attributes, ...children) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, value);
    for (const child of children.flat()) if (child) element.append(child);
    return element;
  }

  let announced = 0;
  function announce(text) {
    // Clearing first makes a screen reader speak a message equal to the last one again.
    const ticket = ++announced;
    ui.announcer.textContent = "";
    setTimeout(() => {
      if (ticket === announced) ui.announcer.textContent = text;
    }, 50);
  }

  // The API

  class Problem extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  function apiUrl(path, params) {
    const url = new URL(path, document.baseURI);
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined) url.searchParams.set(name, value);
    }
    return url;
  }

  async function getJSON(path, params, signal) {
    const answer = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" }, signal });
    if (!answer.ok) {
      let detail = `${answer.status} ${answer.statusText}`;
      try {
        detail = (await answer.json()).detail || detail;
      } catch (_) {
        // not a problem document: keep the status line
      }
      throw new Problem(answer.status, detail);
    }
    return answer.json();
  }

  // One request of each kind at a time: a newer one cancels the older.
  const inFlight = {};
  function latest(kind) {
    if (inFlight[kind]) inFlight[kind].abort();
    inFlight[kind] = new AbortController();
    return inFlight[kind].signal;
  }

  function isAbort(error) {
    return error && error.name === "AbortError";
  }

  // The URL keeps the view: ?on=D&actor=A(&known_at=T)

  function readLocation() {
    const params = new URLSearchParams(location.search);
    const on = params.get("on");
    if (isDay(on)) state.on = on;
    else if (on === "today") state.on = today();
    state.actor = params.get("actor") || null;
    state.knownAt = params.get("known_at") || null;
    if (SPANS.includes(params.get("span"))) state.span = params.get("span");
    ui.span.value = state.span;
    if (SUMMARY_LABELS[params.get("summary")]) state.filter = params.get("summary");
    ui.filter.value = state.filter || "";
  }

  function writeLocation() {
    const params = new URLSearchParams();
    params.set("on", state.on);
    if (state.actor) params.set("actor", state.actor);
    if (state.knownAt) params.set("known_at", state.knownAt);
    if (state.span !== "all") params.set("span", state.span);
    if (state.filter) params.set("summary", state.filter);
    history.replaceState(null, "", `?${params}`);
    showDownloads();
  }

  // Downloads: the answers on the page as CSV, from the same API

  function showDownloads() {
    const world = apiUrl("world", { on: state.on, known_at: state.knownAt, summary: state.filter, format: "csv" });
    ui.worldCsv.href = world.href;
    if (state.actor) {
      const history = apiUrl(`actors/${encodeURIComponent(state.actor)}/history`, { known_at: state.knownAt, format: "csv" });
      ui.historyCsv.href = history.href;
    }
  }

  // The day: slider and date field, kept in step

  function showRange() {
    const first = firstDay();
    const last = lastDay();
    ui.slider.min = "0";
    ui.slider.max = String(dayNumber(last) - dayNumber(first));
    ui.field.min = first;
    ui.min.textContent = first;
    ui.max.textContent = last;
    showDay("range");
  }

  function showDay(from) {
    const offset = dayNumber(state.on) - dayNumber(firstDay());
    const clamped = Math.max(0, Math.min(+ui.slider.max, offset));
    if (from !== "slider") ui.slider.value = String(clamped);
    ui.slider.setAttribute("aria-valuetext", spoken(state.on));
    if (from !== "field") ui.field.value = state.on;
    ui.worldDay.textContent = spoken(state.on);
    ui.worldDay.dateTime = state.on;
    ui.whyDay.textContent = spoken(state.on);
    ui.whyDay.dateTime = state.on;
  }

  let dayTimer = null;
  function setDay(day, from) {
    if (!isDay(day)) return;
    const changed = day !== state.on;
    const newYear = day.slice(0, 4) !== state.on.slice(0, 4);
    state.on = day;
    showDay(from);
    writeLocation();
    if (!changed && from !== "load") return;
    clearTimeout(dayTimer);
    dayTimer = setTimeout(() => {
      loadWorld();
      if (state.actor) {
        loadExplanation();
        if (state.span === "year" && newYear) loadTimeline();
        else drawTimeline();
      }
    }, from === "slider" ? SLIDER_WAIT : 0);
  }

  ui.slider.addEventListener("input", () => {
    setDay(isoDay(dayNumber(firstDay()) + Number(ui.slider.value)), "slider");
  });
  ui.field.addEventListener("change", () => {
    if (isDay(ui.field.value)) setDay(ui.field.value, "field");
  });

  // The world table

  // How a part is marked: "!" disputed (sources disagree in a way that matters that day),
  // "?" uncertain, and a default (no fact recorded) apart from a value facts give.
  function marks(part) {
    if (part.disputed) return " disputed";
    if (part.certainty === "uncertain") return " uncertain";
    return part.default ? " no-fact" : "";
  }

  function summaryCell(summary) {
    const uncertain = summary.certainty === "uncertain";
    const cell = h(
      "td",
      {
        class: `cell s-${summary.value}${marks(summary)}`,
        "data-summary": summary.value,
        "data-certainty": summary.certainty,
        "data-disputed": String(Boolean(summary.disputed)),
        "data-default": String(Boolean(summary.default)),
      },
      h("span", { class: "value" }, SUMMARY_LABELS[summary.value] || summary.value),
    );
    if (uncertain) {
      const others = summary.alternatives.map((v) => SUMMARY_LABELS[v] || v).join(" or ");
      const [sign, words] = summary.disputed ? ["!", "disputed: sources disagree; maybe"] : ["?", "uncertain: maybe"];
      cell.append(" ", h("span", { class: "marker" }, h("span", { "aria-hidden": "true" }, sign), ` ${words} ${others}`));
    } else if (summary.default) {
      cell.append(" ", h("span", { class: "marker" }, "no fact recorded"));
    }
    return cell;
  }

  function renderWorld(reports) {
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.actor
      : undefined;
    const rows = reports.map((report) =>
      h(
        "tr",
        { class: report.actor === state.actor ? "selected" : null, "data-actor": report.actor },
        h(
          "th",
          { scope: "row" },
          h(
            "button",
            {
              type: "button",
              class: "actor-button",
              "data-actor": report.actor,
              "aria-pressed": report.actor === state.actor ? "true" : "false",
            },
            h("span", { class: "name" }, report.actor_name),
            " ",
            h("span", { class: "code" }, report.actor),
          ),
        ),
        summaryCell(report.summary),
      ),
    );
    if (!rows.length) rows.push(h("tr", null, h("td", { colspan: "2", class: "empty" }, "No fact is recorded yet.")));
    ui.rows.replaceChildren(...rows);
    state.world = reports;
    renderMap(reports);
    renderChips(reports, focused);
    applyFilter();
    if (focused) {
      const again = ui.rows.querySelector(`button[data-actor="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  // The map: every state's shape, coloured by its summary on the day

  const shapes = new Map(
    Array.from(ui.map.querySelectorAll("path[data-actor]"), (path) => [path.dataset.actor, path]),
  );

  function fillOf(summary) {
    // A default no fact can have moved is "no fact recorded"; one a fact may have is not.
    if (summary.default && summary.certainty !== "uncertain") return NO_FACT;
    if (summary.disputed) return `url(#map-disputed-${summary.value})`;
    if (summary.certainty === "uncertain") return `url(#map-uncertain-${summary.value})`;
    return COLOURS[summary.value] || NO_FACT;
  }

  function stanceWords(summary) {
    const value = SUMMARY_LABELS[summary.value] || summary.value;
    if (summary.default) return `${value}, no fact recorded`;
    if (summary.certainty !== "uncertain") return value;
    const others = summary.alternatives.map((v) => SUMMARY_LABELS[v] || v).join(" or ");
    return `${summary.disputed ? "disputed, sources disagree" : "uncertain"}: ${value} or ${others}`;
  }

  function renderMap(reports) {
    const byCode = new Map(reports.map((report) => [report.actor, report]));
    for (const [code, path] of shapes) {
      const report = byCode.get(code);
      path.classList.toggle("is-disputed", Boolean(report && report.summary.disputed));
      path.classList.toggle("is-no-fact", !report || fillOf(report.summary) === NO_FACT);
      if (report) {
        path.setAttribute("fill", fillOf(report.summary));
        path.dataset.summary = report.summary.value;
        path.dataset.certainty = report.summary.certainty;
        path.setAttribute("role", "button");
        path.setAttribute("aria-label", `${report.actor_name}: ${stanceWords(report.summary)}`);
        path.removeAttribute("aria-hidden");
      } else {
        path.setAttribute("fill", NO_FACT);
        delete path.dataset.summary;
        delete path.dataset.certainty;
        for (const name of ["role", "aria-label", "aria-pressed", "tabindex"]) path.removeAttribute(name);
        path.setAttribute("aria-hidden", "true");
      }
    }
    markMap();
  }

  // The states a keyboard reaches: those with facts, in the table's order; one tab stop.
  function reachable() {
    return state.world.filter((report) => shapes.has(report.actor) && shown(report)).map((report) => shapes.get(report.actor));
  }

  function markMap() {
    const stops = reachable();
    const stop = stops.find((path) => path.dataset.actor === state.actor) || stops[0];
    for (const [code, path] of shapes) {
      const selected = code === state.actor;
      path.classList.toggle("selected", selected);
      if (path.getAttribute("role") === "button") {
        path.setAttribute("aria-pressed", selected ? "true" : "false");
        path.setAttribute("tabindex", path === stop ? "0" : "-1");
      }
      // Drawn last, so its outline is not hidden under its neighbours'.
      if (selected) path.parentNode.append(path);
    }
  }

  function reportOf(code) {
    return state.world.find((report) => report.actor === code);
  }

  function showTip(path, x, y) {
    const report = reportOf(path.dataset.actor);
    ui.mapTip.textContent = report
      ? `${report.actor_name}: ${stanceWords(report.summary)}`
      : `${path.dataset.name}: no fact recorded`;
    ui.mapTip.hidden = false;
    const box = ui.mapWrap.getBoundingClientRect();
    const width = ui.mapTip.offsetWidth;
    const left = Math.max(0, Math.min(box.width - width, x - box.left - width / 2));
    const top = y - box.top - ui.mapTip.offsetHeight - 10;
    ui.mapTip.style.left = `${left}px`;
    ui.mapTip.style.top = `${top < 0 ? y - box.top + 16 : top}px`;
  }

  function hideTip() {
    ui.mapTip.hidden = true;
  }

  ui.map.addEventListener("pointermove", (event) => {
    const path = event.target.closest("path[data-actor]");
    if (path) showTip(path, event.clientX, event.clientY);
    else hideTip();
  });
  ui.map.addEventListener("pointerleave", hideTip);
  ui.map.addEventListener("focusin", (event) => {
    const path = event.target.closest("path[data-actor]");
    if (!path) return;
    const box = path.getBoundingClientRect();
    showTip(path, box.left + box.width / 2, box.top);
  });
  ui.map.addEventListener("focusout", hideTip);
  ui.map.addEventListener("click", (event) => {
    const path = event.target.closest("path[data-actor]");
    if (path) selectActor(path.dataset.actor);
  });
  ui.map.addEventListener("keydown", (event) => {
    const path = event.target.closest("path[data-actor]");
    if (!path) return;
    const stops = reachable();
    const at = stops.indexOf(path);
    const moves = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: stops.length - 1 };
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      selectActor(path.dataset.actor);
      path.focus();
    } else if (event.key in moves && stops.length) {
      event.preventDefault();
      const next = stops[(moves[event.key] + stops.length) % stops.length];
      path.setAttribute("tabindex", "-1");
      next.setAttribute("tabindex", "0");
      next.focus();
    }
  });

  // Actors the map cannot show (organisations, states too small at this scale): chips

  function renderChips(reports, focused) {
    const off = reports.filter((report) => !shapes.has(report.actor));
    const chips = off.map((report) =>
      h(
        "li",
        { "data-actor": report.actor },
        h(
          "button",
          {
            type: "button",
            class: "chip",
            "data-actor": report.actor,
            "aria-pressed": report.actor === state.actor ? "true" : "false",
          },
          h("span", { class: `swatch s-${report.summary.value}${marks(report.summary)}`, "aria-hidden": "true" }),
          h("span", { class: "name" }, report.actor_name),
          h("span", { class: "chip-value" }, stanceWords(report.summary)),
        ),
      ),
    );
    if (!chips.length) chips.push(h("li", { class: "empty" }, "None: every actor with a fact is on the map."));
    ui.chips.replaceChildren(...chips);
    if (focused) {
      const again = ui.chips.querySelector(`button[data-actor="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  ui.chips.addEventListener("click", (event) => {
    const button = event.target.closest("button.chip");
    if (button) selectActor(button.dataset.actor);
  });

  // The filter: only the actors with one summary, in the table, on the map and in the chips

  function shown(report) {
    return !state.filter || report.summary.value === state.filter;
  }

  function applyFilter() {
    const byCode = new Map(state.world.map((report) => [report.actor, report]));
    for (const row of ui.rows.querySelectorAll("tr[data-actor]")) row.hidden = !shown(byCode.get(row.dataset.actor));
    for (const item of ui.chips.querySelectorAll("li[data-actor]")) item.hidden = !shown(byCode.get(item.dataset.actor));
    for (const [code, path] of shapes) {
      const report = byCode.get(code);
      path.classList.toggle("filtered-out", Boolean(state.filter) && !(report && shown(report)));
    }
    markMap();
  }

  ui.filter.addEventListener("change", () => {
    state.filter = SUMMARY_LABELS[ui.filter.value] ? ui.filter.value : null;
    writeLocation();
    applyFilter();
    const count = state.world.filter(shown).length;
    announce(state.filter ? `Showing the ${count} actors ${SUMMARY_LABELS[state.filter]}.` : `Showing all ${count} actors.`);
  });

  function showProblem(where, error, colspan) {
    const text = `Could not load: ${error.message}`;
    if (colspan) where.replaceChildren(h("tr", null, h("td", { colspan, class: "problem" }, text)));
    else where.replaceChildren(h("p", { class: "problem" }, text));
  }

  async function loadWorld(quiet) {
    try {
      const reports = await getJSON("world", { on: state.on, known_at: state.knownAt }, latest("world"));
      renderWorld(reports);
      ui.rows.dataset.on = state.on;
      if (!quiet) announce(`The world on ${spoken(state.on)}: ${reports.length} actors.`);
    } catch (error) {
      if (!isAbort(error)) showProblem(ui.rows, error, "2");
    }
  }

  ui.rows.addEventListener("click", (event) => {
    const button = event.target.closest("button.actor-button");
    if (button) selectActor(button.dataset.actor);
  });

  // One actor: the timeline and the explanation

  function adoptCode(code) {
    // The URL may name an actor as a person would ("Russia"); the answers carry its code.
    if (code === state.actor) return;
    state.actor = code;
    writeLocation();
    markSelected();
  }

  function markSelected() {
    for (const row of ui.rows.querySelectorAll("tr[data-actor]")) {
      const chosen = row.dataset.actor === state.actor;
      row.classList.toggle("selected", chosen);
      const button = row.querySelector("button");
      if (button) button.setAttribute("aria-pressed", chosen ? "true" : "false");
    }
    for (const chip of ui.chips.querySelectorAll("button.chip")) {
      chip.setAttribute("aria-pressed", chip.dataset.actor === state.actor ? "true" : "false");
    }
    markMap();
  }

  function selectActor(code) {
    state.actor = code;
    writeLocation();
    markSelected();
    ui.actor.hidden = false;
    loadActor();
  }

  function loadActor(quiet) {
    return Promise.all([loadTimeline(), loadExplanation()]).then(() => {
      if (!quiet && state.timeline) announce(`${state.timeline.actor_name}: timeline and explanation for ${spoken(state.on)}.`);
    });
  }

  async function loadTimeline() {
    const params = { ...timelineRange(), known_at: state.knownAt };
    const path = `actors/${encodeURIComponent(state.actor)}/timeline`;
    const signal = latest("timeline");
    try {
      const [summary, ...parts] = await Promise.all([
        getJSON(path, params, signal),
        ...PARTS.map((part) => getJSON(path, { ...params, part }, signal)),
      ]);
      state.parts = Object.fromEntries(PARTS.map((part, i) => [part, parts[i]]));
      state.timeline = summary;
      adoptCode(state.timeline.actor);
      ui.actorHeading.textContent = `${state.timeline.actor_name} (${state.timeline.actor})`;
      drawTimeline();
      listTimeline();
    } catch (error) {
      if (isAbort(error)) return;
      state.timeline = null;
      state.parts = {};
      ui.parts.replaceChildren();
      ui.actorHeading.textContent = state.actor;
      showProblem(ui.chart, error);
      ui.bands.replaceChildren();
      ui.facts.replaceChildren();
      ui.caption.textContent = "";
    }
  }

  function timelineRange() {
    const to = lastDay() < state.on ? state.on : lastDay();
    if (state.span === "year") return { from: `${state.on.slice(0, 4)}-01-01`, to: `${state.on.slice(0, 4)}-12-31` };
    if (state.span === "takeover" && firstDay() < TAKEOVER) return { from: TAKEOVER, to };
    return { from: firstDay(), to };
  }

  ui.span.addEventListener("change", () => {
    state.span = SPANS.includes(ui.span.value) ? ui.span.value : "all";
    writeLocation();
    if (state.actor) loadTimeline();
  });

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function ticks(first, last, width) {
    // Year ticks, or month ticks over a short range, as many as fit about 56 px apart.
    const room = Math.max(1, Math.floor(width / 56));
    const firstYear = +first.slice(0, 4);
    const lastYear = +last.slice(0, 4);
    const months = (lastYear - firstYear) * 12 + (+last.slice(5, 7) - +first.slice(5, 7)) + 1;
    if (months <= 36) {
      const step = [1, 2, 3, 6, 12].find((n) => months / n <= room) || 12;
      const found = [];
      for (let m = 0; m <= months; m += 1) {
        const index = firstYear * 12 + (+first.slice(5, 7) - 1) + m;
        const day = `${String(Math.floor(index / 12)).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}-01`;
        if (index % step === 0 && day >= first && day <= last) {
          found.push({ day, label: index % 12 === 0 ? day.slice(0, 4) : MONTHS[index % 12] });
        }
      }
      return found;
    }
    const startYear = firstYear + (first.slice(5) === "01-01" ? 0 : 1);
    const span = Math.max(1, lastYear - startYear + 1);
    const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((n) => span / n <= room) || 1000;
    const found = [];
    for (let year = Math.ceil(startYear / step) * step; year <= lastYear; year += step) {
      found.push({ day: `${String(year).padStart(4, "0")}-01-01`, label: String(year) });
    }
    return found;
  }

  function drawTimeline() {
    const timeline = state.timeline;
    if (!timeline) return;
    const width = Math.max(240, Math.floor(ui.chart.clientWidth || 600));
    const height = 92;
    const left = 1;
    const right = width - 1;
    const first = dayNumber(timeline.from);
    const end = dayNumber(timeline.to) + 1;
    const x = (day) => left + ((Math.min(Math.max(day, first), end) - first) / Math.max(1, end - first)) * (right - left);
    const bandTop = 6;
    const bandHeight = 30;
    const factY = 50;
    const axisY = 66;

    const svg = s("svg", {
      class: "timeline-svg",
      width: String(width),
      height: String(height),
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-labelledby": "timeline-caption",
    });
    svg.append(
      s(
        "defs",
        null,
        s(
          "pattern",
          { id: "hatch", width: "7", height: "7", patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
          s("rect", { width: "3", height: "7", class: "hatch-stripe" }),
        ),
      ),
    );
    for (const band of timeline.bands) {
      const x1 = x(dayNumber(band.start));
      const x2 = x(dayNumber(band.end) + 1);
      const uncertain = band.certainty === "uncertain";
      const title = s("title");
      title.textContent = bandText(band);
      const group = s(
        "g",
        { class: `band${marks(band)}`, "data-value": band.value, "data-certainty": band.certainty, "data-disputed": String(Boolean(band.disputed)) },
        title,
      );
      group.append(s("rect", { x: String(x1), y: String(bandTop), width: String(Math.max(1, x2 - x1)), height: String(bandHeight), class: `s-${band.value}` }));
      if (uncertain) {
        group.append(s("rect", { x: String(x1), y: String(bandTop), width: String(Math.max(1, x2 - x1)), height: String(bandHeight), fill: "url(#hatch)" }));
      }
      svg.append(group);
    }
    for (const fact of timeline.facts) {
      const title = s("title");
      title.textContent = `${fact.date}: ${fact.summary}`;
      const a = x(dayNumber(fact.earliest));
      const b = x(dayNumber(fact.latest) + 1);
      const mark = s("g", { class: `fact-mark${fact.component ? "" : " statement"}`, "data-fact": fact.fact_id }, title);
      if (b - a > 4) mark.append(s("line", { x1: String(a), x2: String(b), y1: String(factY), y2: String(factY) }));
      mark.append(s("circle", { cx: String(b - a > 4 ? b : (a + b) / 2), cy: String(factY), r: "4" }));
      svg.append(mark);
    }
    svg.append(s("line", { class: "axis", x1: String(left), x2: String(right), y1: String(axisY), y2: String(axisY) }));
    for (const tick of ticks(timeline.from, timeline.to, width)) {
      const at = x(dayNumber(tick.day));
      // Labels at the very ends are anchored inward, so they are not cut off.
      const anchor = at < 16 ? "start" : at > width - 16 ? "end" : "middle";
      const label = s("text", { x: String(at), y: String(axisY + 16), class: "tick-label", "text-anchor": anchor });
      label.textContent = tick.label;
      svg.append(s("line", { class: "tick", x1: String(at), x2: String(at), y1: String(axisY), y2: String(axisY + 4) }), label);
    }
    const cursor = x(dayNumber(state.on) + 0.5);
    svg.append(s("line", { class: "cursor", x1: String(cursor), x2: String(cursor), y1: "1", y2: String(axisY) }));
    // A pointer can pick a day on the timeline too; the keyboard has the slider and date field.
    svg.addEventListener("click", (event) => {
      const box = svg.getBoundingClientRect();
      const share = (event.clientX - box.left - left) / (right - left);
      const day = Math.floor(first + share * (end - first));
      setDay(isoDay(Math.max(first, Math.min(end - 1, day))), "timeline");
    });
    ui.chart.replaceChildren(svg);
    drawParts(width, x, cursor);
    ui.caption.textContent = `${timeline.actor_name}'s stance from ${timeline.from} to ${timeline.to}${
      timeline.known_at ? `, as known at ${timeline.known_at}` : ""
    }: ${timeline.bands.length} periods and ${timeline.facts.length} facts; the line marks ${state.on}. Striped periods are uncertain, outlined ones disputed (sources disagree), pale ones have no fact recorded. Under it, each part of the stance over the same days.`;
  }

  // Each component's bands under the summary's, over the same days, with the same cursor.
  function drawParts(width, x, cursor) {
    const rows = PARTS.filter((part) => state.parts[part]).map((part) => {
      const colours = PART_COLOURS[part];
      const svg = s("svg", {
        class: "part-svg",
        width: String(width),
        height: "14",
        viewBox: `0 0 ${width} 14`,
        "aria-hidden": "true",
      });
      for (const band of state.parts[part].bands) {
        const x1 = x(dayNumber(band.start));
        const x2 = x(dayNumber(band.end) + 1);
        const title = s("title");
        title.textContent = bandText(band, part);
        const group = s(
          "g",
          { class: `band${marks(band)}`, "data-value": band.value, "data-certainty": band.certainty, "data-disputed": String(Boolean(band.disputed)) },
          title,
        );
        const box = { x: String(x1), y: "1", width: String(Math.max(1, x2 - x1)), height: "12" };
        group.append(s("rect", { ...box, fill: colours[band.value] || "#999999" }));
        if (band.certainty === "uncertain") group.append(s("rect", { ...box, fill: "url(#hatch)" }));
        svg.append(group);
      }
      svg.append(s("line", { class: "cursor", x1: String(cursor), x2: String(cursor), y1: "0", y2: "14" }));
      return h("div", { class: "part-row", "data-part": part }, h("p", { class: "part-label" }, COMPONENT_LABELS[part]), svg);
    });
    ui.parts.replaceChildren(...rows);
  }

  function bandText(band, part) {
    const word = (v) => (part ? v.replace(/_/g, " ") : SUMMARY_LABELS[v] || v);
    const value = word(band.value);
    const range = band.start === band.end ? band.start : `${band.start} to ${band.end}`;
    if (band.certainty !== "uncertain") return `${range}: ${value}${band.default ? " (no fact recorded)" : ""}`;
    const possible = band.possible.map(word).join(" or ");
    return `${range}: ${band.disputed ? "disputed (sources disagree)" : "uncertain"}, ${possible}`;
  }

  function listTimeline() {
    const timeline = state.timeline;
    const parts = PARTS.filter((part) => state.parts[part]).map((part) =>
      h(
        "li",
        { "data-part": part },
        COMPONENT_LABELS[part],
        h("ol", null, state.parts[part].bands.map((band) => h("li", null, bandText(band, part)))),
      ),
    );
    ui.bands.replaceChildren(
      h("li", null, "Summary", h("ol", null, timeline.bands.map((band) => h("li", null, bandText(band))))),
      ...parts,
    );
    const facts = timeline.facts.map((fact) =>
      h(
        "li",
        { "data-fact": fact.fact_id },
        h(
          "button",
          { type: "button", class: "day-link", "data-day": fact.latest, "aria-label": `${fact.date}: show the day ${fact.latest}` },
          fact.date,
        ),
        " ",
        h("span", { class: "summary" }, fact.summary),
        " ",
        h("span", { class: "kind" }, `(${fact.kind.replace(/_/g, " ")})`),
      ),
    );
    if (!facts.length) facts.push(h("li", { class: "empty" }, "No fact in this range."));
    ui.facts.replaceChildren(...facts);
  }

  ui.facts.addEventListener("click", (event) => {
    const button = event.target.closest("button.day-link");
    if (button) setDay(button.dataset.day, "fact");
  });

  async function loadExplanation() {
    try {
      const why = await getJSON(
        `actors/${encodeURIComponent(state.actor)}/explain`,
        { on: state.on, known_at: state.knownAt },
        latest("explain"),
      );
      adoptCode(why.actor);
      if (!state.timeline) ui.actorHeading.textContent = `${why.actor_name} (${why.actor})`;
      renderExplanation(why);
    } catch (error) {
      if (!isAbort(error)) showProblem(ui.explanation, error);
    }
  }

  function sourceOf(source) {
    if (!source) return null;
    let title = source.title || "untitled source";
    let link = null;
    if (source.url) {
      try {
        const url = new URL(source.url);
        if (url.protocol === "https:" || url.protocol === "http:") link = h("a", { href: url.href, rel: "noopener noreferrer" }, title);
      } catch (_) {
        // not a URL a browser can follow: show the title alone
      }
    }
    const by = [source.publisher, source.published].filter(Boolean).join(", ");
    return h(
      "div",
      { class: "source" },
      h("p", null, "Source: ", link || h("cite", null, title), by ? ` (${by})` : ""),
      source.quote ? h("blockquote", null, `“${source.quote}”`) : null,
    );
  }

  function factItem(fact, extra) {
    return h(
      "li",
      { class: "fact", "data-fact": fact.id },
      h(
        "p",
        null,
        h("time", { datetime: fact.latest }, fact.date),
        " ",
        fact.summary,
        " ",
        h("span", { class: "kind" }, `(${fact.kind.replace(/_/g, " ")}${fact.doubtful ? ", doubtful" : ""})`),
        extra || null,
      ),
      sourceOf(fact.source),
    );
  }

  function valueText(part) {
    if (part.certainty !== "uncertain") return part.value.replace(/_/g, " ") + (part.default ? " (no fact recorded)" : "");
    const possible = [part.value, ...part.alternatives].map((v) => v.replace(/_/g, " ")).join(" or ");
    return `${part.disputed ? "disputed (sources disagree)" : "uncertain"}: ${possible}`;
  }

  function renderExplanation(why) {
    const parts = [];
    parts.push(
      h(
        "p",
        { class: "why-summary" },
        "Summary: ",
        h("strong", { class: `pill s-${why.summary.value}${why.summary.certainty === "uncertain" ? " uncertain" : ""}` }, valueText(why.summary)),
        `. Rule: ${why.summary.rule}.`,
      ),
    );
    const defaults = [];
    for (const [name, part] of Object.entries(why.components)) {
      const facts = part.set_by.length + part.uncertain_because.length + part.set_aside.length;
      const label = COMPONENT_LABELS[name] || name;
      if (!facts) {
        defaults.push(`${label} (${valueText(part)})`);
        continue;
      }
      const article = h(
        "article",
        { class: `component${part.certainty === "uncertain" ? " uncertain-part" : ""}`, "data-component": name },
        h("h4", null, `${label}: `, h("span", { class: "part-value" }, valueText(part)), part.since ? ` (since ${part.since})` : ""),
      );
      if (part.set_by.length) {
        article.append(h("p", { class: "list-label" }, "Set by"), h("ul", { class: "facts" }, part.set_by.map((f) => factItem(f))));
      }
      if (part.uncertain_because.length) {
        article.append(
          h("p", { class: "list-label" }, `May or may not have happened by ${state.on}`),
          h("ul", { class: "facts" }, part.uncertain_because.map((f) => factItem(f))),
        );
      }
      if (part.claims && part.claims.length) {
        article.append(
          h("p", { class: "list-label" }, "Sources disagree: each account alone would give"),
          h(
            "ul",
            { class: "facts" },
            part.claims.map((f) => factItem(f, ` — alone: ${f.possible.map((v) => v.replace(/_/g, " ")).join(" or ")}`)),
          ),
        );
      }
      if (part.deprecated && part.deprecated.length) {
        article.append(
          h("p", { class: "list-label" }, "Deprecated claims (kept, not counted)"),
          h("ul", { class: "facts" }, part.deprecated.map((f) => factItem(f, ` — ${f.rank_reason}`))),
        );
      }
      if (part.set_aside.length) {
        article.append(
          h("p", { class: "list-label" }, "Set aside"),
          h(
            "ul",
            { class: "facts" },
            part.set_aside.map((f) => factItem(f, ` — ${f.change} by ${f.changed_by}${f.reason ? `: ${f.reason}` : ""}`)),
          ),
        );
      }
      parts.push(article);
    }
    if (defaults.length) parts.push(h("p", { class: "defaults" }, `No fact yet: ${defaults.join("; ")}.`));
    ui.explanation.replaceChildren(...parts);
  }

  // Following the record: a fact recorded elsewhere appears without a reload

  function note(event) {
    state.position = Math.max(state.position, event.position || 0);
    const start = event.effectivestart !== OPEN_START ? event.effectivestart : event.effectiveend;
    if (isDay(start) && (!state.earliest || start < state.earliest)) state.earliest = start;
  }

  async function readStatus() {
    // Where the record starts, and the position to follow the stream from.
    const status = await getJSON("status");
    state.position = Math.max(state.position, status.position);
    if (isDay(status.first_day) && (!state.earliest || status.first_day < state.earliest)) {
      state.earliest = status.first_day;
    }
  }

  let liveTimer = null;
  let fresh = [];
  function onEvent(message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (_) {
      return;
    }
    note(event);
    fresh.push(event);
    clearTimeout(liveTimer);
    liveTimer = setTimeout(refresh, LIVE_WAIT);
  }

  async function refresh() {
    const events = fresh;
    fresh = [];
    showRange();
    await Promise.all([loadWorld(true), state.actor ? loadActor(true) : null]);
    const last = events[events.length - 1];
    if (!last) return;
    const what = events.length === 1 ? `${last.subject}: ${last.data.summary}` : `${events.length} new events`;
    announce(`Updated from the live record (${what}).`);
  }

  function follow() {
    const stream = new EventSource(apiUrl("events/stream", { after: state.position }));
    state.stream = stream;
    for (const type of EVENT_TYPES) stream.addEventListener(type, onEvent);
    stream.addEventListener("open", () => {
      ui.connection.textContent = "Following the live record.";
      document.body.dataset.live = "open";
    });
    stream.addEventListener("error", () => {
      document.body.dataset.live = "reconnecting";
      ui.connection.textContent = "Lost the live record; reconnecting…";
      if (stream.readyState === EventSource.CLOSED) {
        // The browser gave up (the server answered an error): start again from what was read.
        setTimeout(() => {
          if (state.stream === stream) follow();
        }, RETRY_WAIT);
      }
    });
  }

  addEventListener("pagehide", () => {
    if (state.stream) state.stream.close();
  });
  addEventListener("pageshow", (event) => {
    // Back from the browser's page cache: the stream was closed on the way out.
    if (event.persisted && state.stream) {
      follow();
      refresh();
    }
  });

  let resizeTimer = null;
  addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawTimeline, 150);
  });

  // Start

  async function start() {
    readLocation();
    if (state.knownAt) {
      ui.knownAt.hidden = false;
      ui.knownAt.textContent = `Answers as the record stood at ${state.knownAt} (known_at); new facts still refresh the view.`;
    }
    showRange();
    setDay(state.on, "load"); // the world table loads while the log is read
    try {
      await readStatus();
    } catch (error) {
      ui.connection.textContent = `Could not read the record: ${error.message}`;
    }
    showRange();
    if (state.actor) selectActor(state.actor);
    follow();
  }

  start();
})();
