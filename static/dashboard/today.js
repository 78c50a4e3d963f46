// Today: live calls now, open orders and today's bookings, all from the live feed (snapshot, then
// events), and a banner while a number takes no more calls (its live calls at its limit). For managers
// and owners, the calls answered and lost today: the analytics of today, read again when the feed says
// a call ended or was refused (the rollup it reads is written in the same transaction as that event).
import { api, apiAll } from "./api.js";
import { Feed } from "./feed.js";
import { time } from "./fmt.js";
import { language, t } from "./i18n.js";
import { roleAllows, start, toSignIn } from "./shell.js";
import { el, loader, showFailure, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=today]");
const tally = document.querySelector("[data-widget=calls-today]");
const count = new Intl.NumberFormat(language);
const banner = document.querySelector("[data-limit-banner]");
const feedState = document.querySelector("[data-feed-state]");
const OPEN = ["new", "accepted", "preparing", "ready"];
const LIVE_BOOKING = ["pending", "confirmed", "seated"];

const calls = new Map(); // call_record_id -> call payload
const orders = new Map(); // order_id -> order payload
const bookings = new Map(); // reservation_id -> reservation payload
let numbers = []; // the business's numbers with their limits (managers and owners)
let context = null;

function today() {
  // the business's calendar day, as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone: context.membership.timezone }).format(new Date());
}

function render() {
  const callList = [...calls.values()].sort((a, b) => a.started_at.localeCompare(b.started_at));
  widget.querySelector("[data-calls]").replaceChildren(
    ...callList.map((call) =>
      el(
        "li",
        { "data-call": call.call_record_id },
        el("span", { class: "row-main", text: call.label || call.sip_number }),
        el("span", { class: "mono", text: call.caller || t("unknown_caller") }),
        el("span", { class: "muted", text: t("since", { time: time(call.started_at, context.membership.timezone) }) }),
      ),
    ),
  );
  widget.querySelector("[data-calls-count]").textContent = String(callList.length);
  widget.querySelector("[data-calls-empty]").hidden = callList.length > 0;

  const open = [...orders.values()].filter((o) => OPEN.includes(o.status));
  widget.querySelector("[data-orders-count]").textContent = String(open.length);
  widget.querySelector("[data-orders]").replaceChildren(
    ...OPEN.flatMap((status) => [
      el("dt", { text: t(`status_${status}`) }),
      el("dd", { "data-orders-status": status, text: String(open.filter((o) => o.status === status).length) }),
    ]),
  );

  const day = today();
  const list = [...bookings.values()]
    .filter((b) => b.starts_at.slice(0, 10) === day && LIVE_BOOKING.includes(b.status))
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  widget.querySelector("[data-bookings]").replaceChildren(
    ...list.map((b) =>
      el(
        "li",
        { "data-booking": b.reservation_id },
        el("span", { class: "row-main", text: `${b.starts_at.slice(11, 16)} · ${b.name}` }),
        el("span", { text: t("covers", { n: b.party_size }) }),
        el("span", { class: "badge", text: t(`booking_${b.status}`) }),
      ),
    ),
  );
  widget.querySelector("[data-bookings-count]").textContent = String(list.length);
  widget.querySelector("[data-covers]").textContent = list.length ? t("covers_total", { n: list.reduce((s, b) => s + b.party_size, 0) }) : "";
  widget.querySelector("[data-bookings-empty]").hidden = list.length > 0;

  const full = numbers.filter((n) => n.is_active && callList.filter((c) => c.sip_number_id === n.id).length >= n.max_concurrent_calls);
  banner.hidden = full.length === 0;
  banner.textContent = full.map((n) => t("number_full", { number: n.label || n.number, limit: n.max_concurrent_calls })).join(" ");
}

// Today's answered and lost calls. One request at a time: events arriving meanwhile ask for one more
// read after it, so the figures shown are never older than the last event.
let counting = null;
let countAgain = false;
let countedDay = null;

async function readTally() {
  const day = today();
  const data = await api(`businesses/${context.businessId}/analytics/?from=${day}&to=${day}`);
  const { calls: finished, answered } = data.current;
  tally.querySelector("[data-calls-answered]").textContent = count.format(answered);
  tally.querySelector("[data-calls-lost]").textContent = count.format(finished - answered);
  tally.querySelector("[data-calls-link]").search = `?from=${day}&to=${day}`;
  countedDay = day;
  showState(tally, "ready");
}

async function refreshTally() {
  if (!tally.dataset.shown) return;
  if (counting) {
    countAgain = true;
    return;
  }
  counting = (async () => {
    do {
      countAgain = false;
      try {
        await readTally();
      } catch (error) {
        showFailure(tally, error);
      }
    } while (countAgain);
  })();
  await counting;
  counting = null;
}

function onSnapshot(frame) {
  calls.clear();
  orders.clear();
  bookings.clear();
  frame.calls.forEach((c) => calls.set(c.call_record_id, c));
  frame.orders.forEach((o) => orders.set(o.order_id, o));
  frame.reservations.forEach((r) => bookings.set(r.reservation_id, r));
  showState(widget, "ready");
  render();
  refreshTally(); // after the snapshot: every later call's end comes as an event and reads again
}

function onEvent(event) {
  const p = event.payload;
  if (event.type === "call.started") calls.set(p.call_record_id, p);
  else if (event.type === "call.ended") {
    calls.delete(p.call_record_id);
    refreshTally();
  } else if (event.type === "call.rejected") return refreshTally();
  else if (event.type === "order.created" || event.type === "order.updated") orders.set(p.order_id, p);
  else if (event.type === "reservation.created" || event.type === "reservation.updated") bookings.set(p.reservation_id, p);
  else return;
  render();
}

function onState(state) {
  feedState.dataset.feedState = state;
  feedState.textContent = t(`feed_${state}`);
  const connection = document.querySelector("[data-widget=connection]");
  connection.hidden = state !== "offline";
  connection.textContent = state === "offline" ? t("offline") : "";
  if (state === "signed-out") toSignIn();
  if (state === "no-access") showState(widget, "not-found", t("not_found"));
}

const load = loader(widget, async () => {
  context = context || (await start());
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  if (roleAllows(context.membership.role, "manager")) {
    numbers = await apiAll(`businesses/${context.businessId}/numbers/`);
    tally.hidden = false;
    tally.dataset.shown = "true";
  }
  await new Feed(context.businessId, { onSnapshot, onEvent, onState }).start();
});
load();

tally.querySelector("[data-action=retry]").addEventListener("click", refreshTally);
// At the restaurant's midnight the counts start again from zero.
setInterval(() => countedDay && countedDay !== today() && refreshTally(), 60_000);
