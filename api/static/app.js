// The planner's workbench over the /v1 API: rank, optimise (with the explanation the CLI prints),
// map, compare, saved scenarios, downloads.  No framework, no external requests: Leaflet and the
// basemap are shipped with the package.
"use strict";
const $ = (id) => document.getElementById(id);
const TIMEOUT_MS = 90000;
const KEY_STORE = "siting.apiKey";
const ROLE_COLOUR = {western: "#1b7837", national_cluster: "#2166ac", eastern_baseline: "#b2182b"};
// catalog roles and solver statuses as a planner reads them (the API and the downloads keep the codes)
const ROLE_WORDS = {western: "western candidate", national_cluster: "other national cluster",
  eastern_baseline: "eastern baseline"};
const STATUS_WORDS = {optimal: "solved", time_limit: "stopped at the time limit", infeasible: "no plan",
  unbounded: "no plan (unbounded)", not_solved: "not solved", error: "solver error"};
const role = (r) => ROLE_WORDS[r] || String(r).replace(/_/g, " ");
const statusWords = (s) => STATUS_WORDS[s] || String(s).replace(/_/g, " ");
const CHART_FONT_PX = 12;   // no chart text below 12 px, on a phone too
const COMPONENTS = [["energy", ["energy"], "#1f77b4"], ["capital", ["capex"], "#ff7f0e"],
  ["land, labour, water, fixed", ["land", "labour", "water", "fixed"], "#2ca02c"], ["bandwidth", ["bandwidth"], "#9467bd"],
  ["carbon", ["carbon"], "#8c564b"], ["renewables bought", ["green"], "#17becf"]];
const FIELDS = ["key", "it_load_mw", "share", "max_rtt_ms", "service_level_pct", "min_site_it_load_mw",
  "carbon_price_yuan_per_t", "min_green_share_fraction",
  "max_pga_g", "min_flood_return_period_years", "robust", "json", "scenario_name",
  "frontier_points", "stage_from", "stage_to", "stage_ramp", "stage_price"];
let jsonEdited = false;
let lastBody = null;      // the request body of the last successful optimisation (for downloads)
let map = null, overlay = null, sitesById = {}, centresById = {};

// a number that rounds to zero is shown as 0 (never "-0.00")
const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(Number(v))) ? "-" :
  (Math.abs(Number(v)) < 0.5 * 10 ** -d ? 0 : Number(v)).toLocaleString("en-US",
    {minimumFractionDigits: d, maximumFractionDigits: d});
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

// -- the key: entered once, kept in this browser, sent only in a header ----------------------
function loadKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {  // a link may carry it in the fragment (never sent to a server); store it, drop it
    localStorage.setItem(KEY_STORE, fragment.get("key"));
    history.replaceState(null, "", location.pathname);
  }
  $("key").value = localStorage.getItem(KEY_STORE) || "";
}
$("key").addEventListener("change", () => localStorage.setItem(KEY_STORE, $("key").value.trim()));
$("forget-key").addEventListener("click", () => { localStorage.removeItem(KEY_STORE); $("key").value = ""; });

// -- the request -------------------------------------------------------------------------------
function formRequest(over = {}) {
  const share = Number($("share").value);
  const rtt = over.max_rtt_ms ?? Number($("max_rtt_ms").value);
  const classes = [];
  // the hazard limits hold for every class of the load (empty field = no limit, left out of the request)
  const hazard = {};
  for (const id of ["max_pga_g", "min_flood_return_period_years"]) {
    if ($(id).value.trim() !== "") hazard[id] = Number($(id).value);
  }
  const level = Number($("service_level_pct").value) / 100;
  if (share > 0) classes.push({name: "interactive", share_fraction: share, max_rtt_ms: rtt,
                               ...(level < 1 ? {service_level_fraction: level} : {}),
                               egress_gbps_per_mw: 1.0, demand_regions: ["east"], ...hazard});
  if (share < 1) classes.push({name: "batch", share_fraction: Math.round((1 - share) * 1e9) / 1e9,
                               egress_gbps_per_mw: 0.2, demand_regions: ["east"], ...hazard});
  const campus = $("min_site_it_load_mw").value.trim();
  return {name: "web-request", it_load_mw: Number($("it_load_mw").value), classes,
          ...(campus !== "" ? {min_site_it_load_mw: Number(campus)} : {}),
          carbon_price_yuan_per_t: Number($("carbon_price_yuan_per_t").value), cooling: $("cooling").value,
          avoid_water_scarce_sites: $("avoid_water_scarce_sites").checked,
          min_green_share_fraction: Number($("min_green_share_fraction").value),
          green_options: [...document.querySelectorAll("[data-green]:checked")].map((b) => b.dataset.green)};
}
function syncJson() { if (!jsonEdited) $("json").value = JSON.stringify(formRequest(), null, 1); }
for (const id of ["it_load_mw", "share", "max_rtt_ms", "service_level_pct", "min_site_it_load_mw",
                  "carbon_price_yuan_per_t", "cooling",
                  "avoid_water_scarce_sites", "min_green_share_fraction", "max_pga_g",
                  "min_flood_return_period_years"]) $(id).addEventListener("input", syncJson);

