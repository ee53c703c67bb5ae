// Words for times, units and statuses, in the page's locale (Intl does dates and numbers).

import { gettext, interpolate, locale } from "./i18n.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Requests take a moment: a token made "for 1 hour" has 59:59 left when first listed.
const SLACK = MINUTE;

function intl(make) {
  try {
    return make(locale());
  } catch {
    return make("en");
  }
}

const dateFormat = intl((tag) => new Intl.DateTimeFormat(tag, { year: "numeric", month: "short", day: "numeric" }));
const dateTimeFormat = intl((tag) => new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short" }));
const relative = intl((tag) => new Intl.RelativeTimeFormat(tag, { numeric: "always" }));
const relativeAuto = intl((tag) => new Intl.RelativeTimeFormat(tag, { numeric: "auto" }));
const numbers = intl((tag) => new Intl.NumberFormat(tag));

export function unitLabel(unit) {
  const labels = {
    never: gettext("Never"),
    minutes: gettext("Minutes"),
    hours: gettext("Hours"),
    days: gettext("Days"),
    weeks: gettext("Weeks"),
  };
  return labels[unit] || unit;
}

export function statusLabel(status) {
  const labels = {
    active: gettext("Active"),
    expiring: gettext("Expiring"),
    expired: gettext("Expired"),
    revoked: gettext("Revoked"),
  };
  return labels[status] || status;
}

/** A project's name, marked "(public)" where that is not already plain from the name. */
export function projectLabel(project) {
  return project.public && !/public/i.test(project.name)
    ? interpolate(gettext("%(name)s (public)"), { name: project.name })
    : project.name;
}

export function formatNumber(n) {
  return numbers.format(n);
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

/** `ms` from now (positive: future) as "in 3 days" / "3 days ago", rounded to its largest unit. */
export function fromNow(ms) {
  const size = Math.abs(ms);
  const sign = ms < 0 ? -1 : 1;
  if (size >= DAY - SLACK) return relative.format(sign * Math.max(1, Math.round(size / DAY)), "day");
  if (size >= HOUR - SLACK) return relative.format(sign * Math.min(23, Math.max(1, Math.round(size / HOUR))), "hour");
  return relative.format(sign * Math.min(59, Math.max(1, Math.round(size / MINUTE))), "minute");
}

/**
 * How the Expiration column shows a token: `kind` is "never", "ok", "warning",
 * "expired" or "revoked"; `text` is "Never", "in 3 days" or "Expired".
 */
export function expiration(token, now, warningMs) {
  const expiresAt = token.expires_at;
  const left = expiresAt ? Date.parse(expiresAt) - now : Infinity;
  if (expiresAt && left <= 0) return { kind: "expired", text: gettext("Expired") };
  const kind = token.status === "revoked" ? "revoked" : !expiresAt ? "never" : left <= warningMs ? "warning" : "ok";
  return { kind, text: expiresAt ? fromNow(left) : gettext("Never") };
}

/** "now", "3 minutes ago", "2 days ago", or the date when longer ago than a month. */
export function ago(iso, now) {
  const past = Math.max(0, now - Date.parse(iso));
  if (past < MINUTE) return relativeAuto.format(0, "second");
  if (past < HOUR) return relative.format(-Math.floor(past / MINUTE), "minute");
  if (past < DAY) return relative.format(-Math.floor(past / HOUR), "hour");
  if (past < 30 * DAY) return relative.format(-Math.floor(past / DAY), "day");
  return formatDate(iso);
}

export function formatDate(iso) {
  return dateFormat.format(new Date(iso));
}

export function formatDateTime(iso) {
  return dateTimeFormat.format(new Date(iso));
}

/** A lifetime in ms as "30 days", "2 hours": for telling what a rotation keeps. */
export function lifetime(ms) {
  const units = [
    [7 * DAY, "week"],
    [DAY, "day"],
    [HOUR, "hour"],
    [MINUTE, "minute"],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && Math.abs(ms / size - Math.round(ms / size)) < 0.02) {
      return intl((tag) => new Intl.NumberFormat(tag, { style: "unit", unit, unitDisplay: "long" })).format(Math.round(ms / size));
    }
  }
  return null;
}

/** When a token made now with `unit` x `value` would expire, or null. */
export function expiresAfter(unit, value, now) {
  const sizes = { minutes: MINUTE, hours: HOUR, days: DAY, weeks: 7 * DAY };
  if (!(unit in sizes) || !Number.isInteger(value) || value < 1) return null;
  const when = now + value * sizes[unit];
  return Number.isFinite(when) && when < 8.64e15 ? when : null;
}
