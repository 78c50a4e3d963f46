// Analytics: a period (the page's URL: from, to, number) against the one just before it. Figures with
// their change, calls per day (answered and lost, uPlot from npm), and the busiest hours as a weekday x
// hour heat map in the restaurant's local time. Managers and owners.
import { api, apiAll, ApiError } from "./api.js";
import { duration, money } from "./fmt.js";
import { language, t } from "./i18n.js";
import { roleAllows, start } from "./shell.js";
import { el, loader, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=analytics]");
const form = document.querySelector("[data-filters]");
const formError = form.querySelector("[data-form-error]");
const FILTERS = ["from", "to", "number"];
const number = new Intl.NumberFormat(language);
const percent = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 0, signDisplay: "exceptZero" });
const dayLabel = (iso, options) => new Intl.DateTimeFormat(language, { timeZone: "UTC", ...options }).format(new Date(iso + "T00:00:00Z"));

// The restaurant's today, as YYYY-MM-DD, moved by `days`.
function localDay(timeZone, days = 0) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date()); // en-CA: YYYY-MM-DD
  const d = new Date(today + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// The page's period, or by default the last 7 days against the 7 before (week on week).
function query(timeZone) {
  const page = new URLSearchParams(location.search);
  const q = new URLSearchParams();
  for (const name of FILTERS) if (page.get(name)) q.set(name, page.get(name));
  if (!q.has("from") && !q.has("to")) {
    q.set("from", localDay(timeZone, -6));
    q.set("to", localDay(timeZone));
  }
  return q;
}

function fillForm(numbers) {
  const page = new URLSearchParams(location.search);
  const select = form.elements.number;
  for (const n of numbers) select.append(new Option(n.label ? `${n.label} (${n.number})` : n.number, String(n.id)));
  for (const name of FILTERS) if (page.get(name)) form.elements[name].value = page.get(name);
}

// One figure: its value now, the change from the previous period, and two bars (now, before) to see it.
function kpi(key, label, now, before, show, { lowerIsBetter = false } = {}) {
  const a = Number(now ?? 0);
  const b = Number(before ?? 0);
  const change = b ? (a - b) / b : null;
  const good = change === null || change === 0 ? "" : (change > 0) !== lowerIsBetter ? "delta-good" : "delta-bad";
  const top = Math.max(a, b) || 1;
  const bar = (value, cls, text) =>
    el("span", { class: `kpi-bar ${cls}`, style: `width:${Math.max(2, (value / top) * 100)}%`, title: text });
  return el(
    "li",
    { class: "kpi", "data-kpi": key },
    el("span", { class: "kpi-label", text: label }),
    el("span", { class: "kpi-value", text: now === null ? "—" : show(now) }),
    el("span", { class: `kpi-delta ${good}`, text: change === null ? t("no_previous") : t("vs_previous", { change: percent.format(change) }) }),
    el(
      "span",
      { class: "kpi-bars", "aria-hidden": "true" },
      bar(a, "kpi-now", show(now ?? 0)),
      bar(b, "kpi-before", `${t("previous_period")}: ${before === null ? "—" : show(before)}`),
    ),
    el("span", { class: "visually-hidden", text: ` ${t("previous_period")}: ${before === null ? "—" : show(before)}` }),
  );
}

function renderKpis(data) {
  const c = data.current;
  const p = data.previous;
  const n = (v) => number.format(v);
  const secs = (v) => duration(v);
  const cash = (v) => money(v, data.currency);
  widget.querySelector("[data-kpis]").replaceChildren(
    kpi("calls", t("kpi_calls"), c.calls, p.calls, n),
    kpi("answered", t("kpi_answered"), c.answered, p.answered, n),
    kpi("lost", t("kpi_lost_to_limits"), c.lost_to_limits, p.lost_to_limits, n, { lowerIsBetter: true }),
    kpi("average", t("kpi_average_duration"), c.average_duration_seconds, p.average_duration_seconds, secs),
    kpi("p90", t("kpi_p90_duration"), c.p90_duration_seconds, p.p90_duration_seconds, secs),
    kpi("orders", t("kpi_orders"), c.orders, p.orders, n),
    kpi("revenue", t("kpi_revenue"), c.revenue, p.revenue, cash),
    kpi("bookings", t("kpi_bookings"), c.reservations, p.reservations, n),
  );
}

let chart = null;

function renderPerDay(data) {
  const box = widget.querySelector("[data-chart=per-day]");
  const xs = data.days.map((d, i) => i); // one slot a day: the API's days are the restaurant's own
  const label = (i, options) => (data.days[i] ? dayLabel(data.days[i].date, options) : "");
  const answered = data.days.map((d) => d.answered);
  const lost = data.days.map((d) => d.calls - d.answered);
  const total = data.days.map((d) => d.calls);
  const bars = window.uPlot.paths.bars({ size: [0.7, 48] });
  const every = Math.ceil(data.days.length / 14); // at most 14 day labels under the bars
  const opts = {
    width: Math.max(320, box.clientWidth),
    height: 280,
    scales: { x: { time: false, range: () => [-0.5, data.days.length - 0.5] }, y: { range: (u, min, max) => [0, Math.max(4, max * 1.05)] } },
    axes: [
      {
        splits: () => xs.filter((i) => i % every === 0),
        values: (u, splits) => splits.map((i) => label(i, { weekday: data.days.length <= 14 ? "short" : undefined, day: "numeric", month: "short" })),
        grid: { show: false },
      },
      { label: t("calls_axis"), values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? number.format(v) : "")) },
    ],
    legend: { live: true },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    series: [
      { label: t("day"), value: (u, i) => (i == null ? "" : label(i, { weekday: "short", day: "numeric", month: "short" })) },
      // Drawn as a stack: all calls in the "lost" colour, answered ones over them.
      { label: t("series_lost"), stroke: "#a4262c", fill: "#e7b3b6", paths: bars, points: { show: false }, value: (u, v, s, i) => (i == null ? "" : lost[i]) },
      { label: t("series_answered"), stroke: "#0f6e6e", fill: "#5aa6a6", paths: bars, points: { show: false } },
    ],
  };
  if (chart) chart.destroy();
  box.replaceChildren();
  chart = new window.uPlot(opts, [xs, total, answered], box);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  widget.querySelector("[data-summary=per-day]").textContent = t("per_day_summary", {
    days: data.days.length,
    answered: sum(answered),
    lost: sum(lost),
  });
}