// the green options of the catalog, one checkbox each, with price basis, source and where offered
async function loadGreenOptions() {
  const options = await (await fetch("/v1/options")).json();
  $("green-list").innerHTML = options.green_options.map((o) => {
    const price = o.price_basis === "lcoe" ? "levelised cost at each site" :
      `${fmt(o.price_yuan_per_mwh, 1)} yuan/MWh ${o.price_basis === "premium" ? "over grid energy" : "delivered"}`;
    return `<div><label><input type="checkbox" data-green="${esc(o.option_id)}"> ${esc(o.title)}</label> ` +
      `<small>${esc(o.option_id)}: ${price}, up to ${fmt(100 * o.max_share_of_grid_energy)} % of a site's ` +
      `non-renewable energy; offered at ${esc(o.sites.join(", ") || "no site")} (${esc(o.source)}, ${esc(o.status)})</small></div>`;
  }).join("");
  for (const b of document.querySelectorAll("[data-green]")) b.addEventListener("change", syncJson);
}
$("json").addEventListener("input", () => { jsonEdited = true; });
$("reset-json").addEventListener("click", () => { jsonEdited = false; syncJson(); });

function currentRequest() {
  try { return JSON.parse($("json").value); }
  catch (e) { throw fieldError("json", `request JSON: ${e.message}`); }
}

// -- errors beside the field -------------------------------------------------------------------
function fieldError(field, message) { const e = new Error(message); e.field = field; return e; }
function clearErrors() {
  for (const f of FIELDS) { $("err-" + f).textContent = ""; $(f).removeAttribute("aria-invalid"); }
  $("status").textContent = "";
}
function fieldOf(apiField) {
  if (!apiField) return null;
  const f = String(apiField);
  if (/api.?key/i.test(f)) return "key";
  if (f.startsWith("robust")) return "robust";
  if (jsonEdited && f.startsWith("request")) return "json";
  // the request's fields are named from the body (request.classes[0].max_rtt_ms): match the form on the rest
  const g = f.replace(/^request\./, "");
  if (g.endsWith("service_level_fraction")) return "service_level_pct";
  for (const id of ["min_site_it_load_mw", "it_load_mw", "max_rtt_ms", "carbon_price_yuan_per_t",
                    "min_green_share_fraction", "max_pga_g",
                    "min_flood_return_period_years"]) if (g.endsWith(id)) return id;
  if (g.startsWith("green_options")) return "min_green_share_fraction";
  if (g.endsWith("share_fraction")) return "share";
  if (f === "name") return "scenario_name";
  if (f === "points") return "frontier_points";
  if (f === "price_yuan_per_kw_month") return "stage_price";
  return f.startsWith("request") ? "json" : null;
}
function showError(err) {
  const field = err.field || null;
  const msg = err.message || String(err);
  if (field && $("err-" + field)) {
    $("err-" + field).textContent = msg;
    $(field).setAttribute("aria-invalid", "true");
  }
  $("status").innerHTML = `<span class="error">${esc(msg)}</span>`;
}

