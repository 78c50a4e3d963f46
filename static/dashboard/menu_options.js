// An item's groups of options (name, how many a caller chooses) and their options (name, extra price,
// on sale), each row a form of its own that saves on its own: a refusal in one (its field errors next to
// its fields) loses nothing typed in another. Adds groups and options; nothing is deleted (the API has no
// delete: an option is taken off sale instead).
import { api } from "./api.js";
import { amountField, amountValue, currencySymbol } from "./fmt.js";
import { submitting } from "./forms.js";
import { t } from "./i18n.js";
import { el } from "./widget.js";

function field(id, name, label, control, { hiddenLabel = false, help = null } = {}) {
  control.id = id;
  control.name = name;
  control.setAttribute("aria-describedby", [help ? `h-${id}` : null, `e-${id}`].filter(Boolean).join(" "));
  return el(
    "div",
    { class: "field" },
    el("label", { for: id, class: hiddenLabel ? "visually-hidden" : null, text: label }),
    control,
    help ? el("p", { class: "help", id: `h-${id}`, text: help }) : null,
    el("p", { class: "field-error", id: `e-${id}`, "data-error-for": name }),
  );
}

function input(value, attributes = {}) {
  const node = el("input", { autocomplete: "off", ...attributes });
  node.value = value ?? "";
  return node;
}

function formError() {
  return el("div", { class: "form-error", "data-form-error": "", role: "alert", tabindex: "-1", hidden: true });
}

function actions(button) {
  return el("div", { class: "form-actions" }, button, el("span", { class: "save-status", "data-save-status": "", role: "status", "aria-live": "polite" }));
}

// A number field's value for the API: null when empty (the API says it is required).
function count(field) {
  return field.value === "" ? null : Number(field.value);
}

// The fields of `values` that differ from the row the API gave.
function changed(values, row) {
  return Object.fromEntries(Object.entries(values).filter(([key, value]) => String(value) !== String(row[key])));
}

