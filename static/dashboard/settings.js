// Settings (managers and owners): each section is its own widget with its own states and its own
// save, so a refusal in one (an overlap in the hours) loses nothing typed in another.
import { api } from "./api.js";
import { languageName } from "./fmt.js";
import { t } from "./i18n.js";
import { roleAllows, start } from "./shell.js";
import { clearErrors, submitting } from "./forms.js";
import { el, loader, showState } from "./widget.js";
import { hoursWidget } from "./settings_hours.js";
import { closuresWidget, faqWidget, membersWidget } from "./settings_lists.js";

const page = document.querySelector("[data-widget=settings]");
const LANGUAGES = JSON.parse(document.getElementById("agent-languages").textContent);

function section(name) {
  return document.querySelector(`[data-widget="${name}"]`);
}

// A form's value for the API, by the field's type.
function valueOf(form, name) {
  const field = form.elements[name];
  if (name === "other_languages") return [...form.querySelectorAll("[name=other_languages]:checked")].map((c) => c.value);
  if (field.type === "checkbox") return field.checked;
  if (field.type === "number") return field.value === "" ? null : Number(field.value);
  return field.value.trim();
}

function fill(form, data) {
  for (const [name, value] of Object.entries(data)) {
    if (name === "other_languages") {
      form.querySelectorAll("[name=other_languages]").forEach((c) => (c.checked = value.includes(c.value)));
      continue;
    }
    const field = form.elements[name];
    if (!field || !field.tagName) continue;
    if (field.type === "checkbox") field.checked = !!value;
    else {
      if (field.tagName === "SELECT" && value && ![...field.options].some((o) => o.value === value)) field.append(new Option(value, value));
      field.value = value ?? "";
    }
  }
}

// A section that GETs an object and PATCHes the fields that changed.
function patchForm(widget, path, initial) {
  const form = widget.querySelector("form");
  let data = initial;
  const names = () => [...new Set([...form.elements].map((f) => f.name).filter((n) => n && n in data))];
  fill(form, data);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    for (const name of names()) {
      const value = valueOf(form, name);
      if (JSON.stringify(value) !== JSON.stringify(data[name])) body[name] = value;
    }
    if (!Object.keys(body).length) {
      clearErrors(form);
      form.querySelector("[data-save-status]").textContent = t("saved");
      return;
    }
    const saved = await submitting(form, () => api(path, { method: "PATCH", body }));
    if (saved) {
      data = saved;
      fill(form, data);
      if ("name" in body && widget.dataset.widget === "profile") {
        const label = document.querySelector("[data-widget=business-name]");
        if (label && label.textContent) label.textContent = saved.name;
      }
    }
  });
  showState(widget, "ready");
}

function profileChoices(business) {
  const form = section("profile").querySelector("form");
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  if (!zones.includes(business.timezone)) zones.unshift(business.timezone);
  form.querySelector("[data-timezones]").replaceChildren(...zones.map((z) => new Option(z.replaceAll("_", " "), z)));
  form.querySelector("[data-languages]").replaceChildren(...LANGUAGES.map((code) => new Option(languageName(code), code)));
  form.querySelector("[data-language-checks]").replaceChildren(
    ...LANGUAGES.map((code) =>
      el("label", { class: "radio" }, el("input", { type: "checkbox", name: "other_languages", value: code }), ` ${languageName(code)}`),
    ),
  );
}

// Each section loads on its own: one failing shows its error and a retry, the others work.
function sectionLoader(name, load) {
  const widget = section(name);
  const run = loader(widget, () => load(widget));
  return run();
}

let context = null;
const load = loader(page, async () => {
  context = context || (await start());
  if (!context.membership) return showState(page, "not-found", t("not_found"));
  if (!roleAllows(context.membership.role, "manager")) return showState(page, "forbidden", t("forbidden"));
  showState(page, "ready");
  const id = context.businessId;
  const base = `businesses/${id}/`;
  const owner = roleAllows(context.membership.role, "owner");
  document.querySelectorAll("[data-owner-only]").forEach((node) => (node.hidden = !owner));
  let business = null;
  const getBusiness = async () => (business = business || (await api(base)));
  await Promise.all([
    sectionLoader("profile", async (widget) => {
      const b = await getBusiness();
      profileChoices(b);
      patchForm(widget, base, pick(b, ["name", "address", "public_phone", "timezone", "default_language", "other_languages"]));
      // the main language is not "another" language: its box is off and greyed
      const form = widget.querySelector("form");
      const sync = () =>
        form.querySelectorAll("[name=other_languages]").forEach((box) => {
          box.disabled = box.value === form.default_language.value;
          if (box.disabled) box.checked = false;
        });
      form.default_language.addEventListener("change", sync);
      sync();
    }),
    sectionLoader("agent", async (widget) => {
      const b = await getBusiness();
      patchForm(widget, base, pick(b, ["agent_greeting", "agent_system_prompt", "agent_voice"]));
    }),
    sectionLoader("hours", (widget) => hoursWidget(widget, base)),
    sectionLoader("closures", (widget) => closuresWidget(widget, base)),
    sectionLoader("order-settings", async (widget) => patchForm(widget, `${base}order-settings/`, await api(`${base}order-settings/`))),
    sectionLoader("reservation-settings", async (widget) =>
      patchForm(widget, `${base}reservation-settings/`, await api(`${base}reservation-settings/`)),
    ),
    sectionLoader("faq", (widget) => faqWidget(widget, base)),
    owner ? sectionLoader("members", (widget) => membersWidget(widget, base, context.me)) : null,
  ]);
});

function pick(object, keys) {
  return Object.fromEntries(keys.map((k) => [k, object[k]]));
}

load();