// -- calling the API: every failure is shown, nothing stale stays on screen --------------------
async function api(path, {method = "GET", body = null, raw = false} = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  let r;
  try {
    r = await fetch(path, {method, signal: ctrl.signal, headers: {"Content-Type": "application/json",
      "X-API-Key": $("key").value.trim()}, body: body === null ? null : JSON.stringify(body)});
  } catch (e) {
    throw new Error(e.name === "AbortError" ? `no answer within ${TIMEOUT_MS / 1000} s (timeout); try a smaller request`
                                            : `network error: the server could not be reached (${e.message})`);
  } finally { clearTimeout(timer); }
  if (!r.ok) {
    let e = {};
    try { e = (await r.json()).error || {}; } catch (_) { /* not JSON */ }
    // the API's message in words; the HTTP status only where it tells the planner something (the key)
    const err = new Error(r.status === 401 ? `The API key was not accepted (401): ${e.message || "unknown key"}` :
      r.status === 429 ? `Too many requests just now: ${e.message || "try again in a minute"}` :
      r.status >= 500 ? `The server failed (${r.status}): ${e.message || "try again"}` :
      (e.message || `the request was refused (${r.status})`));
    err.field = r.status === 401 ? "key" : fieldOf(e.field);
    throw err;
  }
  return raw ? r : r.json();
}

