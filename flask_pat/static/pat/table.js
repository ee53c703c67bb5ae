// The tokens table: rows, sort headers, empty and loading states, and the pager.

import { h } from "./dom.js";
import { drawIcon, icon } from "./icons.js";
import { ago, expiration, formatDate, formatDateTime, statusLabel } from "./format.js";

const EXPIRATION_ICONS = { never: "checkCircle", ok: "checkCircle", warning: "warning", expired: "xCircle" };
const BADGES = { vscode: "VS", jetbrains: "JB" };

function iconButton(action, label, iconName, extra = {}) {
  return h(
    "button",
    { type: "button", class: `pat-icon-button pat-action-${action}`, "aria-label": label, title: label, dataset: { action, ...extra } },
    icon(iconName),
  );
}

function downloadButton(format) {
  const label = `Download ${format.label} settings`;
  const badge = BADGES[format.id] || format.label.slice(0, 2).toUpperCase();
  return h(
    "button",
    { type: "button", class: "pat-icon-button pat-download", "aria-label": label, title: label, dataset: { action: "download", format: format.id } },
    icon("download"),
    h("span", { class: "pat-badge", "aria-hidden": "true", text: badge }),
  );
}

export class TokenTable {
  /**
   * `parts`: the table, its tbody, the sort buttons, the pager elements. `onAction(action,
   * token, button)` is called for a row button; `onSort(key)` and `onPage(page)` for the rest.
   */
  constructor(parts, { onAction, onSort, onPage }) {
    this.parts = parts;
    this.items = [];
    parts.rows.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button || !parts.rows.contains(button)) return;
      const token = this.items.find((item) => String(item.id) === button.closest("tr").dataset.tokenId);
      if (token) onAction(button.dataset.action, token, button);
    });
    for (const button of parts.sortButtons) {
      button.addEventListener("click", () => onSort(button.dataset.sortKey));
    }
    parts.prev.addEventListener("click", () => onPage(-1));
    parts.next.addEventListener("click", () => onPage(1));
  }

  setBusy(busy) {
    this.parts.table.setAttribute("aria-busy", String(busy));
    this.parts.table.classList.toggle("pat-is-busy", busy);
  }

  showLoading() {
    this.items = [];
    this.parts.rows.replaceChildren(
      h("tr", { class: "pat-placeholder-row" }, h("td", { colspan: 7 }, h("span", { class: "pat-spinner", "aria-hidden": "true" }), " Loading tokens…")),
    );
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
   * Show `result` (a page from the API). `view` gives `now`, `warningMs`, `formats` (the IDE
   * formats), `canDownload(token)` and `empty` ({title, hint}) for an empty page.
   */
  render(result, view) {
    const focus = this.focusedAction();
    this.items = result.items;
    const rows = result.items.map((token) => this.row(token, view));
    if (rows.length === 0) {
      rows.push(
        h(
          "tr",
          { class: "pat-placeholder-row" },
          h(
            "td",
            { colspan: 7 },
            h("div", { class: "pat-empty" }, icon("key", "pat-empty-icon"), h("p", { class: "pat-empty-title", text: view.empty.title }), h("p", { class: "pat-help", text: view.empty.hint })),
          ),
        ),
      );
    }
    this.parts.rows.replaceChildren(...rows);
    this.renderPager(result);
    if (focus) this.focusAction(focus.id, focus.action, focus.format);
  }

  row(token, view) {
    const exp = expiration(token.expires_at, view.now, view.warningMs);
    const actions = [iconButton("preview", "Preview settings", "eye")];
    if (view.canDownload(token)) actions.push(...view.formats.map(downloadButton));
    if (token.status === "revoked") actions.push(iconButton("restore", "Restore", "restore"));
    else actions.push(iconButton("revoke", "Revoke", "revoke"));
    actions.push(iconButton("rotate", "Rotate", "rotate"), iconButton("delete", "Delete", "trash"));

    const expiresCell = token.expires_at
      ? h("time", { datetime: token.expires_at, title: formatDateTime(token.expires_at) }, exp.text)
      : exp.text;
    return h(
      "tr",
      { class: `pat-row pat-row-${token.status}`, dataset: { tokenId: token.id } },
      h("td", { class: "pat-cell-name" }, h("span", { class: "pat-token-name", text: token.name })),
      h("td", {}, h("code", { class: "pat-last4", text: `...${token.last4}` })),
      h("td", { class: "pat-nowrap" }, h("time", { datetime: token.created_at, title: formatDateTime(token.created_at), text: formatDate(token.created_at) })),
      h("td", { class: "pat-nowrap" }, h("span", { class: `pat-expiration pat-expiration-${exp.kind}` }, icon(EXPIRATION_ICONS[exp.kind]), expiresCell)),
      h(
        "td",
        { class: "pat-nowrap" },
        token.last_used_at
          ? h("time", { datetime: token.last_used_at, title: formatDateTime(token.last_used_at), text: ago(token.last_used_at, view.now) })
          : h("span", { class: "pat-muted", text: "Never" }),
      ),
      h("td", {}, h("span", { class: `pat-status pat-status-${token.status}`, text: statusLabel(token.status) })),
      h("td", { class: "pat-actions" }, h("div", { class: "pat-action-list" }, actions)),
    );
  }

  renderPager({ page, per_page: perPage, total, pages }) {
    const first = total === 0 ? 0 : (page - 1) * perPage + 1;
    const last = Math.min(total, page * perPage);
    this.parts.range.textContent = `${first}–${Math.max(first, last)} of ${total}`;
    this.parts.prev.disabled = page <= 1;
    this.parts.next.disabled = page >= pages;
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
