// The call history: the filters live in the page's URL (a plain GET form, so a filtered list can be
// bookmarked and the back button works), 50 calls a page with "Load more" (the API's cursor), and the
// CSV of the same filters fetched with the token and saved through a Blob URL. Managers and owners.
import { api, apiAll, apiBlob, ApiError } from "./api.js";
import { dateTime, duration } from "./fmt.js";
import { outcome } from "./call_outcome.js";
import { t } from "./i18n.js";
import { roleAllows, start } from "./shell.js";
import { el, loader, showFailure, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=calls]");
const rows = widget.querySelector("[data-rows]");
const more = widget.querySelector("[data-action=more]");
const form = document.querySelector("[data-filters]");
const formError = form.querySelector("[data-form-error]");
const download = document.querySelector("[data-action=download]");
const downloadStatus = document.querySelector("[data-download-status]");
const FILTERS = ["from", "to", "number", "caller"];

// The page's query string as the API's filters (the outcome select is "status" or "status:reason").
function apiFilters() {
  const page = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const name of FILTERS) if (page.get(name)) query.set(name, page.get(name).trim());
  const [status, reason] = (page.get("outcome") || "").split(":");
  if (status) query.set("status", status);
  if (reason) query.set("reason", reason);
  return query;
}

function fillForm(numbers) {
  const page = new URLSearchParams(location.search);
  const select = form.elements.number;
  for (const n of numbers) select.append(new Option(n.label ? `${n.label} (${n.number})` : n.number, String(n.id)));
  for (const name of [...FILTERS, "outcome"]) if (page.get(name)) form.elements[name].value = page.get(name);
}

function madeCell(call) {
  const parts = [];
  const n = (key, count) => t(count === 1 ? `${key}_one` : key, { n: count });
  if (call.orders_created) parts.push(n("orders_made", call.orders_created));
  if (call.reservations_created) parts.push(n("bookings_made", call.reservations_created));
  return el("td", { text: parts.join(", ") || "—", class: parts.length ? "" : "muted" });
}

function row(call, context) {
  const o = outcome(call);
  const link = `/app/b/${context.businessId}/calls/${call.id}/`;
  return el(
    "tr",
    { "data-call": call.id },
    el("th", { scope: "row" }, el("a", { href: link, text: dateTime(call.started_at, context.membership.timezone) })),
    el("td", { class: "mono", text: call.caller || t("unknown_caller") }),
    el("td", { text: call.number ? call.number.label || call.number.number : call.dialed_number || "—" }),
    el("td", {}, el("span", { class: `badge ${o.tone}`, text: o.text })),
    el("td", { class: "num", text: call.duration_seconds ? duration(call.duration_seconds) : "—" }),
    madeCell(call),
  );
}

let context = null;
let next = null;

async function loadPage(path) {
  const page = await api(path);
  rows.append(...page.results.map((call) => row(call, context)));
  next = page.next ? page.next.replace(/^.*\/api\/v1\//, "") : null;
  more.hidden = !next;
  return page;
}

function showFilterError(error) {
  const fields = error.body || {};
  const label = (key) => form.elements[{ status: "outcome", reason: "outcome" }[key] || key]?.labels?.[0]?.textContent || key;
  const messages = Object.entries(fields)
    .filter(([key]) => key !== "code" && key !== "detail")
    .map(([key, value]) => `${label(key)}: ${[].concat(value).join(" ")}`);
  formError.textContent = messages.join(" ") || error.message;
  formError.hidden = false;
  showState(widget, "empty", t("filters_refused"));
}

const load = loader(widget, async () => {
  context = context || (await start());
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  if (!roleAllows(context.membership.role, "manager")) return showState(widget, "forbidden", t("forbidden"));
  if (form.elements.number.options.length === 1) fillForm(await apiAll(`businesses/${context.businessId}/numbers/`));
  rows.replaceChildren();
  formError.hidden = true;
  let first;
  try {
    first = await loadPage(`businesses/${context.businessId}/calls/?${apiFilters()}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return showFilterError(error);
    throw error;
  }
  download.disabled = false;
  if (first.results.length === 0) {
    return showState(widget, "empty", apiFilters().toString() ? t("no_calls_filtered") : t("no_calls"));
  }
  showState(widget, "ready");
});

more.addEventListener("click", async () => {
  more.disabled = true;
  try {
    const before = rows.children.length;
    await loadPage(next);
    rows.children[before]?.querySelector("a")?.focus(); // keyboard users continue where the new rows start
  } catch (error) {
    showFailure(widget, error);
  } finally {
    more.disabled = false;
  }
});

download.addEventListener("click", async () => {
  download.disabled = true;
  downloadStatus.textContent = t("preparing_csv");
  try {
    const blob = await apiBlob(`businesses/${context.businessId}/calls/export.csv?${apiFilters()}`);
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `calls-${new Date().toISOString().slice(0, 10)}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    downloadStatus.textContent = "";
  } catch (error) {
    downloadStatus.textContent = t("csv_failed");
  } finally {
    download.disabled = false;
  }
});

load();
