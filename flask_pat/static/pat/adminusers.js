// The admin page's "revoke all of one user's tokens" (POST /admin/users/<user>/revoke-all),
// for an account that was taken over: offered while the User filter names one user, asked
// in a dialog that opens on Cancel.

import { Modal } from "./dialogs.js";
import { part } from "./dom.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

export function userRevokeAll(root, { api, onDone, onError }) {
  const box = part(root, "user-actions");
  const button = part(root, "user-revoke-all");
  const dialog = part(root, "user-revoke-all-dialog");
  const modal = new Modal(dialog);
  const text = part(dialog, "user-revoke-all-text");
  const confirm = part(dialog, "user-revoke-all-confirm");
  let user = "";

  button.addEventListener("click", () => {
    text.textContent = interpolate(
      gettext("Every token of user %(user)s that still works stops working at once. Its owner cannot restore them."),
      { user },
    );
    modal.open(button, part(dialog, "dismiss"));
  });
  part(dialog, "user-revoke-all-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!user || confirm.disabled) return;
    confirm.disabled = true;
    try {
      const { revoked } = await api.send("POST", `/admin/users/${encodeURIComponent(user)}/revoke-all`);
      modal.close();
      await onDone(interpolate(ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", revoked), { count: revoked }));
    } catch (error) {
      modal.close();
      onError(error);
    } finally {
      confirm.disabled = false;
    }
  });

  return {
    /** Offer the button for `current` (the User filter's value), or hide it. */
    show(current) {
      user = current || "";
      box.hidden = !user;
      button.textContent = interpolate(gettext("Revoke all tokens of user %(user)s"), { user });
    },
  };
}
