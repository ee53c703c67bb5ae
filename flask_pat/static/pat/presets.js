// Expiration presets beside the units of the "New token" form: 7, 30, 60 and 90 days, and
// a custom date (as GitHub's and GitLab's forms offer). Each sets the unit and the value;
// the button that matches them shows as pressed.

import { h } from "./dom.js";
import { interpolate, ngettext } from "./i18n.js";
import { formatNumber } from "./format.js";

const PRESET_DAYS = [7, 30, 60, 90];
const DAY_MS = 86_400_000;

/** "YYYY-MM-DD" of `date` in local time (what <input type="date"> reads and writes). */
function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Whole days from today to the day `value` ("YYYY-MM-DD"), in local time. */
function daysUntil(value, now) {
  const [year, month, day] = value.split("-").map(Number);
  const today = new Date(now);
  const start = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((new Date(year, month - 1, day) - start) / DAY_MS);
}

export class ExpiryPresets {
  /** `box` holds the buttons' row and the date input; `choose(unit, value)` applies a choice. */
  constructor({ box, buttons, date }, { choose, now }) {
    Object.assign(this, { box, buttonRow: buttons, date, choose, now });
    buttons.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-days]");
      if (!button) return;
      this.date.value = "";
      this.choose("days", Number(button.dataset.days));
    });
    date.addEventListener("change", () => {
      if (!date.value) return;
      const days = daysUntil(date.value, this.now());
      if (days >= 1) this.choose("days", days, { keepDate: true });
    });
  }

  /** Offer the presets within the units and the longest lifetime the host allows. */
  configure(units, maxLifetimeSeconds) {
    const maxDays = maxLifetimeSeconds == null ? Infinity : Math.floor(maxLifetimeSeconds / 86_400);
    this.box.hidden = !units.includes("days") || maxDays < 1;
    this.buttonRow.replaceChildren(
      ...PRESET_DAYS.filter((days) => days <= maxDays).map((days) =>
        h("button", {
          type: "button",
          class: "pat-button pat-preset",
          "aria-pressed": "false",
          dataset: { days: String(days) },
          text: interpolate(ngettext("%(count)s day", "%(count)s days", days), { count: formatNumber(days) }),
        }),
      ),
    );
    this.maxDays = maxDays;
  }

  /** Show which preset (if any) the unit and value match; bound the date to what is allowed. */
  show(unit, value, { keepDate = false } = {}) {
    for (const button of this.buttonRow.querySelectorAll("button[data-days]")) {
      button.setAttribute("aria-pressed", String(unit === "days" && Number(button.dataset.days) === value && !keepDate));
    }
    const now = this.now();
    this.date.min = isoDay(new Date(now + DAY_MS));
    if (Number.isFinite(this.maxDays)) this.date.max = isoDay(new Date(now + this.maxDays * DAY_MS));
    if (!keepDate) this.date.value = "";
  }
}
