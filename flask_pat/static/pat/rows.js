// What a row of the tokens table shows: its cells, and its buttons, each named
// "<action> <token name>" (SPEC section 8).

import { h } from "./dom.js";
import { formatIcon } from "./icons.js";
import { gettext, interpolate } from "./i18n.js";
import {
  actionButton,
  createdCell,
  expirationCell,
  lastUsedCell,
  nameCell,
  scopesCell,
  statusCell,
  valueCell,
} from "./table.js";

/**
 * A row's buttons. `formats` are the IDE formats offered (none: no preview, no downloads);
 * `canDownload(token)` tells whether the downloads are offered for this token now.
 */
export function rowActions(token, { formats, canDownload }) {
  const name = token.name;
  const say = (text) => interpolate(text, { name });
  const buttons = [];
  if (formats.length) {
    buttons.push(actionButton("preview", gettext("Preview"), say(gettext("Preview settings for %(name)s")), "eye"));
    if (canDownload(token)) {
      for (const format of formats) {
        const button = actionButton(
          "download",
          format.label,
          interpolate(gettext("Download %(format)s settings for %(name)s"), { format: format.label, name }),
          formatIcon(format.id),
          { format: format.id },
        );
        // Said before the download, not after: the file holds the masked token.
        button.setAttribute("aria-describedby", maskedNoteId(token));
        buttons.push(button);
      }
    }
  }
  if (token.status !== "revoked") {
    buttons.push(actionButton("revoke", gettext("Revoke"), say(gettext("Revoke %(name)s")), "revoke"));
  } else if (!token.revoked_reason || token.revoked_reason === "user") {
    // Only a token its owner revoked can be restored (not one an admin or a leak report did).
    buttons.push(actionButton("restore", gettext("Restore"), say(gettext("Restore %(name)s")), "restore"));
  }
  buttons.push(
    actionButton("edit", gettext("Edit"), say(gettext("Edit %(name)s")), "pencil"),
    actionButton("rotate", gettext("Rotate"), say(gettext("Rotate %(name)s")), "rotate"),
    actionButton("history", gettext("History"), say(gettext("History of %(name)s")), "history"),
    actionButton("delete", gettext("Delete"), say(gettext("Delete %(name)s")), "trash"),
  );
  return buttons;
}

function maskedNoteId(token) {
  return `pat-masked-${token.id}`;
}

/** The most buttons a row can have: the Actions column is that wide, so it never jumps. */
export function mostActions(formats) {
  return (formats.length ? 1 + formats.length : 0) + 5;
}

/** The cells of a token's row; `view` has `now`, `warningMs`, `hasScopes` and what rowActions needs. */
export function tokenCells(token, view) {
  return [
    nameCell(token),
    valueCell(token),
    view.hasScopes ? scopesCell(token) : null,
    createdCell(token),
    expirationCell(token, view),
    lastUsedCell(token, view),
    statusCell(token),
    h(
      "td",
      { class: "pat-cell-actions", role: "cell" },
      h("div", { class: "pat-action-list" }, rowActions(token, view)),
      view.formats.length && view.canDownload(token)
        ? h("span", {
            id: maskedNoteId(token),
            class: "pat-visually-hidden",
            text: interpolate(gettext("The file holds the token masked as ...%(last4)s."), { last4: token.last4 }),
          })
        : null,
    ),
  ];
}

/** What an empty list says, and the one thing to do about it ({title, hint, action}). */
export function emptyState(state, { create, showAll }) {
  if (state.q) {
    return {
      title: interpolate(gettext("No tokens match “%(search)s”"), { search: state.q }),
      hint: gettext("Try another part of the name, or clear the search."),
      action: { label: gettext("Show all tokens"), onClick: showAll },
    };
  }
  if (state.status) {
    return {
      title: gettext("No tokens with this status"),
      hint: gettext("Choose another status, or show all tokens."),
      action: { label: gettext("Show all tokens"), onClick: showAll },
    };
  }
  if (state.project) {
    return {
      title: gettext("No tokens in this project yet"),
      hint: gettext("Tokens you create while this project is selected belong to it."),
      action: { label: gettext("Create a token for this project"), onClick: create },
    };
  }
  return {
    title: gettext("No tokens yet"),
    hint: gettext("Create a token to let scripts, API clients and IDE extensions act as you."),
    action: { label: gettext("Create your first token"), onClick: create },
  };
}
