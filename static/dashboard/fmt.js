// Times in the business's zone, money in its currency, in the page's language.
import { language } from "./i18n.js";

export function time(iso, timeZone, options = { hour: "2-digit", minute: "2-digit" }) {
  return new Intl.DateTimeFormat(language, { timeZone, ...options }).format(new Date(iso));
}

export function dateTime(iso, timeZone) {
  return new Intl.DateTimeFormat(language, { timeZone, dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function money(amount, currency) {
  return new Intl.NumberFormat(language, { style: "currency", currency }).format(Number(amount));
}

export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([language], { type: "language" }).of(code);
    return name ? name.charAt(0).toLocaleUpperCase(language) + name.slice(1) : code;
  } catch (error) {
    return code;
  }
}

// A call's length as "1:05" or "1:02:05".
export function duration(seconds) {
  const s = Math.round(Number(seconds));
  const hours = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(hours ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

// An amount in a form field: shown with the page's decimal separator ("8,50" in Italian), read back as
// the API's decimal string ("8.50"). Anything else goes as typed, for the API to refuse on its field.
const DECIMAL = new Intl.NumberFormat(language).formatToParts(1.5).find((part) => part.type === "decimal").value;

export function amountField(amount) {
  return String(amount).replace(".", DECIMAL);
}

export function amountValue(text) {
  const value = text.trim();
  return /^\d+,\d{1,2}$/.test(value) ? value.replace(",", ".") : value;
}

export function currencySymbol(currency) {
  const parts = new Intl.NumberFormat(language, { style: "currency", currency }).formatToParts(0);
  return parts.find((part) => part.type === "currency")?.value || currency;
}
