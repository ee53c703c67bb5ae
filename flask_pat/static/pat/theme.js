// Light or dark (PAT_THEME). "light"/"dark" are fixed by the template. "auto" follows the
// operating system when the page stands alone; inside a host's layout it takes the host
// page's own look, read from the colours around the widget, so a light host page keeps a
// light widget on a machine that prefers dark.

function channels(color) {
  const numbers = (color.match(/[\d.]+/g) || []).map(Number);
  if (numbers.length < 3) return null;
  return { r: numbers[0], g: numbers[1], b: numbers[2], a: numbers.length > 3 ? numbers[3] : 1 };
}

function luminance({ r, g, b }) {
  const linear = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** "light" or "dark": how the host page looks around `element`. */
export function hostLook(element) {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const background = channels(getComputedStyle(node).backgroundColor);
    if (background && background.a >= 0.5) return luminance(background) < 0.18 ? "dark" : "light";
  }
  // Nothing painted a background: the canvas shows, and the host's text colour says
  // which one it expects (light text on a dark canvas).
  const text = channels(getComputedStyle(element.parentElement || document.documentElement).color);
  return text && luminance(text) > 0.4 ? "dark" : "light";
}

/** Set data-pat-look on `root` (and on the standalone page's body), and keep it current. */
export function applyTheme(root) {
  const theme = root.dataset.theme || "auto";
  if (theme === "light" || theme === "dark") {
    root.dataset.patLook = theme;
    return;
  }
  const standalone = root.dataset.standalone === "true";
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  const update = () => {
    const look = standalone ? (query.matches ? "dark" : "light") : hostLook(root);
    root.dataset.patLook = look;
    if (standalone) document.body.dataset.patLook = look;
  };
  update();
  // Hosts that switch their own theme follow the operating system or a toggle: look again.
  query.addEventListener("change", update);
  if (!standalone) {
    const observer = new MutationObserver(update);
    for (const node of [document.documentElement, document.body]) {
      observer.observe(node, { attributes: true, attributeFilter: ["class", "style", "data-bs-theme", "data-theme"] });
    }
  }
}
