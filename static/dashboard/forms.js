// A form's refusals from the API next to their fields: `[data-error-for=<key>]` under each field,
// anything without a field (non_field_errors, detail, a nested list) in the form's `[data-form-error]`.
import { t } from "./i18n.js";

export function clearErrors(form) {
  const box = form.querySelector("[data-form-error]");
  if (box) box.hidden = true;
  form.querySelectorAll("[data-error-for]").forEach((p) => (p.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid"));
}

function sentences(value) {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(sentences);
  if (value && typeof value === "object") return Object.values(value).flatMap(sentences);
  return [];
}

// Shows a failed save: field errors for a 400, the API's sentence or "offline" otherwise.
export function showErrors(form, error) {
  const box = form.querySelector("[data-form-error]");
  const general = [];
  let first = null;
  if (error && error.status === 400) {
    for (const [key, value] of Object.entries(error.body || {})) {
      const slot = form.querySelector(`[data-error-for="${key}"]`);
      if (!slot || key === "code") {
        if (key !== "code") general.push(...sentences(value));
        continue;
      }
      slot.textContent = sentences(value).join(" ");
      const field = form.elements[key];
      if (field && field.setAttribute) {
        field.setAttribute("aria-invalid", "true");
        first = first || field;
      }
    }
    general.unshift(first ? t("save_failed") : t("not_saved")); // "highlighted" only when something is
  } else {
    general.push(error && error.status ? error.message : t("offline"));
  }
  if (box) {
    box.textContent = general.join(" ");
    box.hidden = false;
  }
  (first || box)?.focus?.();
}

// Runs `save` with the submit button disabled; shows "Saved." or the refusals.
export async function submitting(form, save) {
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  const status = form.querySelector("[data-save-status]");
  if (button) button.disabled = true;
  if (status) status.textContent = "";
  try {
    const result = await save();
    if (status) status.textContent = t("saved");
    return result;
  } catch (error) {
    showErrors(form, error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
