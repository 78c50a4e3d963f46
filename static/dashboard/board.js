// The order board: today's open orders from the live feed, in columns by status. A new order chimes
// and stays highlighted until someone accepts or rejects it; past ORDER_ACK_ALERT_SECONDS it turns red
// and the chime repeats. While the feed is down the board says so, keeps what it had, and catches up
// from its cursor when the network returns. A kitchen ticket that failed to print is marked on its card
// with a reprint button, and a printer that is offline or out of paper is named in a banner.
import { api, apiAll } from "./api.js";
import { Feed } from "./feed.js";
import { money } from "./fmt.js";
import { t } from "./i18n.js";
import { start, toSignIn } from "./shell.js";
import { chime, enableSound, soundOn } from "./sound.js";
import { el, loader, showState } from "./widget.js";

const OPEN = ["new", "accepted", "preparing", "ready"];
const NEXT = { accepted: "preparing", preparing: "ready", ready: "completed" };
const PREP_MINUTES = [10, 15, 20, 30, 45];
const REPEAT_MS = 10_000;

const board = document.querySelector("[data-widget=board]");
const ackMs = Number(board.dataset.ackSeconds) * 1000;
const alertBar = board.querySelector("[data-new-alert]");
const feedState = board.querySelector("[data-feed-state]");
const soundButton = board.querySelector("[data-action=enable-sound]");
const dialog = board.querySelector("[data-reject-dialog]");
const connection = document.querySelector("[data-widget=connection]");
const printerBar = board.querySelector("[data-printer-alert]");

const orders = new Map(); // order_id -> the feed's OrderPayload
const since = new Map(); // order_id -> when it was placed (ms), for new orders
const flagged = new Set(); // order ids the server announced as unacknowledged
const errors = new Map(); // order_id -> the last refusal, shown on its card
const tickets = new Map(); // order_id -> Map(printer_id -> its failed kitchen PrintJobPayload, + reprinting)
const printers = new Map(); // printer_id -> the last printer.status saying it cannot print
let context = null;
let lastRepeat = 0;
let offline = false;

function hhmm(iso) {
  return iso.slice(11, 16); // the feed gives pickup times in the business's own zone
}

function late(order) {
  return order.status === "new" && (flagged.has(order.order_id) || Date.now() - (since.get(order.order_id) ?? Date.now()) >= ackMs);
}

function beep(loud) {
  board.dataset.alerts = String(Number(board.dataset.alerts) + 1); // what a test (or a screen reader log) can see
  chime(loud);
}

// --- Cards ---------------------------------------------------------------------------------------

function lines(order) {
  return el(
    "ul",
    { class: "lines" },
    ...order.lines.map((line) =>
      el(
        "li",
        {},
        el("span", { class: "qty", text: `${line.quantity}×` }),
        el("span", { class: "item", text: line.name }),
        line.modifiers.length ? el("span", { class: "mods", text: line.modifiers.join(", ") }) : null,
        line.notes ? el("span", { class: "line-note", text: line.notes }) : null,
      ),
    ),
  );
}

function actions(order) {
  const id = order.order_id;
  if (order.status === "new") {
    return el(
      "div",
      { class: "card-actions" },
      el(
        "div",
        { class: "prep", role: "group", "aria-label": t("accept_ready_in", { ticket: order.ticket_number }) },
        el("span", { class: "prep-label", text: t("accept_ready_in_short") }),
        ...PREP_MINUTES.map((minutes) =>
          el("button", {
            type: "button",
            class: "button button-accept",
            "data-accept": minutes,
            "data-order": id,
            text: t("minutes", { n: minutes }),
          }),
        ),
      ),
      el("button", { type: "button", class: "button button-reject", "data-reject": id, text: t("reject") }),
    );
  }
  const next = NEXT[order.status];
  return el(
    "div",
    { class: "card-actions" },
    el("button", { type: "button", class: "button button-primary button-move", "data-move": next, "data-order": id, text: t(`move_${next}`) }),
  );
}

function card(order) {
  const isLate = late(order);
  const waited = Math.floor((Date.now() - (since.get(order.order_id) ?? Date.now())) / 60000);
  const error = errors.get(order.order_id);
  return el(
    "article",
    {
      class: `order ${order.status === "new" ? "order-new" : ""} ${isLate ? "order-late" : ""}`,
      "data-order-id": order.order_id,
      "data-ticket": order.ticket_number,
      "data-status": order.status,
      "aria-labelledby": `order-${order.order_id}`,
    },
    el(
      "header",
      { class: "order-head" },
      el("h3", { id: `order-${order.order_id}`, text: `#${order.ticket_number} · ${order.customer_name || t("no_name")}` }),
      el("span", { class: "pickup", text: t("pickup_at", { time: hhmm(order.pickup_at) }) }),
    ),
    isLate ? el("p", { class: "late-note", text: t("waiting_minutes", { n: Math.max(waited, 1) }) }) : null,
    lines(order),
    order.notes ? el("p", { class: "order-note", text: order.notes }) : null,
    el(
      "p",
      { class: "order-meta" },
      el("span", { text: order.customer_phone || "" }),
      el("span", { class: "total", text: money(order.total, order.currency) }),
    ),
    error ? el("p", { class: "card-error", role: "alert", text: error }) : null,
    ...[...(tickets.get(order.order_id)?.values() ?? [])].map(ticketFailed),
    actions(order),
  );
}

