// What a row's buttons do on the tokens page: download, revoke, restore, rotate (to a new
// lifetime if asked), edit, delete. Methods of the page (mixed into TokensPage), kept here so
// each module stays small.

import { downloadText } from "./clipboard.js";
import { setOptions } from "./dom.js";
import { formatDateTime, formatNumber } from "./format.js";
import { mimeType } from "./generated.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

export const rowActions = {
  async downloadSettings(token, formatId) {
    const format = this.formats.find((f) => f.id === formatId);
    const offer = this.offer(token);
    if (!format || !offer.formats) return;
    try {
      const text = await this.api.ideFile(token.id, format.id, offer.query);
      downloadText(text, format.filename, mimeType(format.filename));
      this.announce(
        interpolate(gettext("%(filename)s downloaded: put your token in place of ...%(last4)s in it."), {
          filename: format.filename,
          last4: token.last4,
        }),
      );
    } catch (error) {
      this.report(error);
    }
  },

  act(action, token, button) {
    if (action === "preview") this.preview.open(token, button);
    else if (action === "download") this.downloadSettings(token, button.dataset.format);
    else if (action === "revoke") this.revoke(token, button);
    else if (action === "restore") this.restore(token);
    else if (action === "rotate") this.rotate(token, button);
    else if (action === "history") this.history.open(token, button);
    else if (action === "edit") this.editDialog.open(token, this.returnTo(token, "edit"));
    else if (action === "delete") this.confirmDelete(token);
  },

  returnTo(token, action) {
    return () => this.table.focusAction(token.id, action) || this.newButton.focus();
  },

  created(result, returnFocus) {
    this.generated.show(result, returnFocus || this.newButton);
    this.announce(interpolate(gettext("Token “%(name)s” created."), { name: result.token.name }));
    this.update({ page: 1 });
  },

  async revoke(token, button) {
    if (!(await this.revokeDialog.ask(token.name, button))) return;
    try {
      await this.api.revoke(token.id);
      this.announce(interpolate(gettext("Token “%(name)s” revoked: it no longer works."), { name: token.name }));
    } catch (error) {
      this.report(error);
    }
    await this.load();
    this.table.focusAction(token.id, "revoke");
  },

  async restore(token) {
    try {
      await this.api.restore(token.id);
      this.announce(interpolate(gettext("Token “%(name)s” restored: it works again."), { name: token.name }));
    } catch (error) {
      this.report(error);
    }
    await this.load();
  },

  async rotate(token, button) {
    this.rotateRevived.hidden = token.status !== "revoked";
    this.rotateLifetime.textContent = token.expires_at
      ? gettext("The new secret gets the token's original lifetime, counted from now.")
      : gettext("The token never expires, and neither does its new secret.");
    this.offerLifetimes(token);
    if (!(await this.rotateDialog.ask(token.name, button))) return;
    const [unit, value] = this.rotateExpiration.value ? this.rotateExpiration.value.split(":") : [];
    const expiration = unit ? { unit, value: unit === "never" ? null : Number(value) } : null;
    try {
      const result = await this.api.rotate(token.id, expiration);
      const expires = result.token.expires_at;
      const note = expiration
        ? expires
          ? interpolate(gettext("It now expires on %(date)s."), { date: formatDateTime(expires) })
          : gettext("It never expires.")
        : expires
          ? interpolate(gettext("It keeps its original lifetime: it now expires on %(date)s."), { date: formatDateTime(expires) })
          : gettext("It keeps its original lifetime: it never expires.");
      this.generated.show(result, this.returnTo(token, "rotate"), { rotated: true, note });
      this.announce(interpolate(gettext("Token “%(name)s” rotated: its old secret no longer works."), { name: token.name }));
    } catch (error) {
      this.report(error);
    }
    await this.load();
  },

  /** The rotate dialog's choice of lifetime: the token's own, or a preset within the limits. */
  offerLifetimes(token) {
    const maxDays = this.meta.max_lifetime_seconds == null ? Infinity : this.meta.max_lifetime_seconds / 86_400;
    const units = this.meta.expiration_units || [];
    const options = [["", token.expires_at ? gettext("Its original lifetime") : gettext("Never, as before")]];
    if (units.includes("days")) {
      for (const days of [7, 30, 60, 90].filter((n) => n <= maxDays)) {
        options.push([`days:${days}`, interpolate(ngettext("%(count)s day", "%(count)s days", days), { count: formatNumber(days) })]);
      }
    }
    if (units.includes("never") && maxDays === Infinity && token.expires_at) options.push(["never:", gettext("Never")]);
    setOptions(this.rotateExpiration, options, "");
  },

  async saveEdit(token, changes) {
    await this.api.edit(token.id, changes);
    this.announce(interpolate(gettext("Token “%(name)s” saved."), { name: changes.name ?? token.name }));
    await this.load();
  },

  async revokeAll() {
    const { revoked } = await this.api.revokeAll();
    this.announce(interpolate(ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", revoked), { count: formatNumber(revoked) }));
    await this.load();
  },

  confirmDelete(token) {
    const index = this.table.indexOf(token.id);
    this.deleteDialog.open(token, () => this.table.focusAction(token.id, "delete") || this.table.focusRow(index) || this.newButton.focus());
  },

  async deleteToken(token) {
    await this.api.remove(token.id);
    this.announce(interpolate(gettext("Token “%(name)s” deleted."), { name: token.name }));
    await this.load();
  },
};