export function optionsWidget(box, { base, currency }) {
  const groupsBox = box.querySelector("[data-groups]");
  const addGroup = box.querySelector("[data-add-group]");
  const symbol = currencySymbol(currency);
  const groups = new Map(); // id -> group as the API gave it
  const options = new Map(); // id -> option as the API gave it
  let itemId = null;

  function optionForm(option, group) {
    const id = option ? `m${option.id}` : `m-new${group.id}`;
    const price = (amount) => input(amount === undefined ? "" : amountField(amount), { inputmode: "decimal" });
    if (!option) {
      return el(
        "form",
        { class: "option-row", "data-add-option": "", novalidate: true },
        formError(),
        field(`${id}-name`, "name", t("new_option_name"), input("", { maxlength: "80", placeholder: t("new_option_name") }), { hiddenLabel: true }),
        field(`${id}-price_delta`, "price_delta", t("new_option_price", { currency: symbol }), price(), { hiddenLabel: true }),
        el("span", { "aria-hidden": "true" }), // under "On sale": a new option is on sale
        actions(el("button", { type: "submit", class: "button", "aria-label": t("add_option_to", { group: group.name }), text: t("add_option") })),
      );
    }
    const available = el("input", { type: "checkbox", checked: option.is_available });
    return el(
      "form",
      { class: "option-row", "data-option-form": option.id, novalidate: true },
      formError(),
      field(`${id}-name`, "name", t("option_name"), input(option.name, { maxlength: "80" }), { hiddenLabel: true }),
      field(`${id}-price_delta`, "price_delta", t("option_price", { currency: symbol }), price(option.price_delta), { hiddenLabel: true }),
      el(
        "div",
        { class: "field field-check" },
        Object.assign(available, { id: `${id}-is_available`, name: "is_available" }),
        el("label", { for: `${id}-is_available`, class: "visually-hidden", "data-on-sale-label": "", text: t("option_on_sale_of", { name: option.name }) }),
        el("p", { class: "field-error", "data-error-for": "is_available" }),
      ),
      actions(el("button", { type: "submit", class: "button", "aria-label": t("save_option", { name: option.name }), text: t("save") })),
    );
  }

  function groupSection(group) {
    groups.set(group.id, group);
    group.modifiers.forEach((m) => options.set(m.id, m));
    const id = `g${group.id}`;
    const number = (value, min) => input(String(value), { type: "number", min, max: "20", inputmode: "numeric" });
    return el(
      "section",
      { class: "option-group", "data-group-id": group.id, "aria-labelledby": `${id}-title` },
      el("h3", { id: `${id}-title`, "data-group-title": "", text: group.name }),
      el(
        "form",
        { "data-group-form": "", novalidate: true },
        formError(),
        el(
          "div",
          { class: "group-fields" },
          field(`${id}-name`, "name", t("group_name"), input(group.name, { maxlength: "60" })),
          field(`${id}-min_selected`, "min_selected", t("group_min"), number(group.min_selected, "0")),
          field(`${id}-max_selected`, "max_selected", t("group_max"), number(group.max_selected, "1")),
          actions(el("button", { type: "submit", class: "button", "aria-label": t("save_group", { name: group.name }), text: t("save") })),
        ),
      ),
      el(
        "div",
        { class: "option-head", "aria-hidden": "true" },
        el("span", { text: t("option_column") }),
        el("span", { text: t("option_price", { currency: symbol }) }),
        el("span", { text: t("option_on_sale") }),
      ),
      el(
        "ul",
        { class: "option-rows" },
        ...group.modifiers.map((m) => el("li", { "data-option-id": m.id }, optionForm(m, group))),
        el("li", {}, optionForm(null, group)),
      ),
    );
  }

  async function saveGroup(form, group) {
    const values = { name: form.elements.name.value.trim(), min_selected: count(form.elements.min_selected), max_selected: count(form.elements.max_selected) };
    const body = changed(values, group);
    if (!Object.keys(body).length) return submitting(form, async () => group);
    const saved = await submitting(form, () => api(`${base}modifier-groups/${group.id}/`, { method: "PATCH", body }));
    if (!saved) return;
    groups.set(saved.id, saved);
    const section = form.closest("[data-group-id]");
    section.querySelector("[data-group-title]").textContent = saved.name;
    form.querySelector("button[type=submit]").setAttribute("aria-label", t("save_group", { name: saved.name }));
    section.querySelector("[data-add-option] button").setAttribute("aria-label", t("add_option_to", { group: saved.name }));
  }

  async function saveOption(form, option) {
    const values = { name: form.elements.name.value.trim(), price_delta: amountValue(form.elements.price_delta.value), is_available: form.elements.is_available.checked };
    const body = changed(values, option);
    if (Number(body.price_delta) === Number(option.price_delta)) delete body.price_delta; // "1,5" is "1.50"
    if (!Object.keys(body).length) return submitting(form, async () => option);
    const saved = await submitting(form, () => api(`${base}modifiers/${option.id}/`, { method: "PATCH", body }));
    if (!saved) return;
    options.set(saved.id, saved);
    form.elements.price_delta.value = amountField(saved.price_delta);
    form.querySelector("button[type=submit]").setAttribute("aria-label", t("save_option", { name: saved.name }));
    form.querySelector("[data-on-sale-label]").textContent = t("option_on_sale_of", { name: saved.name });
  }

  async function addOption(form, group) {
    const body = { group_id: group.id, name: form.elements.name.value.trim() };
    const price = amountValue(form.elements.price_delta.value);
    if (price !== "") body.price_delta = price; // empty: no extra price
    const made = await submitting(form, () => api(`${base}modifiers/`, { method: "POST", body }));
    if (!made) return;
    options.set(made.id, made);
    const row = el("li", { "data-option-id": made.id }, optionForm(made, group));
    form.closest("li").before(row);
    form.reset();
    form.elements.name.focus(); // the next option, straight away
  }

  groupsBox.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const group = groups.get(Number(form.closest("[data-group-id]").dataset.groupId));
    if ("groupForm" in form.dataset) saveGroup(form, group);
    else if ("addOption" in form.dataset) addOption(form, group);
    else saveOption(form, options.get(Number(form.dataset.optionForm)));
  });

  addGroup.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      item_id: itemId,
      name: addGroup.elements.name.value.trim(),
      min_selected: count(addGroup.elements.min_selected),
      max_selected: count(addGroup.elements.max_selected),
    };
    const made = await submitting(addGroup, () => api(`${base}modifier-groups/`, { method: "POST", body }));
    if (!made) return;
    const section = groupSection(made);
    groupsBox.append(section);
    addGroup.reset();
    addGroup.closest("details").open = false;
    section.querySelector("[data-add-option] input[name=name]").focus(); // its first option next
  });

  return {
    render(item) {
      itemId = item.id;
      groups.clear();
      options.clear();
      groupsBox.replaceChildren(...item.modifier_groups.map(groupSection));
      box.querySelector("[data-add-group-box]").open = item.modifier_groups.length === 0;
    },
  };
}