async function run(button, target, work) {
  clearErrors();
  target.innerHTML = "";                      // never leave a stale result on screen
  const buttons = document.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  $("status").textContent = "working...";
  const t0 = performance.now();
  try {
    await work();
    $("status").textContent = `done in ${fmt(performance.now() - t0)} ms`;
  } catch (e) {
    target.innerHTML = "";
    showError(e);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// A table that fits any screen: on a wide one a table whose text cells wrap; on a narrow one (CSS, app.css)
// each row becomes a card whose cells carry their column's name (data-label), so nothing hides sideways.
function table(headers, rows, rowClass) {
  const plain = headers.map((h) => String(h).replace(/<[^>]*>/g, ""));
  const head = "<tr>" + headers.map((h) => `<th scope="col">${h}</th>`).join("") + "</tr>";
  const body = rows.map((r, i) => `<tr class="${rowClass ? rowClass(i) : ""}">` +
    r.map((c, k) => `<td data-label="${esc(plain[k] || "")}">${c}</td>`).join("") + "</tr>").join("");
  return `<div class="fit"><table class="cards"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

// -- rank ----------------------------------------------------------------------------------------
$("score").addEventListener("click", () => run($("score"), $("result"), async () => {
  const request = currentRequest();
  const body = await api("/v1/score", {method: "POST", body: {request}});
  const cls = (body.request.classes[0] || {}).name;
  const rows = body.sites.map((s) => [String(s.rank), `${esc(s.site)} <span lang="zh">${esc(s.name_zh)}</span>`, esc(role(s.role)),
    s.feasible_alone ? "yes" : "no", fmt(s.levelised_cost_yuan_per_kw_month, 1), fmt(s.score),
    fmt(s.price_yuan_per_kwh, 3), fmt(s.pue, 3), fmt(s[`rtt_mean_ms[${cls}]`], 1),
    fmt(100 * (s[`within_sla_share[${cls}]`] ?? NaN)) + " %", esc((s.flags || []).join("; "))]);
  $("result").innerHTML = `<h2 id="ranking">Ranking: each site hosting the whole request</h2>` +
    table(["#", "site", "role", "can host alone", "yuan/kW/month", "score", "yuan/kWh", "PUE", `RTT ${esc(cls)} [ms]`,
           "demand within SLA", "why not alone"], rows, (i) => body.sites[i].feasible_alone ? "" : "flagged") +
    `<p class="note">Sites that can host the whole request alone come first, each group by cost; sites that cannot ` +
    `(greyed, with the reason) follow. Score = 100 × the cheapest site's cost / this site's.</p>`;
  drawMap(null);
}));

// -- optimise ------------------------------------------------------------------------------------
// -- charts: Apache ECharts (api/static/vendor/echarts.md), canvas renderer, fonts >= 12 px, axes named with units
const charts = {};
function chart(id, option, label, heightPx) {
  // the container is created by the caller; the chart fills its width and follows resizes (height set through
  // the CSSOM: the CSP allows no style attribute in markup)
  const el = $(id);
  el.style.height = `${heightPx}px`;
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", label);
  if (charts[id]) charts[id].dispose();
  const c = echarts.init(el, null, {renderer: "canvas"});
  c.setOption({aria: {enabled: true}, textStyle: {fontSize: CHART_FONT_PX}, animation: false, ...option});
  charts[id] = c;
  return c;
}
window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.isDisposed() || c.resize()));
const narrow = () => window.innerWidth < 600;
const axisName = (name, gap) => ({name, nameLocation: "middle", nameGap: gap,
  nameTextStyle: {fontSize: CHART_FONT_PX, color: "#1f2328"}, axisLabel: {fontSize: CHART_FONT_PX, color: "#1f2328"}});

// cost by component of each chosen site: stacked horizontal bars, million yuan a year
function costOption(res) {
  const rows = res.cost_breakdown.filter((r) => res.chosen_sites.includes(r.site));
  return {
    grid: {left: 8, right: 16, top: narrow() ? 70 : 40, bottom: 44, containLabel: true},
    legend: {top: 0, textStyle: {fontSize: CHART_FONT_PX}, itemGap: 8},
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, textStyle: {fontSize: CHART_FONT_PX},
              valueFormatter: (v) => `${fmt(v, 2)} M yuan/yr`},
    xAxis: {type: "value", ...axisName("annual cost [million yuan/yr]", 28)},
    yAxis: {type: "category", inverse: true, data: rows.map((r) => r.site), axisLabel: {fontSize: CHART_FONT_PX}},
    series: COMPONENTS.map(([name, cols, colour]) => ({name, type: "bar", stack: "cost", itemStyle: {color: colour},
      data: rows.map((r) => cols.reduce((a, c) => a + Math.max(0, r[c] || 0), 0) / 1e6)})),
  };
}
function costChart(res) {
  return `<div class="echart" id="cost-chart"></div>` +
    `<p class="note">Bars: gross cost by component; subsidies are netted in the table's total.</p>`;
}
function energyTable(res) {
  const rows = res.energy_by_period || [];
  if (!rows.length) return "";
  const periods = [...new Set(rows.map((r) => r.period))];
  const keys = [...new Set(rows.map((r) => `${r.site}|${r.season}`))];
  const cell = {};
  for (const r of rows) cell[`${r.site}|${r.season}|${r.period}`] = (cell[`${r.site}|${r.season}|${r.period}`] || 0) + r.energy_cost_yuan;
  const body = keys.map((k) => { const [s, season] = k.split("|");
    return [esc(s), esc(season), ...periods.map((p) => fmt((cell[`${k}|${p}`] || 0) / 1e6, 2))]; });
  return `<h3 id="energy-title">Energy cost by season and time-of-use period [million yuan/yr]</h3>` +
    table(["site", "season", ...periods.map((p) => esc(p.replace("_", " ")))], body);
}
function greenTable(res) {
  const rows = (res.green_purchases || []).map((g) => [esc(g.site), esc(g.option), esc(g.price_basis), fmt(g.mwh_per_year),
    fmt(g.price_yuan_per_mwh, 1), fmt(g.cost_yuan_per_year / 1e6, 2), fmt(g.grid_energy_avoided_yuan_per_year / 1e6, 2),
    fmt(g.net_cost_yuan_per_year / 1e6, 2)]);
  if (!rows.length) return "";
  return `<h3 id="green-title">Renewable energy bought or made</h3>` +
    table(["site", "option", "price basis", "MWh/yr", "yuan/MWh", "paid [M yuan/yr]", "grid energy avoided [M yuan/yr]",
           "net [M yuan/yr]"], rows) +
    `<p class="note">Net = paid - grid energy avoided - the carbon price on the emissions it takes off.</p>`;
}
// the story's first section is the answer in one sentence: shown as the page's headline, the rest below
function headline(sections) {
  const h = sections.find((s) => s.key === "headline");
  return `<p class="headline" id="recommendation"><b>${esc(h ? h.sentences.join(" ") : "")}</b></p>`;
}
function story(sections) {
  return `<div class="story" id="explanation">` + sections.filter((s) => s.key !== "headline").map((s) => `<h3>${esc(s.title)}</h3><ul>` +
    s.sentences.map((t) => `<li>${esc(t)}</li>`).join("") + "</ul>").join("") + "</div>";
}
$("optimize").addEventListener("click", () => run($("optimize"), $("result"), async () => {
  const request = currentRequest();
  const samples = Number($("robust").value);
  if (!(samples >= 0 && samples <= 200)) throw fieldError("robust", `robust samples = ${$("robust").value} is out of range: must be 0 to 200 here, as in the CLI (more: a job, POST /v1/requests)`);
  const body = {request, explain: true, ...(samples > 0 ? {robust: {samples}} : {})};
  const out = await api("/v1/optimize", {method: "POST", body});
  const res = out.result;
  if (res.objective_yuan_per_year === null || res.objective_yuan_per_year === undefined) {
    lastBody = null;
    $("result").innerHTML = headline(res.explanation || []) + story(res.explanation || []);
    drawMap(null);
    return;
  }
  lastBody = {request, explain: true};
  const siteRows = res.sites.filter((s) => s.open).map((s) => [esc(s.site), fmt(s.it_mw, 1), fmt(s.pue, 3),
    fmt(s.price_yuan_per_kwh, 3), fmt(s.annual_cost_yuan / 1e6, 2), fmt(s.levelised_cost_yuan_per_kw_month, 1)]);
  $("result").innerHTML = headline(res.explanation || []) +
    `<p><b>${res.chosen_sites.map(esc).join(", ")}</b>: ${fmt(res.objective_yuan_per_year / 1e6, 2)} million yuan/yr = ` +
    `${fmt(res.levelised_cost_yuan_per_kw_month, 1)} yuan/kW/month</p>` +
    `<h3>Cost by component</h3>` + costChart(res) +
    table(["site", "MW", "PUE", "yuan/kWh", "M yuan/yr", "yuan/kW/month"], siteRows, () => "chosen") +
    story(res.explanation || []) + energyTable(res) + greenTable(res) +
    `<h3>Downloads</h3><div class="downloads">` +
    ["csv", "xlsx", "geojson", "html"].map((f) => `<button type="button" class="secondary" data-export="${f}">` +
      `${f === "html" ? "Report (HTML)" : f.toUpperCase()}</button>`).join("") + `</div>`;
  for (const b of document.querySelectorAll("[data-export]")) b.addEventListener("click", () => download(b.dataset.export));
  chart("cost-chart", costOption(res), "Annual cost by component of each chosen site, million yuan per year",
        (narrow() ? 150 : 120) + 44 * res.chosen_sites.length);
  drawMap(res);
  $("result").focus();
}));

async function download(fmtName) {
  if (!lastBody) return;
  $("status").textContent = `preparing ${fmtName}...`;
  try {
    const r = await api(`/v1/exports/${fmtName}`, {method: "POST", body: lastBody, raw: true});
    const blob = await r.blob();
    const name = (/filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "") || [])[1] || `siting.${fmtName}`;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    $("status").textContent = `downloaded ${name}`;
  } catch (e) { showError(e); }
}

// -- map -----------------------------------------------------------------------------------------
async function initMap() {
  map = L.map("map", {attributionControl: true, zoomSnap: 0.25, keyboard: true}).fitBounds([[18, 88], [48, 126]]);
  map.attributionControl.setPrefix(false).addAttribution("Natural Earth (public domain); Leaflet");
  const basemap = await (await fetch("/basemap.geojson")).json();
  L.geoJSON(basemap, {interactive: false, style: {color: "#8c959f", weight: 0.8, fillColor: "#f6f3ea", fillOpacity: 1}}).addTo(map);
  const centres = await (await fetch("/v1/centres")).json();
  for (const f of centres.features) centresById[f.id] = f;
  overlay = L.layerGroup().addTo(map);
  drawMap(null);
}
function drawMap(res) {
  if (!map || !overlay) return;
  overlay.clearLayers();
  const ll = (f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]];
  if (res && res.allocation) {
    const flows = {};
    for (const a of res.allocation) { const k = a.site + "|" + a.centre; flows[k] = (flows[k] || 0) + a.mw; }
    const top = Math.max(...Object.values(flows), 1e-9);
    for (const [k, mw] of Object.entries(flows)) {
      const [s, c] = k.split("|");
      if (!sitesById[s] || !centresById[c]) continue;
      L.polyline([ll(sitesById[s]), ll(centresById[c])], {color: "#1b7837", opacity: 0.45, weight: 1 + 4 * mw / top})
        .bindTooltip(`${s} → ${c}: ${fmt(mw, 2)} MW`).addTo(overlay);
    }
  }
  for (const f of Object.values(centresById)) {
    L.circleMarker(ll(f), {radius: 2 + Math.sqrt(f.properties.population_million), color: "#6e7781", weight: 1, fillOpacity: 0.35})
      .bindTooltip(`${f.properties.name_en} ${f.properties.name_zh}: ${fmt(f.properties.population_million, 1)} M people`).addTo(overlay);
  }
  const chosen = new Set(res ? res.chosen_sites : []);
  for (const f of Object.values(sitesById)) {
    const p = f.properties;
    L.circleMarker(ll(f), {radius: chosen.has(f.id) ? 9 : 6, color: chosen.has(f.id) ? "#000" : ROLE_COLOUR[p.role],
      weight: chosen.has(f.id) ? 3 : 1, fillColor: ROLE_COLOUR[p.role] || "#444", fillOpacity: 0.9})
      .bindTooltip(`${f.id} ${p.name_zh}${chosen.has(f.id) ? " (chosen)" : ""}`).addTo(overlay);
  }
}

