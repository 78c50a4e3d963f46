// The numbers table: every number of the business with its live calls, refreshed while the page is
// visible (one request per refresh). Managers and owners only.
import { apiAll, OfflineError } from "./api.js";
import { time } from "./fmt.js";
import { t } from "./i18n.js";
import { roleAllows, start } from "./shell.js";
import { el, loader, showFailure, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=numbers]");
const rows = widget.querySelector("[data-rows]");
const updated = document.querySelector("[data-updated]");
const every = Number(widget.dataset.liveSeconds) * 1000;

function liveCell(n) {
  const full = n.live_calls >= n.max_concurrent_calls;
  const meter = el("meter", {
    min: 0,
    max: n.max_concurrent_calls,
    value: n.live_calls,
    "aria-hidden": "true",
  });
  const text = el("span", { text: t("live_of", { live: n.live_calls, limit: n.max_concurrent_calls }) });
  const cell = el("td", { "data-live": n.live_calls, class: full ? "live live-full" : "live" }, meter, text);
  if (full) cell.append(el("span", { class: "visually-hidden", text: " " + t("at_limit") }));
  return cell;
}

function render(numbers, context) {
  rows.replaceChildren(
    ...numbers.map((n) => {
      const link = `/app/b/${context.businessId}/numbers/${n.id}/`;
      return el(
        "tr",
        { "data-number": n.number, class: n.is_active ? "" : "row-muted" },
        el("th", { scope: "row", class: "mono" }, el("a", { href: link, text: n.number })),
        el("td", { text: n.label || "—" }),
        el(
          "td",
          {},
          el("span", {
            class: n.is_active ? "badge badge-ok" : "badge badge-off",
            text: n.is_active ? t("active") : t("inactive"),
          }),
        ),
        el("td", { class: "num", text: String(n.max_concurrent_calls) }),
        liveCell(n),
        el(
          "td",
          { class: "actions" },
          el("a", { href: link, class: "button button-small", "aria-label": `${t("edit")} ${n.number}`, text: t("edit") }),
        ),
      );
    }),
  );
  const now = time(new Date().toISOString(), context.membership.timezone, { timeStyle: "medium" });
  updated.textContent = t("updated_at", { time: now }); // in the restaurant's zone, as every time shown
}

let context = null;
let timer = null;

async function refresh() {
  const numbers = await apiAll(`businesses/${context.businessId}/numbers/`);
  if (numbers.length === 0) return showState(widget, "empty", t("no_numbers"));
  render(numbers, context);
  showState(widget, "ready");
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (document.visibilityState === "visible") {
      try {
        await refresh();
        updated.classList.remove("stale");
      } catch (error) {
        if (error instanceof OfflineError && rows.children.length) {
          updated.textContent = t("offline"); // keep the last table on screen, say it is not current
          updated.classList.add("stale");
        } else showFailure(widget, error);
      }
    }
    schedule();
  }, every);
}

const load = loader(widget, async () => {
  context = context || (await start());
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  if (!roleAllows(context.membership.role, "manager")) return showState(widget, "forbidden", t("forbidden"));
  await refresh();
  schedule();
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && context && context.membership) refresh().catch((e) => showFailure(widget, e));
});
load();
