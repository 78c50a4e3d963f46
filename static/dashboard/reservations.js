// The day's bookings by time slot, in the business's time zone: covers arriving per slot and seats in
// use, each booking's actions (confirm, seated, no-show, completed, cancel with a reason), a booking
// taken by phone with the day's free times for that party. Other screens' changes arrive on the feed.
import { api, apiAll } from "./api.js";
import { Feed } from "./feed.js";
import { clearErrors, submitting } from "./forms.js";
import { time } from "./fmt.js";
import { language, t } from "./i18n.js";
import { start, toSignIn } from "./shell.js";
import { el, loader, showFailure, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=reservations]");
const dayInput = widget.querySelector("[data-day]");
const slots = widget.querySelector("[data-slots]");
const summary = widget.querySelector("[data-summary]");
const noBookings = widget.querySelector("[data-no-bookings]");
const form = widget.querySelector("[data-book-form]");
const availability = form.querySelector("[data-availability]");
const dialog = widget.querySelector("[data-cancel-dialog]");
const feedDot = widget.querySelector("[data-feed-dot]");
const connection = document.querySelector("[data-widget=connection]");

const HOLDING = new Set(["pending", "confirmed", "seated"]);
// What each status offers next (reservations.services.reservation_transition).
const NEXT = { pending: ["confirmed", "seated", "no_show"], confirmed: ["seated", "no_show"], seated: ["completed"] };

let context = null;
let zone = "UTC";
let rules = null;
let day = "";
let idempotencyKey = "";
const bookings = new Map(); // id -> booking (the API's shape)

function localDay(date) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

function shiftDay(iso, days) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

function longDay(iso, capital = true) {
  const text = new Intl.DateTimeFormat(language, { timeZone: "UTC", weekday: "long", day: "numeric", month: "long" }).format(new Date(`${iso}T12:00:00Z`));
  return capital ? text.charAt(0).toLocaleUpperCase(language) + text.slice(1) : text; // "lunedì 7 dicembre" may start a line
}

// The booking's slot on the slot grid from the rules: its key (HH:MM, 24 h, business's zone) and its start.
function slotOf(booking) {
  const hhmm = time(booking.starts_at, zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const [h, m] = hhmm.split(":").map(Number);
  const step = rules && rules.slot_minutes ? rules.slot_minutes : 30;
  const minutes = Math.floor((h * 60 + m) / step) * step;
  const key = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
  const startsAt = new Date(new Date(booking.starts_at).getTime() - (h * 60 + m - minutes) * 60_000).toISOString();
  return { key, startsAt };
}

function seatsInUse(slotStart) {
  const at = new Date(slotStart).getTime();
  let seats = 0;
  for (const b of bookings.values()) {
    if (HOLDING.has(b.status) && new Date(b.starts_at).getTime() <= at && at < new Date(b.ends_at).getTime()) seats += b.party_size;
  }
  return seats;
}

function actions(booking) {
  const buttons = (NEXT[booking.status] || []).map((to) =>
    el("button", { type: "button", class: `button button-small button-${to}`, "data-action": "transition", "data-to": to, text: t(`res_to_${to}`) }),
  );
  if (booking.status === "pending" || booking.status === "confirmed") {
    buttons.push(el("button", { type: "button", class: "button button-small button-reject", "data-action": "cancel", text: t("res_cancel") }));
  }
  return el("div", { class: "res-actions" }, ...buttons);
}

function row(booking) {
  const muted = !HOLDING.has(booking.status);
  return el(
    "tr",
    { class: muted ? "row-muted" : "", "data-reservation-id": booking.id, "data-status": booking.status },
    el(
      "td",
      {},
      el("strong", { text: booking.name || t("no_name") }),
      slotOf(booking).key !== time(booking.starts_at, zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        ? el("span", { class: "res-at", text: ` · ${time(booking.starts_at, zone)}` }) // off the slot grid
        : null,
      booking.notes ? el("span", { class: "res-notes", text: booking.notes }) : null,
    ),
    el("td", {}, el("a", { href: `tel:${booking.phone}`, class: "mono", text: booking.phone })),
    el("td", { class: "num" }, el("span", { class: "party", text: String(booking.party_size), "aria-label": t("guests_n", { n: booking.party_size }) })),
    el("td", {}, el("span", { class: `badge badge-res-${booking.status}`, text: t(`res_status_${booking.status}`) })),
    el("td", { class: "actions" }, el("p", { class: "card-error", "data-row-error": "", hidden: true }), actions(booking)),
  );
}

function render() {
  const list = [...bookings.values()].sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.id - b.id);
  const bySlot = new Map();
  for (const b of list) {
    const { key, startsAt } = slotOf(b);
    if (!bySlot.has(key)) bySlot.set(key, { startsAt, group: [] });
    bySlot.get(key).group.push(b);
  }
  const holding = list.filter((b) => HOLDING.has(b.status));
  const covers = holding.reduce((sum, b) => sum + b.party_size, 0);
  summary.textContent = `${longDay(day)} · ${t("bookings_covers", { bookings: holding.length, covers })}`;
  noBookings.hidden = list.length > 0;
  const seats = rules ? rules.seats_per_slot : null;
  slots.replaceChildren(
    ...[...bySlot.entries()].map(([slot, { startsAt, group }]) => {
      const arriving = group.filter((b) => HOLDING.has(b.status)).reduce((sum, b) => sum + b.party_size, 0);
      const inUse = seatsInUse(startsAt);
      const full = seats && inUse >= seats;
      return el(
        "section",
        { class: "res-slot", "data-slot": slot, "aria-labelledby": `slot-${slot.replace(":", "")}` },
        el(
          "h2",
          { class: "res-slot-head", id: `slot-${slot.replace(":", "")}` },
          el("span", { class: "res-slot-time", text: time(startsAt, zone) }),
          el("span", { class: "res-covers", "data-covers": String(arriving), text: arriving === 1 ? t("covers_one") : t("covers_n", { n: arriving }) }),
          seats ? el("span", { class: `res-seats ${full ? "live-full" : ""}`, text: t("seats_in_use", { used: inUse, seats }) }) : null,
        ),
        el(
          "div",
          { class: "table-wrap" },
          el(
            "table",
            { class: "table res-table" },
            el("caption", { class: "visually-hidden", text: t("bookings_at", { time: time(startsAt, zone) }) }),
            el(
              "thead",
              {},
              el("tr", {}, ...["res_col_guest", "res_col_phone", "res_col_party", "res_col_status"].map((k) =>
                el("th", { scope: "col", class: k === "res_col_party" ? "num" : "", text: t(k) })),
              el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: t("actions") }))),
            ),
            el("tbody", {}, ...group.map(row)),
          ),
        ),
      );
    }),
  );
}