// -- trade-offs and staging ------------------------------------------------------------------------
// cost against mean RTT: the non-dominated plans, the knee marked and explained in the legend
function frontierOption(points, xKey, xLabel) {
  const data = points.map((p) => [p[xKey], p.cost_yuan_per_year / 1e6,
    Object.entries(p.sites_mw).map(([s, mw]) => `${s} ${fmt(mw, 1)} MW`).join(", ")]);
  const knee = points.map((p, i) => p.knee ? data[i] : null).filter((d) => d);
  const tip = (d) => `${fmt(d[1], 2)} M yuan/yr at ${fmt(d[0], 1)} ${esc(xLabel)}<br>${esc(d[2])}`;
  return {
    grid: {left: 8, right: 20, top: 40, bottom: 48, containLabel: true},
    legend: {top: 0, textStyle: {fontSize: CHART_FONT_PX}},
    tooltip: {trigger: "item", textStyle: {fontSize: CHART_FONT_PX}, formatter: (p) => tip(p.data)},
    xAxis: {type: "value", scale: true, ...axisName(xLabel, 30)},
    yAxis: {type: "value", scale: true, ...axisName("cost [million yuan/yr]", narrow() ? 42 : 52)},
    series: [
      {name: "plans (none cheaper and better)", type: "line", data, symbolSize: 8, lineStyle: {color: "#0b5cad"},
       itemStyle: {color: "#0b5cad"}},
      {name: "knee: past it, less RTT costs much more", type: "scatter", data: knee, symbolSize: 16,
       itemStyle: {color: "#e8a317"}},
    ],
  };
}
$("frontier").addEventListener("click", () => run($("frontier"), $("beyond"), async () => {
  const points = Number($("frontier_points").value);
  if (!(points >= 2 && points <= 10)) throw fieldError("frontier_points", `points = ${$("frontier_points").value} is out of range: must be 2 to 10 here (more: siting pareto)`);
  const out = await api("/v1/pareto", {method: "POST", body: {request: currentRequest(), criterion: "rtt", points}});
  const f = out.frontier;
  const rows = f.points.map((p) => [fmt(p.cost_yuan_per_year / 1e6, 2), fmt(p.mean_rtt_ms, 1),
    esc(Object.entries(p.sites_mw).map(([s, mw]) => `${s} ${fmt(mw, 1)}`).join(", ")), p.knee ? "knee" : ""]);
  const dropped = f.dropped ? `; ${f.dropped} plan(s) that cost more for no gain left out` : "";
  $("beyond").innerHTML = `<h3 id="frontier-title">Cost against mean RTT: ${f.points.length} plans where one ` +
    `cannot be cheaper without being slower${dropped}</h3>` +
    `<div class="echart" id="frontier-chart"></div>` +
    table(["M yuan/yr", "mean RTT [ms]", "sites (MW)", ""], rows);
  chart("frontier-chart", frontierOption(f.points, "mean_rtt_ms", "mean RTT [ms]"),
        `Annual cost against mean RTT of ${f.points.length} plans, the knee highlighted`, 320);
  $("beyond").focus();
}));
$("stage").addEventListener("click", () => run($("stage"), $("beyond"), async () => {
  const from = Number($("stage_from").value), to = Number($("stage_to").value), ramp = Math.round(Number($("stage_ramp").value));
  if (!(ramp >= 1 && ramp <= 20)) throw fieldError("stage_ramp", `ramp = ${$("stage_ramp").value} is out of range: must be 1 to 20 years`);
  if (!(to >= from)) throw fieldError("stage_to", `final load ${to} MW is below the first-year load ${from} MW`);
  const phases = [];
  for (let y = 0; y <= ramp; y += Math.max(1, Math.round(ramp / 3))) phases.push({year_offset: y, it_load_mw: Math.round((from + (to - from) * Math.min(1, y / ramp)) * 1000) / 1000});
  if (phases[phases.length - 1].it_load_mw !== to) phases.push({year_offset: ramp, it_load_mw: to});
  const request = {...currentRequest(), it_load_mw: to, phases};
  const price = $("stage_price").value === "" ? null : Number($("stage_price").value);
  const out = await api("/v1/stage", {method: "POST", body: {request, years: 15, build_block_mw: 10, price_yuan_per_kw_month: price}});
  const s = out.staged;
  if (s.pv_cost_yuan === null || s.pv_cost_yuan === undefined) {
    $("beyond").innerHTML = `<h3 id="staged-title">Staged build-out: ${esc(statusWords(s.status))}</h3><p>${esc(s.message || "")}</p>`;
    return;
  }
  const used = s.sites.filter((x) => s.open_year[x] !== null);
  // built_mw is the IT capacity in place each year; what was built that year is its increase
  const builtThisYear = (x, n) => s.built_mw[x][n] - (n ? s.built_mw[x][n - 1] : 0);
  const rows = s.cash_flows.map((c, n) => [String(c.year), fmt(c.load_mw),
    ...used.flatMap((x) => [Math.round(builtThisYear(x, n)) ? fmt(builtThisYear(x, n)) : "-", fmt(s.built_mw[x][n])]),
    ...["capex_yuan", "opex_yuan", "subsidies_yuan", "revenue_yuan", "net_yuan", "cumulative_yuan"].map((k) => fmt(c[k] / 1e6))]);
  $("beyond").innerHTML = `<h3 id="staged-title">Staged build-out from ${s.start_year}</h3>` +
    `<p>Sites open: ${used.map((x) => `${esc(x)} in ${s.open_year[x]}`).join(", ")}. Present value of all costs ` +
    `${fmt(s.pv_cost_yuan / 1e6, 1)} M yuan` + (s.npv_yuan !== null ? `; NPV ${fmt(s.npv_yuan / 1e6, 1)} M yuan, IRR ` +
    `${s.irr_fraction !== null ? fmt(100 * s.irr_fraction, 1) + " %" : "none"}, payback ${s.payback_year ?? "not within 15 years"}, ` +
    `${s.years_in_loss} year(s) in cumulative loss` : "") + `.</p>` +
    table(["year", "load MW", ...used.flatMap((x) => [`${esc(x)} built this year MW`, `${esc(x)} capacity MW`]), "capex", "opex", "subsidies", "revenue", "net", "cumulative"], rows) +
    `<p class="note">Cash flows in million yuan; 10 MW build blocks; capital at the start of a year, operations at its end.</p>`;
  $("beyond").focus();
}));

