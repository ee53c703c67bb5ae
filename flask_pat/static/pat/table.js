// The tokens table: one row per token, which turns into a card on narrow screens (CSS),
// with the token's name, status and actions together. Reusable: `columns` and `actions`
// say what a row shows, so the admin inventory draws its own rows with the same parts.

import { h } from "./dom.js";
import { drawIcon, icon } from "./icons.js";
import { gettext, interpolate } from "./i18n.js";
import { ago, expiration, formatDate, formatDateTime, statusLabel } from "./format.js";

const EXPIRATION_ICONS = { never: "checkCircle", ok: "checkCircle", warning: "warning", expired: "xCircle" };

/** A row button: icon plus its visible label, named "<Action> <token name>". */
export function actionButton(action, label, name, iconName, dataset = {}) {
  return h(
    "button",
    { type: "button", class: `pat-action pat-action-${action}`, "aria-label": name, dataset: { action, ...dataset } },
    icon(iconName),
    h("span", { class: "pat-action-label", text: label }),
  );
}

/** Text with an exact date shown on hover, on keyboard focus and on touch (a tap focuses it). */
export function withExactTime(text, iso, extraClass = "") {
  return h(
    "span",
    { class: `pat-has-tip ${extraClass}`.trim(), tabindex: "0" },
    h("time", { datetime: iso, text }),
    h("span", { class: "pat-tip", text: formatDateTime(iso) }),
  );
}

/** A cell; `label` is shown before the value when the row is drawn as a card. */
export function cell(className, label, ...content) {
  return h("td", { class: className, role: "cell" }, h("span", { class: "pat-cell-label", "aria-hidden": "true", text: label }), ...content);
}

export function nameCell(token) {
  // The description under the name: not part of the row header's name (that names the
  // token, and the row's buttons by it), but its description, so it is read with the row.
  const described = token.description ? `pat-description-${token.id}` : null;
  return h(
    "th",
    { scope: "row", class: "pat-cell-name", role: "rowheader", "aria-describedby": described },
    h("span", { class: "pat-token-name", text: token.name }),
    token.description ? h("span", { id: described, class: "pat-token-description", "aria-hidden": "true", text: token.description }) : null,
  );
}

export function valueCell(token) {
  return cell("pat-cell-value", gettext("Token value"), h("code", { class: "pat-last4", text: `...${token.last4}` }));
}

export function scopesCell(token) {
  const scopes = token.scopes || [];
  return cell(
    "pat-cell-scopes",
    gettext("Scopes"),
    scopes.length
      ? h("span", { class: "pat-scope-chips" }, scopes.map((scope) => h("code", { class: "pat-scope-chip", text: scope })))
      : h("span", { class: "pat-muted", text: gettext("None") }),
  );
}

export function createdCell(token) {
  return cell("pat-cell-created", gettext("Created"), withExactTime(formatDate(token.created_at), token.created_at));
}

export function expirationCell(token, view) {
  const exp = expiration(token, view.now, view.warningMs);
  const mark = EXPIRATION_ICONS[exp.kind];
  return cell(
    "pat-cell-expiration",
    gettext("Expiration"),
    h(
      "span",
      { class: `pat-expiration pat-expiration-${exp.kind}` },
      mark ? icon(mark) : null,
      token.expires_at ? withExactTime(exp.text, token.expires_at) : h("span", { text: exp.text }),
    ),
  );
}

export function lastUsedCell(token, view) {
  const content = token.last_used_at
    ? [withExactTime(ago(token.last_used_at, view.now), token.last_used_at)]
    : [h("span", { class: "pat-muted", text: gettext("Never") })];
  if (token.last_used_ip) {
    content.push(h("span", { class: "pat-ip", text: interpolate(gettext("from %(ip)s"), { ip: token.last_used_ip }) }));
  }
  return cell("pat-cell-used", gettext("Last used"), ...content);
}

export function statusCell(token) {
  const reasons = { admin: gettext("by an administrator"), leaked: gettext("reported as leaked") };
  const reason = token.status === "revoked" ? reasons[token.revoked_reason] : null;
  return cell(
    "pat-cell-status",
    gettext("Status"),
    h("span", { class: `pat-status pat-status-${token.status}`, text: statusLabel(token.status) }),
    reason ? h("span", { class: "pat-status-reason", text: reason }) : null,
  );
}

