// "Revoke all": every live token of the signed-in user stops working at once, after the
// person types "revoke all" (or its translation). Opens on Cancel, as every destructive
// dialog here does.

import { TypedConfirmDialog } from "./dialogs.js";
import { part } from "./dom.js";
import { gettext } from "./i18n.js";

/** The phrase to type, in the page's language. */
export function revokeAllPhrase() {
  return gettext("revoke all");
}

/** Typed as said: spacing and case aside, so "Revoke all " counts. */
function loosely(text) {
  return text.trim().replace(/\s+/g, " ").toLocaleLowerCase();
}

export class RevokeAllDialog extends TypedConfirmDialog {
  /** `onConfirm()` revokes (it may throw an ApiError, shown in the dialog). */
  constructor(dialog, { onConfirm }) {
    super(dialog, { prefix: "revoke-all", expected: revokeAllPhrase, normalize: loosely, onConfirm: () => onConfirm() });
    part(dialog, "revoke-all-phrase").textContent = revokeAllPhrase();
  }

  open(returnFocus) {
    super.open(true, returnFocus);
  }
}
