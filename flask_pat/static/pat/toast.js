// Short messages after an action ("Token revoked"): shown in a corner until dismissed or
// for a while, announced to screen readers, and moved into an open dialog while one is
// open (a modal dialog makes the rest of the page inert, so it would not be heard there).

const SHOW_MS = 10_000;

export class Toast {
  /** `box` holds `text` and `closeButton`; `live` is a role="status" region; `home` is where they live. */
  constructor({ box, text, closeButton, live, home }) {
    Object.assign(this, { box, text, closeButton, live, home });
    closeButton.addEventListener("click", () => this.hide());
    // Hovering or focusing the message keeps it up.
    for (const type of ["mouseenter", "focusin"]) box.addEventListener(type, () => clearTimeout(this.timer));
    for (const type of ["mouseleave", "focusout"]) box.addEventListener(type, () => this.schedule());
    // "close" does not bubble: listen in the capture phase for every dialog under home.
    home.addEventListener("close", (event) => {
      if (event.target.contains(this.box)) this.moveTo(this.home);
    }, true);
  }

  show(message) {
    const dialog = [...this.home.querySelectorAll("dialog[open]")].pop();
    this.moveTo(dialog || this.home);
    this.text.textContent = message;
    this.box.hidden = false;
    // Emptied first, filled a moment later: a screen reader hears the same message twice too.
    this.live.textContent = "";
    setTimeout(() => {
      this.live.textContent = message;
    }, 60);
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    if (!this.box.hidden) this.timer = setTimeout(() => this.hide(), SHOW_MS);
  }

  hide() {
    clearTimeout(this.timer);
    const hadFocus = this.box.contains(document.activeElement);
    this.box.hidden = true;
    this.text.textContent = "";
    if (!hadFocus) return;
    // Inside a dialog, focus stays in it (the rest of the page is inert): on its first
    // control, as when it opened.
    const dialog = this.box.closest("dialog[open]");
    const target = dialog
      ? [...dialog.querySelectorAll("button")].find(
          (e) => !this.box.contains(e) && !e.disabled && !e.closest("[hidden]"),
        )
      : this.home.querySelector('[data-pat="new"]');
    target?.focus();
  }

  moveTo(parent) {
    if (this.box.parentElement !== parent) parent.append(this.live, this.box);
  }
}
