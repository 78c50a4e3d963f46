// One menu item (managers and owners): its name, description, price in the business's currency, category
// and sale flag, saved field by field (only what changed), and its groups of options (menu_options.js).
// Without an id the page adds an item; once added it becomes that item's page, ready for its options.
import { api, apiAll } from "./api.js";
import { amountField, amountValue, currencySymbol } from "./fmt.js";
import { submitting } from "./forms.js";
import { t } from "./i18n.js";
import { optionsWidget } from "./menu_options.js";
import { roleAllows, start } from "./shell.js";
import { loader, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=menu-item]");
const form = widget.querySelector("[data-item-form]");
const optionsBox = widget.querySelector("[data-options]");
let itemId = Number(widget.dataset.itemId) || null;
let item = null;
let context = null;
let options = null;

function render() {
  widget.querySelector("[data-title]").textContent = item ? item.name : t("new_item");
  document.title = `${item ? item.name : t("new_item")} · PanBot`;
  form.querySelector("[data-submit]").textContent = item ? t("save") : t("add_item");
  optionsBox.querySelector("[data-options-later]").hidden = !!item;
  optionsBox.querySelectorAll("[data-groups], [data-add-group-box]").forEach((node) => (node.hidden = !item));
  if (!item) return;
  form.elements.name.value = item.name;
  form.elements.description.value = item.description;
  form.elements.price.value = amountField(item.price);
  form.elements.category_id.value = String(item.category_id);
  form.elements.is_available.checked = item.is_available;
}

function values() {
  return {
    name: form.elements.name.value.trim(),
    description: form.elements.description.value.trim(),
    price: amountValue(form.elements.price.value),
    category_id: Number(form.elements.category_id.value) || null,
    is_available: form.elements.is_available.checked,
  };
}

// Only what changed goes: a sold-out switch flipped on another screen meanwhile is not undone.
function changes() {
  const body = Object.fromEntries(Object.entries(values()).filter(([key, value]) => String(value) !== String(item[key])));
  if (Number(body.price) === Number(item.price)) delete body.price; // "8,5" is "8.50"
  return body;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const base = `businesses/${context.businessId}/menu/items/`;
  if (!item) {
    const made = await submitting(form, () => api(base, { method: "POST", body: values() }));
    if (!made) return;
    item = made;
    itemId = made.id;
    history.replaceState(null, "", `/app/b/${context.businessId}/menu/items/${itemId}/`);
    render();
    options.render(item);
    return;
  }
  const body = changes();
  const saved = await submitting(form, async () => (Object.keys(body).length ? api(`${base}${itemId}/`, { method: "PATCH", body }) : item));
  if (!saved) return;
  item = saved;
  render();
});

const load = loader(widget, async () => {
  context = context || (await start());
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  if (!roleAllows(context.membership.role, "manager")) return showState(widget, "forbidden", t("forbidden"));
  const currency = context.membership.currency;
  const base = `businesses/${context.businessId}/menu/`;
  const [categories, loaded] = await Promise.all([
    apiAll(`${base}categories/`),
    itemId ? api(`${base}items/${itemId}/`) : null,
  ]);
  item = loaded;
  form.elements.category_id.replaceChildren(...categories.map((c) => new Option(c.name, String(c.id))));
  widget.querySelector("[data-currency]").textContent = currencySymbol(currency);
  widget.querySelector("[data-price-example]").textContent = t("price_example", { amount: amountField("8.50") });
  form.elements.is_available.checked = true;
  options = options || optionsWidget(optionsBox, { base, currency });
  render();
  if (item) options.render(item);
  showState(widget, "ready");
  if (!item) form.elements.name.focus();
});
load();