async function loadDay() {
  const list = await apiAll(`businesses/${context.businessId}/reservations/?day=${day}&page_size=200`);
  bookings.clear();
  for (const b of list) bookings.set(b.id, b);
  render();
}

// The free times for the chosen day and party. The old list stays until the new one arrives: a form
// that reshapes under the pointer loses the click on "Book".
let shownAvailability = "";
async function loadAvailability({ force = false } = {}) {
  const select = form.starts_at;
  const party = Number(form.party_size.value);
  const wanted = `${day}/${party}`;
  if (!force && wanted === shownAvailability) return;
  shownAvailability = wanted;
  form.querySelector("[data-book-day]").textContent = t("booking_for", { day: longDay(day, false) });
  if (!party || party < 1) {
    select.replaceChildren();
    availability.textContent = "";
    return;
  }
  try {
    const answer = await api(`businesses/${context.businessId}/reservations/availability/?date=${day}&party_size=${party}`);
    if (wanted !== shownAvailability) return; // a later choice won
    const chosen = select.value;
    select.replaceChildren(...answer.starts.map((iso) => new Option(time(iso, zone), iso, false, iso === chosen)));
    availability.textContent = answer.starts.length ? t("free_times", { n: answer.starts.length }) : t("no_free_times");
  } catch (error) {
    if (wanted !== shownAvailability) return;
    select.replaceChildren();
    availability.textContent = error.status === 400 ? Object.values(error.body || {}).flat().join(" ") : t("error");
  }
}

async function setDay(iso) {
  if (!iso) return;
  day = iso;
  dayInput.value = iso;
  const url = new URL(location.href);
  url.searchParams.set("day", iso);
  history.replaceState(null, "", url);
  clearErrors(form);
  await Promise.all([loadDay(), loadAvailability()]);
}

async function changeDay(iso) {
  try {
    await setDay(iso);
  } catch (error) {
    showFailure(widget, error);
  }
}

