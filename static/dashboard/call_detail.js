// One call: the conversation as caller/assistant bubbles with the tools the assistant used between
// them, its facts, and the order tickets and bookings it created. Managers and owners.
import { api } from "./api.js";
import { outcome } from "./call_outcome.js";
import { dateTime, duration, money } from "./fmt.js";
import { t } from "./i18n.js";
import { roleAllows, start } from "./shell.js";
import { el, loader, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=call]");
const callId = widget.dataset.callId;
const $ = (selector) => widget.querySelector(selector);

function toolArguments(text) {
  try {
    const parsed = JSON.parse(text || "{}");
    return Object.entries(parsed)
      .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`)
      .join(", ");
  } catch (error) {
    return text || "";
  }
}

function turn(line) {
  if (line.role === "caller" || line.role === "agent") {
    const who = line.role === "caller" ? t("speaker_caller") : t("speaker_agent");
    return el(
      "li",
      { class: `bubble bubble-${line.role}` },
      el("span", { class: "bubble-who", text: who }),
      el("p", { text: line.text || "" }),
    );
  }
  const used = line.role === "tool";
  const text = used
    ? t("tool_used", { name: line.name || "?" })
    : line.error
      ? t("tool_refused", { name: line.name || "" })
      : t("tool_answered", { name: line.name || "" });
  const detail = used ? toolArguments(line.arguments) : line.text || "";
  return el(
    "li",
    { class: `tool-line${line.error ? " tool-error" : ""}`, "data-tool": line.name || "" },
    el("span", { class: "tool-name", text }),
    detail ? el("span", { class: "tool-detail", text: detail }) : null,
  );
}

function render(call, context) {
  const zone = context.membership.timezone;
  const o = outcome(call);
  $("[data-title]").textContent = t("call_title", { caller: call.caller || t("unknown_caller"), when: dateTime(call.started_at, zone) });
  $("[data-outcome]").replaceChildren(el("span", { class: `badge ${o.tone}`, text: o.text }));
  $("[data-started]").textContent = dateTime(call.started_at, zone);
  $("[data-duration]").textContent = call.duration_seconds ? duration(call.duration_seconds) : "—";
  $("[data-caller]").textContent = call.caller || t("unknown_caller");
  $("[data-number]").textContent = call.number
    ? [call.number.label, call.number.number].filter(Boolean).join(" · ")
    : call.dialed_number || "—";

  $("[data-transcript]").replaceChildren(...call.transcript.map(turn));
  $("[data-no-transcript]").hidden = call.transcript.length > 0;

  $("[data-orders]").replaceChildren(
    ...call.orders.map((order) =>
      el(
        "li",
        { "data-order": order.id },
        el("span", { class: "row-main", text: t("ticket", { ticket: order.ticket_number }) + " · " + (order.customer_name || t("no_name")) }),
        el("span", { text: `${t(`order_${order.status}`)} · ${money(order.total, order.currency)}` }),
      ),
    ),
  );
  $("[data-no-orders]").hidden = call.orders.length > 0;
  $("[data-bookings]").replaceChildren(
    ...call.reservations.map((booking) =>
      el(
        "li",
        { "data-booking": booking.id },
        el("span", { class: "row-main", text: `${booking.name} · ${t("covers", { n: booking.party_size })}` }),
        el("span", { text: dateTime(booking.starts_at, zone) }),
      ),
    ),
  );
  $("[data-no-bookings]").hidden = call.reservations.length > 0;
}

const load = loader(widget, async () => {
  const context = await start();
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  if (!roleAllows(context.membership.role, "manager")) return showState(widget, "forbidden", t("forbidden"));
  render(await api(`businesses/${context.businessId}/calls/${callId}/`), context);
  showState(widget, "ready");
});
load();
