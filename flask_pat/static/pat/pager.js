// Page navigation under a list: rows per page, "1–10 of 60", first/previous/next/last.

import { gettext, interpolate } from "./i18n.js";
import { formatNumber } from "./format.js";

export class Pager {
  /** `parts`: range, pageNumber, first, prev, next, last, box; `onPage(page)` is called with a page number. */
  constructor(parts, { onPage }) {
    this.parts = parts;
    this.page = 1;
    this.pages = 0;
    parts.first.addEventListener("click", () => onPage(1, parts.first));
    parts.prev.addEventListener("click", () => onPage(Math.max(1, this.page - 1), parts.prev));
    parts.next.addEventListener("click", () => onPage(Math.min(this.pages, this.page + 1), parts.next));
    parts.last.addEventListener("click", () => onPage(this.pages, parts.last));
  }

  render({ page, per_page: perPage, total, pages }) {
    this.page = page;
    this.pages = pages;
    // An empty list says so in the table, with a way to make the first token.
    this.parts.box.hidden = total === 0;
    const first = total === 0 ? 0 : (page - 1) * perPage + 1;
    const last = Math.min(total, page * perPage);
    this.parts.range.textContent = interpolate(gettext("%(first)s–%(last)s of %(total)s"), {
      first: formatNumber(first),
      last: formatNumber(Math.max(first, last)),
      total: formatNumber(total),
    });
    this.parts.pageNumber.textContent = interpolate(gettext("Page %(page)s of %(pages)s"), {
      page: formatNumber(Math.min(page, Math.max(pages, 1))),
      pages: formatNumber(Math.max(pages, 1)),
    });
    this.parts.first.disabled = this.parts.prev.disabled = page <= 1;
    this.parts.next.disabled = this.parts.last.disabled = page >= pages;
  }

  /** After a page change: keep focus on the pager, on a button that still works. */
  keepFocus(pressed) {
    if (!pressed || !pressed.disabled) return;
    const { first, prev, next, last } = this.parts;
    const order = pressed === first || pressed === prev ? [next, last] : pressed === last ? [first, prev] : [prev, first];
    const target = order.find((button) => !button.disabled);
    // Without scrolling: the page was just scrolled to the top of the list.
    if (target) target.focus({ preventScroll: true });
  }
}