export class TokenTable {
  /**
   * `parts`: the table, its tbody and the sort buttons. `row(token, view)` draws a row's
   * cells after the name; `onAction(action, token, button)` is called for a row button,
   * `onSort(key)` for a header.
   */
  constructor(parts, { onAction, onSort }) {
    this.parts = parts;
    this.items = [];
    this.columns = parts.table.querySelectorAll("thead th:not([hidden])").length;
    parts.rows.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button || !parts.rows.contains(button)) return;
      const token = this.items.find((item) => String(item.id) === button.closest("tr").dataset.tokenId);
      if (token) onAction(button.dataset.action, token, button);
    });
    for (const button of parts.sortButtons) {
      button.addEventListener("click", () => onSort(button.dataset.sortKey));
    }
  }

  /** Count the visible columns again (after a column was shown or hidden). */
  countColumns() {
    this.columns = this.parts.table.querySelectorAll("thead th:not([hidden])").length;
  }

  /**
   * Draw cards instead of a table wherever `card` is narrower than the columns need
   * (their widths from the stylesheet, widened to keep each heading on one line, plus
   * `nameWidth` for the names), and on touch screens, where the buttons show their labels
   * and want the room of a card. Where one row of action buttons leaves too little room,
   * they take two rows first. Call once the columns are set; it follows the width from
   * then on.
   */
  fitTo(card, nameWidth = 180) {
    card.classList.remove("pat-cards");
    const table = this.parts.table;
    const actions = table.querySelector("thead th.pat-col-actions:not([hidden])");
    const headers = [...table.querySelectorAll("thead th:not([hidden])")].slice(1).filter((th) => th !== actions);
    for (const th of headers) keepOnOneLine(th);
    const others = headers.reduce((sum, th) => sum + th.getBoundingClientRect().width, nameWidth);
    const rowsOf = (rows) => {
      table.style.setProperty("--pat-action-rows", String(rows));
      return actions ? actions.getBoundingClientRect().width : 0;
    };
    const oneRow = rowsOf(1);
    const twoRows = rowsOf(2);
    const touch = window.matchMedia("(hover: none)");
    const fit = () => {
      table.style.setProperty("--pat-action-rows", card.clientWidth < others + oneRow ? "2" : "1");
      card.classList.toggle("pat-cards", touch.matches || card.clientWidth < others + twoRows);
    };
    this.observer?.disconnect();
    this.observer = new ResizeObserver(fit);
    this.observer.observe(card);
    touch.addEventListener("change", fit);
  }

  setBusy(busy) {
    this.parts.table.setAttribute("aria-busy", String(busy));
    this.parts.table.classList.toggle("pat-is-busy", busy);
  }

  showSorted(sort) {
    const key = sort.replace(/^-/, "");
    const descending = sort.startsWith("-");
    for (const button of this.parts.sortButtons) {
      const th = button.closest("th");
      const active = button.dataset.sortKey === key;
      if (active) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
      drawIcon(button.querySelector("svg"), active ? (descending ? "sortDown" : "sortUp") : "sortNone");
      button.classList.toggle("pat-sort-active", active);
    }
  }

  /**
   * Show `items`. `view.cells(token)` gives a row's cells; `view.empty` ({title, hint,
   * action: {label, onClick}}) is shown when there are none.
   */
  render(items, view) {
    const focus = this.focusedAction();
    this.items = items;
    const rows = items.map((token) =>
      h("tr", { class: `pat-row pat-row-${token.status}`, role: "row", dataset: { tokenId: token.id } }, view.cells(token)),
    );
    if (rows.length === 0) rows.push(this.emptyRow(view.empty));
    this.parts.rows.replaceChildren(...rows);
    if (focus) this.focusAction(focus.id, focus.action, focus.format);
  }

  emptyRow({ title, hint, action }) {
    let button = null;
    if (action) {
      button = h("button", { type: "button", class: "pat-button pat-button-primary", text: action.label });
      button.addEventListener("click", action.onClick);
    }
    return h(
      "tr",
      { class: "pat-placeholder-row", role: "row" },
      h(
        "td",
        { colspan: this.columns, role: "cell" },
        h(
          "div",
          { class: "pat-empty" },
          icon("key", "pat-empty-icon"),
          h("p", { class: "pat-empty-title", text: title }),
          h("p", { class: "pat-help", text: hint }),
          button,
        ),
      ),
    );
  }

  focusedAction() {
    const active = document.activeElement;
    if (!active || !this.parts.rows.contains(active) || !active.dataset.action) return null;
    return { id: active.closest("tr").dataset.tokenId, action: active.dataset.action, format: active.dataset.format };
  }

  /**
   * Focus a row's button after the rows were drawn anew: the same action, else its
   * counterpart (Revoke <-> Restore), else the row's first button. False if the row is gone.
   */
  focusAction(id, action, format) {
    const row = this.parts.rows.querySelector(`tr[data-token-id="${CSS.escape(String(id))}"]`);
    if (!row) return false;
    const swap = { revoke: "restore", restore: "revoke" };
    const selectors = [
      format ? `[data-action="${action}"][data-format="${CSS.escape(format)}"]` : `[data-action="${action}"]`,
      swap[action] ? `[data-action="${swap[action]}"]` : null,
      "button",
    ];
    for (const selector of selectors) {
      const button = selector && row.querySelector(selector);
      if (button) {
        button.focus();
        return true;
      }
    }
    return false;
  }

  /** Focus the first button of the row at `index` (or the last row); false when empty. */
  focusRow(index) {
    const rows = this.parts.rows.querySelectorAll("tr[data-token-id]");
    if (rows.length === 0) return false;
    rows[Math.min(index, rows.length - 1)].querySelector("button").focus();
    return true;
  }

  indexOf(id) {
    return this.items.findIndex((item) => String(item.id) === String(id));
  }
}

/** Widen column heading `th` past its stylesheet width where its text needs it on one line
 * ("Dernière utilisation" in a column sized for "Last used"). */
function keepOnOneLine(th) {
  th.classList.remove("pat-widened");
  const style = getComputedStyle(th);
  const range = document.createRange();
  range.selectNodeContents(th);
  const sort = th.querySelector(".pat-sort");
  th.style.whiteSpace = "nowrap";
  sort?.style.setProperty("max-width", "none");
  const text = range.getBoundingClientRect().width;
  th.style.removeProperty("white-space");
  sort?.style.removeProperty("max-width");
  const needed = Math.ceil(text + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)) + 1;
  if (needed <= th.getBoundingClientRect().width) return;
  th.style.setProperty("--pat-heading-width", `${needed}px`);
  th.classList.add("pat-widened");
}
