// A few lines instead of a framework: build elements, replace a container's children.

type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (name === "value") (element as HTMLInputElement).value = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  fill(element, ...children);
  return element;
}

export function fill(container: Element, ...children: Child[]): void {
  container.replaceChildren(...children.filter((child) => child !== false && child !== null && child !== undefined).map(asNode));
}

function asNode(child: Child): Node {
  return child instanceof Node ? child : document.createTextNode(String(child));
}

export const byId = (id: string) => document.getElementById(id)!;