dayInput.addEventListener("change", () => changeDay(dayInput.value));
widget.querySelector("[data-action=day-before]").addEventListener("click", () => changeDay(shiftDay(day, -1)));
widget.querySelector("[data-action=day-after]").addEventListener("click", () => changeDay(shiftDay(day, 1)));
widget.querySelector("[data-action=today]").addEventListener("click", () => changeDay(localDay(new Date())));
form.party_size.addEventListener("change", () => loadAvailability());

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    starts_at: form.starts_at.value,
    party_size: Number(form.party_size.value) || form.party_size.value,
    name: form.name.value.trim(),
    phone: form.phone.value.trim(),
    notes: form.notes.value.trim(),
    idempotency_key: idempotencyKey,
  };
  const made = await submitting(form, () => api(`businesses/${context.businessId}/reservations/`, { method: "POST", body }));
  if (!made) {
    if (form.querySelector("[data-error-for=starts_at]").textContent) loadAvailability({ force: true }); // the slot may have filled
    return;
  }
  idempotencyKey = newKey();
  form.name.value = form.phone.value = form.notes.value = "";
  if (localDay(new Date(made.starts_at)) === day) bookings.set(made.id, made);
  render();
  loadAvailability({ force: true });
});

async function act(id, path, body) {
  const tr = slots.querySelector(`tr[data-reservation-id="${id}"]`);
  const error = tr && tr.querySelector("[data-row-error]");
  tr?.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    const updated = await api(`businesses/${context.businessId}/reservations/${id}/${path}`, { method: "POST", body });
    bookings.set(updated.id, updated);
    render();
    loadAvailability({ force: true });
  } catch (failure) {
    if (failure.status === 401) return toSignIn();
    tr?.querySelectorAll("button").forEach((b) => (b.disabled = false));
    if (error) {
      error.textContent = failure.status ? Object.values(failure.body || {}).flat().filter((v) => typeof v === "string").join(" ") || failure.message : t("offline");
      error.hidden = false;
    }
  }
}

slots.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = Number(button.closest("tr").dataset.reservationId);
  if (button.dataset.action === "transition") act(id, "transition/", { to_status: button.dataset.to });
  if (button.dataset.action === "cancel") {
    const booking = bookings.get(id);
    const cancelForm = dialog.querySelector("[data-cancel-form]");
    cancelForm.reset();
    dialog.querySelector("[data-cancel-error]").textContent = "";
    dialog.querySelector("[data-cancel-title]").textContent = t("cancel_title", { name: booking.name, time: time(booking.starts_at, zone), n: booking.party_size });
    dialog.dataset.reservationId = String(id);
    dialog.showModal();
  }
});

dialog.querySelector("[data-action=close-dialog]").addEventListener("click", () => dialog.close());
dialog.querySelector("[data-cancel-form]").addEventListener("submit", (event) => {
  event.preventDefault();
  const choice = event.target.reason.value;
  const reason = choice === "other" ? event.target.other.value.trim() : choice;
  if (!reason) {
    dialog.querySelector("[data-cancel-error]").textContent = t("reason_needed");
    return;
  }
  dialog.close();
  act(Number(dialog.dataset.reservationId), "cancel/", { reason });
});

function onEvent(event) {
  if (!event.type.startsWith("reservation.")) return;
  const p = event.payload;
  const booking = { ...(bookings.get(p.reservation_id) || {}), ...p, id: p.reservation_id };
  delete booking.reservation_id;
  delete booking.previous_status;
  if (p.starts_at.slice(0, 10) === day) bookings.set(booking.id, booking); // the payload is in the business's zone
  else bookings.delete(booking.id); // moved to another day
  render();
}

function onState(state) {
  feedDot.dataset.feedState = state;
  feedDot.textContent = t(`feed_${state}`);
  if (connection) {
    connection.hidden = state !== "offline";
    connection.textContent = state === "offline" ? t("offline") : "";
  }
  if (state === "signed-out") toSignIn();
}

const load = loader(widget, async () => {
  context = context || (await start());
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  zone = context.membership.timezone;
  rules = await api(`businesses/${context.businessId}/reservation-settings/`);
  form.party_size.max = String(rules.max_party_size || 50);
  idempotencyKey = idempotencyKey || newKey();
  const asked = new URLSearchParams(location.search).get("day");
  await setDay(/^\d{4}-\d{2}-\d{2}$/.test(asked || "") ? asked : localDay(new Date()));
  showState(widget, "ready");
  new Feed(context.businessId, { onSnapshot() {}, onEvent, onState }).start();
});
load();
