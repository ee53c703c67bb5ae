// Copying text and saving it as a file, without leaving the page.

/**
 * Copy `text` to the clipboard. Falls back to selecting it in a read-only input and
 * document.execCommand("copy") where the Clipboard API is missing or refused (plain HTTP,
 * permissions policy). `field` is an existing input to select for the fallback, if any.
 */
export async function copyText(text, field = null) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused: try the fallback below.
    }
  }
  const owned = !field || field.value !== text;
  const input = owned ? document.createElement("input") : field;
  if (owned) {
    input.readOnly = true;
    input.value = text;
    input.className = "pat-offscreen";
    input.setAttribute("aria-hidden", "true");
    input.tabIndex = -1;
    // Inside the open dialog, if any: a modal dialog makes the rest of the page inert.
    (document.querySelector("dialog[open]") || document.body).append(input);
  }
  const active = document.activeElement;
  input.focus();
  input.select();
  input.setSelectionRange(0, text.length);
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  if (owned) input.remove();
  if (active && active !== input && active.isConnected) active.focus();
  return copied;
}

/** Save `text` as a file named `filename`, through a Blob and a temporary a[download]. */
export function downloadText(text, filename, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.className = "pat-offscreen";
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser a moment to start the download before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
