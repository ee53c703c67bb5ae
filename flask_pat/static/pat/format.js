// Words for times, units and statuses. English only, like the rest of the page.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Requests take a moment: a token made "for 1 hour" has 59:59 left when first listed.
const SLACK = MINUTE;

const UNIT_LABELS = { never: "Never", minutes: "Minutes", hours: "Hours", days: "Days", weeks: "Weeks" };
const STATUS_LABELS = { active: "Active", expiring: "Expiring", expired: "Expired", revoked: "Revoked" };

const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function unitLabel(unit) {
  return UNIT_LABELS[unit] || unit.charAt(0).toUpperCase() + unit.slice(1);
}

/** A project's name, marked "(public)" where that is not already plain from the name. */
export function projectLabel(project) {
  return project.public && !/public/i.test(project.name) ? `${project.name} (public)` : project.name;
}

export function statusLabel(status) {
  return STATUS_LABELS[status] || status;
}

/** The server's clock, as seen from the browser: statuses stay right when the two differ. */
export class Clock {
  constructor() {
    this.offset = 0;
  }

  /** Take the server's time (ISO 8601) as now. */
  sync(serverNow) {
    const server = Date.parse(serverNow);
    this.offset = Number.isNaN(server) ? 0 : server - Date.now();
  }

  now() {
    return Date.now() + this.offset;
  }
}

function count(n, word) {
  return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}

/** "3 days", "5 hours", "12 minutes": a duration rounded to its largest unit. */
export function duration(ms) {
  if (ms >= DAY - SLACK) return count(Math.max(1, Math.round(ms / DAY)), "day");
  if (ms >= HOUR - SLACK) return count(Math.min(23, Math.max(1, Math.round(ms / HOUR))), "hour");
  return count(Math.min(59, Math.max(1, Math.round(ms / MINUTE))), "minute");
}

/**
 * How the Expiration column shows a token: `kind` is "never", "ok", "warning" or
 * "expired"; `text` is "Never", "in 3 days" or "Expired".
 */
export function expiration(expiresAt, now, warningMs) {
  if (!expiresAt) return { kind: "never", text: "Never" };
  const left = Date.parse(expiresAt) - now;
  if (left <= 0) return { kind: "expired", text: "Expired" };
  return { kind: left <= warningMs ? "warning" : "ok", text: `in ${duration(left)}` };
}

/** "just now", "3 minutes ago", "2 days ago", or the date when longer ago than a month. */
export function ago(iso, now) {
  const past = Math.max(0, now - Date.parse(iso));
  if (past < MINUTE) return "just now";
  if (past < HOUR) return `${count(Math.floor(past / MINUTE), "minute")} ago`;
  if (past < DAY) return `${count(Math.floor(past / HOUR), "hour")} ago`;
  if (past < 30 * DAY) return `${count(Math.floor(past / DAY), "day")} ago`;
  return formatDate(iso);
}

export function formatDate(iso) {
  return dateFormat.format(new Date(iso));
}

export function formatDateTime(iso) {
  return dateTimeFormat.format(typeof iso === "number" ? new Date(iso) : new Date(iso));
}

/** When a token made now with `unit` x `value` would expire, or null. */
export function expiresAfter(unit, value, now) {
  const sizes = { minutes: MINUTE, hours: HOUR, days: DAY, weeks: 7 * DAY };
  if (!(unit in sizes) || !Number.isInteger(value) || value < 1) return null;
  const when = now + value * sizes[unit];
  return Number.isFinite(when) && when < 8.64e15 ? when : null;
}