$("classic").addEventListener("click", () => run($("classic"), $("beyond"), async () => {
  const out = await api("/v1/classic", {method: "POST", body: {request: currentRequest()}});
  const v = out.classic;
  const rows = v.rows.map((r) => [esc(r.view), esc(r.sites.join(" + ")), fmt(r.mean_rtt_ms, 1), fmt(r.worst_rtt_ms, 1),
    Number.isFinite(r.covered_fraction) ? fmt(100 * r.covered_fraction) + " %" : "-",
    r.cost_yuan_per_year !== null ? fmt(r.cost_yuan_per_year / 1e6, 2) : esc(r.cost_status)]);
  $("beyond").innerHTML = `<h3 id="classic-title">Where ${v.p} site(s) would go by a latency criterion, and what it costs</h3>` +
    table(["view", "sites", "mean RTT [ms]", "worst RTT [ms]", `demand within ${v.radius_ms ?? "-"} ms`, "M yuan/yr"], rows) +
    `<p class="note">RTT from each demand centre to its nearest open site, weighted by the request's MW there; the cost ` +
    `serves the whole request from exactly those sites.</p>`;
  $("beyond").focus();
}));

// -- compare -------------------------------------------------------------------------------------
$("compare").addEventListener("click", () => run($("compare"), $("comparison"), async () => {
  const base = currentRequest();
  const variant = JSON.parse(JSON.stringify(base));
  variant.carbon_price_yuan_per_t = Number($("cmp_carbon").value);
  variant.max_share_per_site = Number($("cmp_share").value);
  for (const c of variant.classes || []) if (c.max_rtt_ms !== undefined && c.max_rtt_ms !== null) c.max_rtt_ms = Number($("cmp_rtt").value);
  const out = await api("/v1/compare", {method: "POST", body: {explain: false, scenarios: [
    {name: "base", request: base}, {name: "variant", request: variant}]}});
  const c = out.comparison;
  const rows = c.scenarios.map((s) => [esc(s.name), esc(statusWords(s.status)), fmt((s.objective_yuan_per_year ?? NaN) / 1e6, 2),
    fmt(s.levelised_cost_yuan_per_kw_month, 1), esc((s.chosen_sites || []).join(", ")),
    fmt((s.emissions_t_per_year ?? NaN) / 1000, 1)]);
  let html = `<h3 id="comparison-title">Side by side</h3>` +
    table(["scenario", "status", "M yuan/yr", "yuan/kW/month", "sites", "ktCO2/yr"], rows);
  for (const a of c.attribution || []) {
    const comps = Object.keys(a.components || {});
    html += `<h3>Why ${esc(a.scenario)} differs from the base: ${fmt(a.delta_total_yuan_per_year / 1e6, 2)} M yuan/yr</h3>`;
    if (a.base_plan_note) html += `<p>${esc(a.base_plan_note)}</p>`;
    html += table(["component", "total change", "repricing (same plan)", "re-siting"], comps.map((k) => [esc(k),
      fmt(a.components[k] / 1e6, 2), fmt((a.repricing || {})[k] / 1e6, 2), fmt((a.resiting || {})[k] / 1e6, 2)]));
    html += "<ul>" + (a.sites || []).map((s) => `<li>${esc(s.site)} ${esc(s.change)} (${fmt(s.mw_base, 1)} → ` +
      `${fmt(s.mw_scenario, 1)} MW): ${esc((s.reasons || []).join("; "))}</li>`).join("") + "</ul>";
  }
  $("comparison").innerHTML = html;
  $("comparison").focus();
}));

