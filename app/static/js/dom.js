// Building DOM nodes without HTML strings: every text goes through textContent, every attribute through setAttribute.

const SVG_NS = "http://www.w3.org/2000/svg";

/** An HTML element: el("a", {href, class: "x"}, "text", childNode, …). Text children become text nodes. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** An SVG element, the same way. */
export function svgEl(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`event handler attributes are not allowed: ${name}`);
    element.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element) {
  element.replaceChildren();
}

/** A link only for http(s) or same-site paths: never javascript: or data: URLs from data. */
export function safeHref(href) {
  if (!href) return null;
  if (href.startsWith("/") && !href.startsWith("//")) return href;
  return /^https?:\/\//i.test(href) ? href : null;
}
