// Small DOM helpers. Text always goes in as text nodes, never as HTML.

/**
 * Create an element. `props` become attributes, except `class`, `text` (textContent) and
 * `dataset`; `false`/`null` values are left out. Children are nodes or strings (text).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** The element under `root` marked `data-pat="name"`. */
export function part(root, name) {
  const element = root.querySelector(`[data-pat="${name}"]`);
  if (!element) throw new Error(`flask-pat: the template has no data-pat="${name}" element`);
  return element;
}

/** Replace the options of `select` with `[value, label]` pairs, keeping `selected`. */
export function setOptions(select, options, selected) {
  select.replaceChildren(
    ...options.map(([value, label]) => h("option", { value: String(value), text: label })),
  );
  if (selected !== undefined && selected !== null) select.value = String(selected);
}

/** Call `fn` once `ms` milliseconds have passed without another call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