// -- saved scenarios (server side, per key) ------------------------------------------------------
async function refreshSaved() {
  if (!$("key").value.trim()) { $("saved").innerHTML = "<li>Enter an API key to see your saved scenarios.</li>"; return; }
  const page = await api("/v1/scenarios?limit=50");
  $("saved").innerHTML = page.items.length ? page.items.map((s) => `<li><button type="button" class="secondary" ` +
    `data-load="${esc(s.id)}">Load</button> ${esc(s.name)} <small>${esc(s.created_at)}</small></li>`).join("")
    : "<li>No saved scenarios yet.</li>";
  for (const b of document.querySelectorAll("[data-load]")) b.addEventListener("click", async () => {
    try {
      const sc = await api(`/v1/scenarios/${encodeURIComponent(b.dataset.load)}`);
      $("json").value = JSON.stringify(sc.document.request || {}, null, 1);
      jsonEdited = true;
      $("json").closest("details").open = true;
      $("status").textContent = `loaded scenario ${sc.name} into the request JSON`;
    } catch (e) { showError(e); }
  });
}
$("save").addEventListener("click", async () => {
  clearErrors();
  try {
    const name = $("scenario_name").value.trim();
    if (!name) throw fieldError("scenario_name", "name is empty: give the scenario a name");
    await api("/v1/scenarios", {method: "POST", body: {name, request: currentRequest()}});
    $("status").textContent = `saved scenario ${name}`;
    await refreshSaved();
  } catch (e) { showError(e); }
});
$("refresh-saved").addEventListener("click", () => refreshSaved().catch(showError));

