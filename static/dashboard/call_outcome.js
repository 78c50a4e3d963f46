// How a call ended, in words an owner reads: answered, transferred, or lost/failed with the reason.
import { t } from "./i18n.js";

const LOST_WHEN_COMPLETED = new Set(["worker_full", "ghost"]); // the record says completed; the caller got nothing

export function outcome(call) {
  if (call.status === "in_progress") return { text: t("outcome_live"), tone: "badge-ok" };
  if (call.status === "completed" && !LOST_WHEN_COMPLETED.has(call.reason)) {
    const text = call.reason === "transferred" ? t("outcome_transferred") : t("outcome_answered");
    return { text, tone: "badge-ok" };
  }
  const text = t(`reason_${call.reason}`) === `reason_${call.reason}` ? call.reason : t(`reason_${call.reason}`);
  return { text: call.status === "failed" ? t("outcome_failed", { reason: text }) : t("outcome_lost", { reason: text }), tone: "badge-lost" };
}