function ticketFailed(job) {
  return el(
    "div",
    { class: "ticket-failed", role: "alert", "data-ticket-failed": job.printer_id },
    el("strong", { text: t("ticket_not_printed") }),
    el("span", { text: `${job.printer_name}: ${job.error}` }),
    el("button", {
      type: "button",
      class: "button button-danger button-reprint",
      "data-reprint": job.order_id,
      "data-printer": job.printer_id,
      disabled: Boolean(job.reprinting),
      text: job.reprinting ? t("reprinting") : t("reprint"),
    }),
  );
}

// A redraw replaces the cards; the button that had the keyboard focus gets it back when it still exists.
function focusKey() {
  const active = document.activeElement;
  if (!active || !board.contains(active) || active.tagName !== "BUTTON") return null;
  const { accept, move, reject, reprint, printer, order } = active.dataset;
  if (reprint) return `[data-reprint="${reprint}"][data-printer="${printer}"]`;
  if (accept) return `[data-accept="${accept}"][data-order="${order}"]`;
  if (move) return `[data-move="${move}"][data-order="${order}"]`;
  if (reject) return `[data-reject="${reject}"]`;
  return null;
}

function render() {
  const focused = focusKey();
  const byStatus = Object.fromEntries(OPEN.map((s) => [s, []]));
  for (const order of orders.values()) if (byStatus[order.status]) byStatus[order.status].push(order);
  for (const status of OPEN) {
    const column = board.querySelector(`[data-column=${status}]`);
    const list = byStatus[status].sort((a, b) => a.pickup_at.localeCompare(b.pickup_at) || a.ticket_number - b.ticket_number);
    column.querySelector("[data-cards]").replaceChildren(...list.map(card));
    column.querySelector("[data-count]").textContent = String(list.length);
    column.querySelector("[data-empty]").hidden = list.length > 0;
  }
  if (offline) board.querySelectorAll(".card-actions button, .ticket-failed button").forEach((b) => (b.disabled = true)); // nothing can be sent
  const waiting = byStatus.new.length;
  alertBar.hidden = waiting === 0;
  alertBar.classList.toggle("alert-late", byStatus.new.some(late));
  alertBar.textContent = waiting ? t("new_orders_waiting", { n: waiting }) : "";
  if (focused) board.querySelector(focused)?.focus();
}

// --- The feed -------------------------------------------------------------------------------------

function upsert(order, { announce, placedAt }) {
  const known = orders.get(order.order_id);
  if (!OPEN.includes(order.status)) {
    orders.delete(order.order_id);
    errors.delete(order.order_id);
    tickets.delete(order.order_id);
    return;
  }
  orders.set(order.order_id, order);
  if (order.status === "new" && !since.has(order.order_id)) since.set(order.order_id, placedAt ?? Date.now());
  if (announce && !known && order.status === "new") beep(0.4);
}

async function placedTimes(newIds) {
  // The snapshot does not say when an order was placed; the list does (one request, only if needed).
  if (!newIds.length) return;
  const listed = await apiAll(`businesses/${context.businessId}/orders/?status=new&page_size=200`);
  for (const order of listed) if (newIds.includes(order.id)) since.set(order.id, Date.parse(order.created_at));
}

// A kitchen ticket's outcome: a failure is kept on its order's card until that printer prints it.
function ticketOutcome(job) {
  if (job.kind !== "kitchen" || !orders.has(job.order_id)) return;
  const failed = tickets.get(job.order_id) ?? new Map();
  if (job.status === "failed") failed.set(job.printer_id, job);
  else if (job.status === "printed") failed.delete(job.printer_id);
  if (failed.size) tickets.set(job.order_id, failed);
  else tickets.delete(job.order_id);
}

function printerStatus(printer) {
  if (printer.status === "offline" || printer.status === "paper_out") printers.set(printer.printer_id, printer);
  else printers.delete(printer.printer_id);
}

function showPrinters() {
  const down = [...printers.values()];
  printerBar.hidden = down.length === 0;
  printerBar.textContent = down.map((p) => t(`printer_${p.status}`, { name: p.name })).join(" ");
}

async function onSnapshot(frame) {
  const before = new Set(orders.keys());
  orders.clear();
  tickets.clear();
  for (const order of frame.orders) upsert(order, { announce: false });
  for (const job of frame.print_failures ?? []) ticketOutcome(job);
  printers.clear();
  for (const printer of frame.printers_down ?? []) printerStatus(printer);
  showPrinters();
  await placedTimes(frame.orders.filter((o) => o.status === "new" && !since.has(o.order_id)).map((o) => o.order_id)).catch(() => {});
  // a snapshot after a reset can bring orders placed while we were away: announce those
  if (frame.orders.some((o) => o.status === "new" && before.size && !before.has(o.order_id))) beep(0.4);
  showState(board, "ready");
  render();
}