function renderHeatmap(data) {
  const grid = widget.querySelector("[data-heatmap]");
  const max = Math.max(1, ...data.busiest_hours.flat());
  // Monday first, as the API; weekday names from a known Monday.
  const weekday = (i) => new Intl.DateTimeFormat(language, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i)));
  const cells = [el("span", { class: "heat-corner", "aria-hidden": "true" })];
  for (let h = 0; h < 24; h++) cells.push(el("span", { class: "heat-hour", "aria-hidden": "true", text: h % 3 === 0 ? String(h) : "" }));
  data.busiest_hours.forEach((hours, d) => {
    cells.push(el("span", { class: "heat-day", text: weekday(d) }));
    hours.forEach((calls, h) => {
      const level = calls ? Math.ceil((calls / max) * 5) : 0;
      const label = t("heat_cell", { day: weekday(d), hour: `${String(h).padStart(2, "0")}:00`, n: calls });
      cells.push(el("span", { class: `heat-cell heat-${level}`, "data-calls": calls, title: label, role: "img", "aria-label": label }));
    });
  });
  const legend = el(
    "p",
    { class: "heat-legend", "aria-hidden": "true" },
    el("span", { text: t("fewer") }),
    ...[0, 1, 2, 3, 4, 5].map((l) => el("span", { class: `heat-cell heat-${l}` })),
    el("span", { text: t("more_calls", { n: max }) }),
  );
  grid.replaceChildren(el("div", { class: "heat-grid" }, ...cells), legend);
}

function renderRange(data) {
  const fmt = (iso) => dayLabel(iso, { day: "numeric", month: "short", year: "numeric" });
  document.querySelector("[data-range]").textContent = t("range_vs", {
    from: fmt(data.range.from),
    to: fmt(data.range.to),
    pfrom: fmt(data.previous_range.from),
    pto: fmt(data.previous_range.to),
  });
  if (!form.elements.from.value) form.elements.from.value = data.range.from;
  if (!form.elements.to.value) form.elements.to.value = data.range.to;
}

function showRangeError(error) {
  const fields = Object.entries(error.body || {}).filter(([key]) => key !== "code" && key !== "detail");
  formError.textContent = fields.map(([key, value]) => `${form.elements[key]?.labels?.[0]?.textContent || key}: ${[].concat(value).join(" ")}`).join(" ") || error.message;
  formError.hidden = false;
  return showState(widget, "empty", t("filters_refused"));
}

let last = null;
const load = loader(widget, async () => {
  const context = await start();
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  if (!roleAllows(context.membership.role, "manager")) return showState(widget, "forbidden", t("forbidden"));
  if (form.elements.number.options.length === 1) fillForm(await apiAll(`businesses/${context.businessId}/numbers/`));
  let data;
  try {
    data = await api(`businesses/${context.businessId}/analytics/?${query(context.membership.timezone)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return showRangeError(error);
    throw error;
  }
  renderRange(data);
  if (data.current.calls === 0 && data.previous.calls === 0) return showState(widget, "empty", t("no_calls_in_range"));
  showState(widget, "ready"); // visible first: the chart takes its width from its box
  renderKpis(data);
  renderPerDay(data);
  renderHeatmap(data);
  last = data;
});

let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => last && renderPerDay(last), 150);
});
load();
