// A token's history: its audit events (GET <api>/tokens/<id>/events), newest first, a page
// at a time. Reusable: `load(token, page)` fetches a page and `describe(token)` says whose
// token it is, so the admin page passes its own (GET <api>/admin/events?token=<id>).

import { h, part } from "./dom.js";
import { Modal } from "./dialogs.js";
import { gettext, interpolate } from "./i18n.js";
import { ago, formatNumber } from "./format.js";
import { withExactTime } from "./table.js";

export function eventLabel(event) {
  const labels = {
    created: gettext("Created"),
    rotated: gettext("Rotated"),
    revoked: gettext("Revoked"),
    restored: gettext("Restored"),
    deleted: gettext("Deleted"),
    new_ip: gettext("Used from a new IP address"),
    leaked: gettext("Reported as leaked"),
    expiry_notice: gettext("Expiry notice sent"),
  };
  return labels[event] || event;
}

export function actorLabel(actor) {
  const labels = {
    owner: gettext("Owner"),
    token: gettext("The token itself"),
    admin: gettext("Administrator"),
    cli: gettext("Command line"),
    system: gettext("System"),
  };
  return labels[actor] || actor || "";
}

/** Who reported a leak (the `source` of a leaked event's detail). */
export function leakSourceLabel(source) {
  const labels = {
    github: gettext("GitHub secret scanning"),
    "revoke-endpoint": gettext("the revoke endpoint"),
    scan: gettext("flask pat scan"),
  };
  return labels[source] || source;
}

/** What an event's detail tells a person: where a leaked token was found. */
export function eventDetail(event) {
  const detail = event.detail || {};
  if (!detail.source) return null;
  return h(
    "span",
    { class: "pat-history-detail" },
    h("span", { text: interpolate(gettext("Reported by %(source)s"), { source: leakSourceLabel(detail.source) }) }),
    detail.url ? h("span", { class: "pat-history-where", text: detail.url }) : null,
    detail.location ? h("span", { class: "pat-history-where", text: detail.location }) : null,
  );
}

export class HistoryDialog {
  /**
   * `load(token, page)` resolves to a page of events ({items, page, pages, total});
   * `describe(token)` is the line under the title.
   */
  constructor(dialog, { load, now = () => Date.now(), describe = (token) => `${token.name} · ...${token.last4}` }) {
    this.load = load;
    this.describe = describe;
    this.now = now;
    this.modal = new Modal(dialog, { onClose: () => this.clear() });
    // On a phone each event is a card, its cells labelled with their column's heading.
    this.labels = [...dialog.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    this.tokenLine = part(dialog, "history-token");
    this.error = part(dialog, "history-error");
    this.empty = part(dialog, "history-empty");
    this.table = part(dialog, "history-table");
    this.rows = part(dialog, "history-rows");
    this.pager = part(dialog, "history-pager");
    this.range = part(dialog, "history-range");
    this.newer = part(dialog, "history-newer");
    this.older = part(dialog, "history-older");
    this.closeButton = part(dialog, "dismiss");
    this.newer.addEventListener("click", () => this.show(this.page - 1, this.newer));
    this.older.addEventListener("click", () => this.show(this.page + 1, this.older));
  }

  async open(token, returnFocus) {
    this.token = token;
    this.tokenLine.textContent = this.describe(token);
    this.modal.open(returnFocus, this.closeButton);
    await this.show(1);
  }

  async show(page, pressed = null) {
    const token = this.token;
    this.table.setAttribute("aria-busy", "true");
    this.error.hidden = true;
    let result;
    try {
      result = await this.load(token, page);
    } catch (error) {
      if (token !== this.token) return;
      // Where the server keeps no history for tokens (404), say there is none.
      if (error.status === 404) result = { items: [], page: 1, pages: 0, total: 0 };
      else {
        this.error.textContent = error.message;
        this.error.hidden = false;
        this.table.setAttribute("aria-busy", "false");
        return;
      }
    }
    if (token !== this.token) return;
    this.page = result.page;
    this.rows.replaceChildren(...result.items.map((event) => this.row(event)));
    this.table.hidden = result.items.length === 0;
    this.empty.hidden = result.items.length !== 0;
    this.pager.hidden = result.pages <= 1;
    this.range.textContent = interpolate(gettext("Page %(page)s of %(pages)s"), {
      page: formatNumber(result.page),
      pages: formatNumber(Math.max(1, result.pages)),
    });
    this.newer.disabled = result.page <= 1;
    this.older.disabled = result.page >= result.pages;
    this.table.setAttribute("aria-busy", "false");
    if (pressed && pressed.disabled) (pressed === this.newer ? this.older : this.newer).focus();
  }

  row(event) {
    const cell = (index, ...content) => h("td", { role: "cell", "data-label": this.labels[index] || "" }, ...content);
    return h(
      "tr",
      { role: "row" },
      cell(0, h("span", { text: eventLabel(event.event) }), eventDetail(event)),
      cell(1, withExactTime(ago(event.at, this.now()), event.at)),
      cell(2, h("span", { text: actorLabel(event.actor) })),
      cell(3, event.ip ? h("code", { class: "pat-ip-code", text: event.ip }) : h("span", { class: "pat-muted", text: "—" })),
    );
  }

  clear() {
    this.token = null;
    this.rows.replaceChildren();
  }
}