function onEvent(event) {
  if (event.type === "order.created" || event.type === "order.updated") {
    upsert(event.payload, { announce: true, placedAt: event.type === "order.created" ? Date.parse(event.created_at) : undefined });
    render();
  } else if (event.type === "order.unacknowledged") {
    flagged.add(event.payload.order_id);
    render();
  } else if (event.type === "print_job.updated") {
    ticketOutcome(event.payload);
    render();
  } else if (event.type === "printer.status") {
    printerStatus(event.payload);
    showPrinters();
  }
}

function onState(state) {
  feedState.dataset.feedState = state;
  feedState.textContent = t(`feed_${state}`);
  board.classList.toggle("board-offline", state === "offline");
  if (offline !== (state === "offline")) {
    offline = state === "offline";
    if (orders.size) render();
  }
  if (connection) {
    connection.hidden = state !== "offline";
    connection.textContent = state === "offline" ? t("offline") : "";
  }
  if (state === "signed-out") toSignIn();
  if (state === "no-access") showState(board, "not-found", t("not_found"));
}

// --- Actions ------------------------------------------------------------------------------------------

async function transition(orderId, body, button) {
  board.querySelectorAll(`[data-order-id="${orderId}"] button`).forEach((b) => (b.disabled = true));
  errors.delete(orderId);
  try {
    const order = await api(`businesses/${context.businessId}/orders/${orderId}/transition/`, { method: "POST", body });
    if (!OPEN.includes(order.status)) orders.delete(orderId);
    else if (orders.has(orderId)) orders.set(orderId, { ...orders.get(orderId), status: order.status, pickup_at: order.pickup_at });
  } catch (error) {
    const body = error.body || {};
    const sentences = Object.values(body).flat().filter((v) => typeof v === "string");
    errors.set(orderId, error.status ? sentences.join(" ") || error.message : t("offline"));
  }
  render();
  button?.focus?.();
}

async function reprint(orderId, printerId) {
  const job = tickets.get(orderId)?.get(printerId);
  if (!job) return;
  job.reprinting = true;
  render();
  try {
    await api(`businesses/${context.businessId}/orders/${orderId}/print/`, { method: "POST", body: { kind: "kitchen", printer: printerId } });
  } catch (error) {
    const body = error.body || {};
    const sentences = Object.values(body).flat().filter((v) => typeof v === "string");
    job.reprinting = false;
    job.error = error.status ? sentences.join(" ") || error.message : t("offline");
    render();
  }
  // Accepted: the marker says "Reprinting…" until the feed tells how the new job went.
}

board.addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target || target.disabled) return;
  if (target.dataset.accept) {
    transition(Number(target.dataset.order), { to_status: "accepted", prep_minutes: Number(target.dataset.accept) });
  } else if (target.dataset.move) {
    transition(Number(target.dataset.order), { to_status: target.dataset.move });
  } else if (target.dataset.reprint) {
    reprint(Number(target.dataset.reprint), Number(target.dataset.printer));
  } else if (target.dataset.reject) {
    openReject(Number(target.dataset.reject));
  } else if (target.dataset.action === "close-dialog") {
    dialog.close();
  }
});

function openReject(orderId) {
  const order = orders.get(orderId);
  const form = dialog.querySelector("[data-reject-form]");
  form.reset();
  dialog.querySelector("[data-reject-error]").textContent = "";
  dialog.querySelector("[data-reject-title]").textContent = t("reject_title", { ticket: order.ticket_number });
  dialog.dataset.orderId = String(orderId);
  dialog.showModal();
}

dialog.querySelector("[data-reject-form]").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const choice = form.reason.value;
  const reason = choice === "other" ? form.other.value.trim() : choice;
  if (!reason) {
    dialog.querySelector("[data-reject-error]").textContent = t("reason_needed");
    return;
  }
  dialog.close();
  transition(Number(dialog.dataset.orderId), { to_status: "cancelled", reason });
});

soundButton.addEventListener("click", async () => {
  if (await enableSound()) {
    soundButton.hidden = true;
    board.querySelector("[data-sound-on]").hidden = false;
  }
});

// Escalation: once a second, check the new orders; redraw only when one turns red or its minutes
// change (a redraw every second would take the keyboard focus away). The chime repeats while any waits.
let lateSignature = "";
setInterval(() => {
  const waiting = [...orders.values()].filter(late);
  const signature = waiting.map((o) => `${o.order_id}:${Math.floor((Date.now() - since.get(o.order_id)) / 60000)}`).join();
  if (signature !== lateSignature) {
    lateSignature = signature;
    render();
  }
  if (waiting.length && Date.now() - lastRepeat >= REPEAT_MS) {
    lastRepeat = Date.now();
    beep(0.8);
  }
}, 1000);

const load = loader(board, async () => {
  context = context || (await start());
  if (!context.membership) return showState(board, "not-found", t("not_found"));
  soundButton.hidden = soundOn();
  await new Feed(context.businessId, { onSnapshot, onEvent, onState }).start();
});
load();
