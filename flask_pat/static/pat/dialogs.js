// Modal dialogs on native <dialog>: showModal() traps focus and Escape closes; this adds
// focus return to the opener (or to where it went if the table was redrawn meanwhile).

import { part } from "./dom.js";

export class Modal {
  /**
   * `dialog` is a <dialog>; its [data-pat="dismiss"] buttons close it. With `lightDismiss`,
   * a click on the backdrop closes it too. `onClose` runs after it closes. With
   * `onEscape`, Escape does not close it: `onEscape()` runs instead (for what must not be
   * lost by a stray key, as the once-only token).
   */
  constructor(dialog, { onClose = () => {}, lightDismiss = false, onEscape = null } = {}) {
    this.dialog = dialog;
    this.onClose = onClose;
    this.returnFocus = null;
    this.closing = false;
    for (const button of dialog.querySelectorAll('[data-pat="dismiss"]')) {
      button.addEventListener("click", () => this.close());
    }
    if (onEscape) {
      dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        onEscape();
      });
    }
    dialog.addEventListener("close", () => {
      if (onEscape && !this.closing) {
        // The browser closed it anyway (a second Escape without a click in between may):
        // open it again, it was not asked for.
        dialog.showModal();
        onEscape();
        return;
      }
      this.closing = false;
      this.closed();
    });
    if (lightDismiss) {
      dialog.addEventListener("click", (event) => {
        if (event.target !== dialog) return;
        const box = dialog.getBoundingClientRect();
        const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
        if (!inside) this.close();
      });
    }
  }

  get isOpen() {
    return this.dialog.open;
  }

  /**
   * Open, focusing `focusTarget` (else the first control). `returnFocus` is the element to
   * focus on close, or a function that focuses the right element and returns true.
   */
  open(returnFocus, focusTarget = null) {
    this.returnFocus = returnFocus;
    if (!this.dialog.open) this.dialog.showModal();
    if (focusTarget) focusTarget.focus();
  }

  close() {
    if (!this.dialog.open) return;
    this.closing = true;
    this.dialog.close();
  }

  closed() {
    this.onClose();
    const target = this.returnFocus;
    this.returnFocus = null;
    // The browser may already have moved focus back; make sure it lands somewhere useful.
    queueMicrotask(() => restoreFocus(target));
  }
}

export function restoreFocus(target) {
  if (typeof target === "function") {
    target();
  } else if (target && target.isConnected && !target.disabled) {
    target.focus();
  }
}

/** A yes/no dialog whose form submits with the confirm button; `ask()` resolves true/false. */
export class ConfirmDialog {
  constructor(dialog, nameSlot) {
    this.dialog = dialog;
    this.modal = new Modal(dialog, { onClose: () => this.settle(false) });
    this.nameSlot = nameSlot;
    this.resolve = null;
    dialog.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.settle(true);
      this.modal.close();
    });
    // Destructive: open on Cancel, so a second Enter does not confirm what the first opened.
    this.cancelButton = part(dialog, "dismiss");
  }

  ask(name, returnFocus) {
    this.settle(false);
    this.nameSlot.textContent = name;
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.modal.open(returnFocus, this.cancelButton);
    });
  }

  settle(answer) {
    if (this.resolve) {
      const resolve = this.resolve;
      this.resolve = null;
      resolve(answer);
    }
  }
}

/**
 * A destructive dialog confirmed by typing (the token's name for Delete, "revoke all" for
 * Revoke all): its `${prefix}-confirm` button is enabled only while the typed text equals
 * `expected(subject)` once both are put through `normalize`. Where the typed text differs
 * from it in case alone, `${prefix}-case` (if the dialog has one) says so. `onOpen(subject)`
 * fills the dialog; `onConfirm(subject)` acts and may throw an ApiError, shown in the dialog.
 */
export class TypedConfirmDialog {
  constructor(dialog, { prefix, expected, normalize = (text) => text, onOpen = () => {}, onConfirm }) {
    this.modal = new Modal(dialog, { onClose: () => this.reset() });
    this.expected = expected;
    this.normalize = normalize;
    this.onOpen = onOpen;
    this.onConfirm = onConfirm;
    this.subject = null;
    this.busy = false;
    this.input = part(dialog, `${prefix}-input`);
    this.button = part(dialog, `${prefix}-confirm`);
    this.error = part(dialog, `${prefix}-error`);
    this.caseHint = dialog.querySelector(`[data-pat="${prefix}-case"]`);
    this.input.addEventListener("input", () => this.update());
    part(dialog, `${prefix}-form`).addEventListener("submit", (event) => {
      event.preventDefault();
      this.confirm();
    });
  }

  open(subject, returnFocus) {
    this.reset();
    this.subject = subject;
    this.onOpen(subject);
    this.modal.open(returnFocus, part(this.modal.dialog, "dismiss"));
  }

  /** The typed text and the expected one, normalized; null while closed. */
  compared() {
    if (this.subject === null) return null;
    return [this.normalize(this.input.value), this.normalize(this.expected(this.subject))];
  }

  matches() {
    const pair = this.compared();
    return pair !== null && pair[0] === pair[1];
  }

  update() {
    this.button.disabled = !this.matches() || this.busy;
    if (!this.caseHint) return;
    // Say why the button stays off when only the case differs ("ci deploy" for "CI deploy").
    const pair = this.compared();
    this.caseHint.hidden = pair === null || pair[0] === pair[1] || pair[0].toLocaleLowerCase() !== pair[1].toLocaleLowerCase();
  }

  async confirm() {
    if (!this.matches() || this.busy) return;
    this.busy = true;
    this.update();
    this.error.hidden = true;
    try {
      await this.onConfirm(this.subject);
      this.modal.close();
    } catch (error) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    } finally {
      this.busy = false;
      this.update();
    }
  }

  reset() {
    this.subject = null;
    this.busy = false;
    this.input.value = "";
    this.error.hidden = true;
    this.error.textContent = "";
    this.update();
  }
}

/** "Type the token's name to delete it": the name exactly, upper and lower case included. */
export class DeleteDialog extends TypedConfirmDialog {
  constructor(dialog, { onConfirm }) {
    const names = [part(dialog, "delete-name"), part(dialog, "delete-name-again")];
    super(dialog, {
      prefix: "delete",
      expected: (token) => token.name,
      onOpen: (token) => {
        for (const slot of names) slot.textContent = token.name;
      },
      onConfirm,
    });
    this.names = names;
  }

  reset() {
    super.reset();
    for (const slot of this.names ?? []) slot.textContent = "";
  }
}