// -- catalog -------------------------------------------------------------------------------------
async function loadCatalog() {
  const gj = await (await fetch("/v1/sites")).json();
  for (const f of gj.features) sitesById[f.id] = f;
  const p = (f, k, d) => fmt(((f.properties.parameters || {})[k] || {}).value, d);
  const rows = gj.features.map((f) => [`${esc(f.id)} <span lang="zh">${esc(f.properties.name_zh)}</span>`,
    esc(role(f.properties.role)), p(f, "electricity_price_list_yuan_per_kwh", 3), p(f, "demand_charge_yuan_per_kw_month", 1),
    p(f, "bandwidth_price_yuan_per_gbps_month"), p(f, "grid_emission_factor_t_per_mwh", 3), p(f, "available_capacity_mw")]);
  $("catalog").innerHTML = table(["site", "role", "tariff yuan/kWh", "demand charge yuan/kW/month",
    "bandwidth yuan/Gbps/month", "grid tCO2/MWh", "capacity MW"], rows);
}

loadKey();
syncJson();
loadGreenOptions().then(syncJson).catch((e) => { $("green-list").textContent = `could not load the green options: ${e.message}`; });
loadCatalog().then(initMap).catch((e) => showError(new Error(`could not load the catalog: ${e.message}`)))
  .then(() => refreshSaved().catch(() => {}));
