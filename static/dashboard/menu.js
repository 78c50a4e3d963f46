// The menu for the kitchen: every item with a one-tap sold-out switch (and its options' switches);
// for managers and owners, who may change the menu, a link to edit each item and one to add an item.
// Changes made on another screen arrive over the live feed (menu.item_updated).
import { api, apiAll } from "./api.js";
import { Feed } from "./feed.js";
import { money } from "./fmt.js";
import { t } from "./i18n.js";
import { roleAllows, start } from "./shell.js";
import { el, loader, showFailure, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=menu]");
const list = widget.querySelector("[data-categories]");
const search = document.querySelector("[data-menu-search]");
const noMatch = widget.querySelector("[data-no-match]");
let context = null;
let currency = "EUR";
let canEdit = false;

function toggle({ kind, id, name, available }) {
  return el(
    "button",
    {
      type: "button",
      class: `switch ${available ? "switch-on" : "switch-off"}`,
      "aria-pressed": available ? "false" : "true", // pressed = sold out
      "aria-label": t(available ? "toggle_item" : "toggle_item_off", { name }),
      "data-kind": kind,
      "data-id": id,
      "data-available": String(available),
    },
    el("span", { class: "switch-track", "aria-hidden": "true" }),
    el("span", { class: "switch-text", text: available ? t("on_sale") : t("sold_out") }),
  );
}

function itemRow(item) {
  const modifiers = item.modifier_groups.flatMap((group) => group.modifiers.map((m) => ({ ...m, group: group.name })));
  const soldOut = modifiers.filter((m) => !m.is_available).length;
  return el(
    "li",
    { class: `menu-item ${item.is_available ? "" : "menu-item-off"}`, "data-item-id": item.id, "data-name": item.name.toLowerCase() },
    el(
      "div",
      { class: "menu-item-main" },
      el("span", { class: "menu-item-name", text: item.name }),
      el("span", { class: "menu-item-price", text: money(item.price, currency) }),
      toggle({ kind: "items", id: item.id, name: item.name, available: item.is_available }),
      canEdit
        ? el("a", {
            class: "button button-small",
            href: `/app/b/${context.businessId}/menu/items/${item.id}/`,
            "aria-label": t("edit_item", { name: item.name }),
            text: t("edit"),
          })
        : null,
    ),
    modifiers.length
      ? el(
          "details",
          { class: "menu-options" },
          el("summary", { text: soldOut ? t("options_sold_out", { n: soldOut }) : t("options") }),
          el(
            "ul",
            {},
            ...modifiers.map((m) =>
              el(
                "li",
                { class: "menu-option", "data-modifier-id": m.id },
                el("span", { text: `${m.group}: ${m.name}` }),
                toggle({ kind: "modifiers", id: m.id, name: `${m.group}: ${m.name}`, available: m.is_available }),
              ),
            ),
          ),
        )
      : null,
  );
}

let categories = [];
let items = [];

function render() {
  const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.closest("[data-item-id]").dataset.itemId));
  list.replaceChildren(
    ...categories.map((category) =>
      el(
        "section",
        { class: "menu-category", "aria-labelledby": `cat-${category.id}` },
        el("h2", { id: `cat-${category.id}`, text: category.name }),
        el("ul", { class: "menu-items" }, ...items.filter((i) => i.category_id === category.id).map(itemRow)),
      ),
    ),
  );
  list.querySelectorAll("[data-item-id]").forEach((row) => {
    if (open.has(row.dataset.itemId)) row.querySelector("details")?.setAttribute("open", "");
  });
  filter();
}

function filter() {
  const query = search.value.trim().toLowerCase();
  let shown = 0;
  list.querySelectorAll(".menu-item").forEach((row) => {
    row.hidden = query !== "" && !row.dataset.name.includes(query);
    if (!row.hidden) shown++;
  });
  list.querySelectorAll(".menu-category").forEach((section) => {
    section.hidden = !section.querySelector(".menu-item:not([hidden])");
  });
  noMatch.hidden = shown > 0;
}

function setItem(id, available) {
  const item = items.find((i) => i.id === id);
  if (item) item.is_available = available;
}

// What another screen changed: sold out or back, or (a manager's edit) name, price, category.
function itemUpdated({ item_id, name, price, category_id, is_available }) {
  const item = items.find((i) => i.id === item_id);
  if (item) Object.assign(item, { name, price, category_id, is_available });
}

function setModifier(id, available) {
  for (const item of items) for (const group of item.modifier_groups) for (const m of group.modifiers) if (m.id === id) m.is_available = available;
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest("button.switch");
  if (!button || button.disabled) return;
  const id = Number(button.dataset.id);
  const available = button.dataset.available !== "true";
  button.disabled = true;
  try {
    await api(`businesses/${context.businessId}/menu/${button.dataset.kind}/${id}/availability/`, {
      method: "POST",
      body: { is_available: available },
    });
    (button.dataset.kind === "items" ? setItem : setModifier)(id, available);
    render();
    list.querySelector(`button.switch[data-kind="${button.dataset.kind}"][data-id="${id}"]`)?.focus();
  } catch (error) {
    button.disabled = false;
    button.classList.add("switch-error");
    button.title = error.status ? error.message : t("offline");
  }
});

search.addEventListener("input", filter);

let feed = null;

async function readMenu() {
  [categories, items] = await Promise.all([
    apiAll(`businesses/${context.businessId}/menu/categories/`),
    apiAll(`businesses/${context.businessId}/menu/items/?page_size=200`),
  ]);
  if (!items.length) return showState(widget, "empty", t("empty_menu"));
  render();
  showState(widget, "ready");
}

const load = loader(widget, async () => {
  context = context || (await start());
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  currency = context.membership.currency;
  canEdit = roleAllows(context.membership.role, "manager"); // the API lets managers and owners change the menu
  document.querySelector("[data-add-item]").hidden = !canEdit;
  if (feed) return readMenu(); // "Try again" after a failed read: the feed is running
  feed = new Feed(context.businessId, {
    // The menu is read once the feed is live: a change made meanwhile on another screen is either
    // in what is read or arrives after it as an event.
    onSnapshot: () => readMenu().catch((error) => showFailure(widget, error)),
    onEvent(event) {
      if (event.type === "menu.item_updated") {
        itemUpdated(event.payload);
        render();
      }
    },
    onState(state) {
      const banner = document.querySelector("[data-widget=connection]");
      banner.hidden = state !== "offline";
      banner.textContent = state === "offline" ? t("offline") : "";
    },
  });
  await feed.start();
});
load();
