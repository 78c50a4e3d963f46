// One number: its label, active flag and the agent settings it overrides. Saving sends only what
// changed, key by key: an emptied field clears the override (the restaurant's default applies again).
import { api } from "./api.js";
import { languageName } from "./fmt.js";
import { t } from "./i18n.js";
import { roleAllows, start } from "./shell.js";
import { el, loader, showState } from "./widget.js";

const AGENT_LANGUAGES = ["it", "en", "de", "fr", "es", "pt", "nl", "ja", "zh"];
const OVERFLOW = ["busy", "message", "transfer"];
const OVERRIDES = ["greeting", "language", "system_prompt", "overflow_action", "overflow_message", "transfer_number"];
const SHOWN = ["greeting", "language", "system_prompt", "overflow_action", "overflow_message", "transfer_number", "max_call_minutes"];

const widget = document.querySelector("[data-widget=number]");
const form = widget.querySelector("[data-form]");
const status = widget.querySelector("[data-save-status]");
const formError = form.querySelector("[data-form-error]");
const numberId = widget.dataset.numberId;
let context = null;
let number = null;

function describe(key, value) {
  if (key === "language") return languageName(value);
  if (key === "overflow_action") return t(`overflow_${value}`);
  return value === "" || value === null || value === undefined ? "—" : String(value);
}

function fillSelect(select, values, labelOf, defaultLabel) {
  select.replaceChildren(new Option(defaultLabel, ""), ...values.map((v) => new Option(labelOf(v), v)));
}

// The value each override field shows when the number does not override it: the restaurant's.
function businessDefault(key) {
  return number.effective_config.overridden.includes(key) ? null : number.effective_config[key];
}

function render() {
  widget.querySelector("[data-title]").textContent = number.label ? `${number.label} · ${number.number}` : number.number;
  document.title = `${number.number} · PanBot`;
  form.label.value = number.label;
  form.is_active.checked = number.is_active;
  const override = number.config_override;
  const known = (key) => businessDefault(key) ?? "";
  fillSelect(form.language, AGENT_LANGUAGES, languageName,
    t("business_default_language", { language: languageName(known("language")) || "—" }));
  fillSelect(form.overflow_action, OVERFLOW, (v) => t(`overflow_${v}`),
    t("business_default", { value: known("overflow_action") ? t(`overflow_${known("overflow_action")}`) : "—" }));
  for (const key of OVERRIDES) {
    form.elements[key].value = override[key] ?? "";
    const hint = form.querySelector(`[data-default-for=${key}]`);
    if (hint) {
      const fallback = known(key);
      hint.textContent = fallback ? t("default_value", { value: fallback }) : t("default_empty");
      hint.hidden = key in override && !!override[key];
    }
  }
  renderEffective();
  widget.querySelector("[data-limit]").textContent = String(number.max_concurrent_calls);
  widget.querySelector("[data-live]").textContent = t("live_of", { live: number.live_calls, limit: number.max_concurrent_calls });
  toggleDependent();
}

function renderEffective() {
  const list = widget.querySelector("[data-effective]");
  const config = number.effective_config;
  list.replaceChildren(
    ...SHOWN.flatMap((key) => {
      const label = form.querySelector(`label[for=f-${key}]`) || { textContent: t(`config_${key}`) };
      const source = config.overridden.includes(key) ? t("from_number") : t("from_business");
      return [
        el("dt", { text: label ? label.textContent : key }),
        el("dd", { "data-effective-key": key },
          el("span", { class: "value", text: describe(key, config[key]) }),
          el("span", { class: config.overridden.includes(key) ? "source source-number" : "source", text: source })),
      ];
    }),
  );
}

function toggleDependent() {
  const action = form.overflow_action.value || businessDefault("overflow_action");
  form.querySelectorAll("[data-show-when]").forEach((field) => {
    const [, value] = field.dataset.showWhen.split("=");
    field.hidden = action !== value;
  });
}

function changes() {
  const body = {};
  if (form.label.value !== number.label) body.label = form.label.value;
  if (form.is_active.checked !== number.is_active) body.is_active = form.is_active.checked;
  const override = {};
  for (const key of OVERRIDES) {
    const value = form.elements[key].value.trim();
    const current = number.config_override[key] ?? "";
    if (value === String(current)) continue;
    override[key] = value === "" ? null : value;
  }
  if (Object.keys(override).length) body.config_override = override;
  return body;
}

function clearErrors() {
  formError.hidden = true;
  form.querySelectorAll("[data-error-for]").forEach((p) => (p.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid"));
}

function showErrors(body) {
  const general = [];
  let first = null;
  const place = (key, messages) => {
    const slot = form.querySelector(`[data-error-for=${key}]`);
    if (!slot) return general.push(...messages);
    slot.textContent = `${slot.textContent} ${messages.join(" ")}`.trim();
    const field = form.elements[key];
    field.setAttribute("aria-invalid", "true");
    first = first || field;
  };
  for (const [key, messages] of Object.entries(body || {})) {
    if (key === "config_override" && Array.isArray(messages)) {
      // the API's sentences name the key: "'transfer_number' is not a valid phone number."
      for (const sentence of messages) {
        const match = /^'(\w+)'/.exec(sentence);
        const label = match && form.querySelector(`label[for=f-${match[1]}]`);
        if (label) place(match[1], [sentence.replace(match[0], `“${label.textContent}”`)]);
        else general.push(sentence);
      }
    } else if (Array.isArray(messages)) place(key === "non_field_errors" ? "_" : key, messages);
    else if (key === "detail") general.push(messages);
  }
  formError.textContent = [t("save_failed"), ...general].join(" ");
  formError.hidden = false;
  (first || formError).focus?.();
}

form.overflow_action.addEventListener("change", toggleDependent);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const body = changes();
  if (!Object.keys(body).length) {
    status.textContent = t("saved");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  status.textContent = "";
  try {
    number = await api(`businesses/${context.businessId}/numbers/${numberId}/`, { method: "PATCH", body });
    render();
    status.textContent = t("saved");
  } catch (error) {
    if (error.status === 400) showErrors(error.body);
    else {
      formError.textContent = error.status ? error.message : t("offline");
      formError.hidden = false;
    }
  } finally {
    button.disabled = false;
  }
});

const load = loader(widget, async () => {
  context = context || (await start());
  if (!context.membership) return showState(widget, "not-found", t("not_found"));
  if (!roleAllows(context.membership.role, "manager")) return showState(widget, "forbidden", t("forbidden"));
  number = await api(`businesses/${context.businessId}/numbers/${numberId}/`);
  render();
  showState(widget, "ready");
});
load();
