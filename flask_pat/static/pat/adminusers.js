// The admin page's "revoke all of one user's tokens" (POST /admin/users/<user>/revoke-all),
// for an account that was taken over: offered while the User filter names one user, asked
// in a dialog that opens on Cancel. The user is picked by label: the owners the search
// found are offered as buttons, each setting the User filter to that user's id.

import { Modal } from "./dialogs.js";
import { h, part } from "./dom.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

export function userRevokeAll(root, { api, onDone, onError, onPick }) {
  const box = part(root, "user-actions");
  const button = part(root, "user-revoke-all");
  const dialog = part(root, "user-revoke-all-dialog");
  const modal = new Modal(dialog);
  const text = part(dialog, "user-revoke-all-text");
  const confirm = part(dialog, "user-revoke-all-confirm");
  const owners = part(root, "owners");
  const ownerList = part(root, "owner-list");
  const ownerCount = part(root, "owner-count");
  let user = "";
  let name = "";

  ownerList.addEventListener("click", (event) => {
    const choice = event.target.closest("button[data-user]");
    if (choice) onPick(choice.dataset.user);
  });

  button.addEventListener("click", () => {
    text.textContent = interpolate(
      gettext("Every token of user %(user)s that still works stops working at once. Its owner cannot restore them."),
      { user: name },
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
    /**
     * Offer the button for `current` (the User filter's value), named by its label where
     * `items` (the rows shown) tell it, or hide it; with no user chosen, offer the owners
     * among `items` whose label matches `q` (the search).
     */
    show(current, items = [], q = "") {
      user = current || "";
      const label = items.find((token) => String(token.user) === user)?.user_label;
      name = label ? `${label} (#${user})` : user;
      box.hidden = !user;
      button.textContent = interpolate(gettext("Revoke all tokens of user %(user)s"), { user: name });
      const wanted = q.trim().toLocaleLowerCase();
      const found = new Map();
      for (const token of user || !wanted ? [] : items) {
        if (String(token.user_label).toLocaleLowerCase().includes(wanted)) found.set(String(token.user), token.user_label);
      }
      owners.hidden = found.size === 0;
      ownerCount.textContent = found.size
        ? interpolate(ngettext("%(count)s owner matches the search.", "%(count)s owners match the search.", found.size), { count: found.size })
        : "";
      ownerList.replaceChildren(
        ...[...found].map(([id, ownerLabel]) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "pat-button pat-admin-owner", dataset: { user: id } },
              h("span", { text: ownerLabel }),
              h("span", { class: "pat-muted", text: ` #${id}` }),
            ),
          ),
        ),
      );
    },
  };
}
