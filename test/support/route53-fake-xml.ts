/**
 * Just enough XML for the Route 53 fake: a writer for responses and a parser for the request
 * bodies the SDK sends (elements and text; no attributes are needed besides xmlns).
 */

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

/** A child to write: an element with text, nested elements, or nothing (skipped). */
export type XmlContent = string | number | boolean | XmlNode | readonly XmlNode[] | undefined;
export interface XmlNode {
  readonly name: string;
  readonly content: XmlContent;
}

export const el = (name: string, content: XmlContent): XmlNode => ({ name, content });

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);

function render(node: XmlNode): string {
  const { name, content } = node;
  if (content === undefined) return '';
  if (typeof content === 'string' || typeof content === 'number' || typeof content === 'boolean') {
    return `<${name}>${escapeXml(String(content))}</${name}>`;
  }
  const children = Array.isArray(content) ? content : [content as XmlNode];
  return `<${name}>${children.map(render).join('')}</${name}>`;
}

export const ROUTE53_NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

/** A whole document whose root carries the Route 53 namespace. */
export function xmlDocument(root: string, children: readonly XmlNode[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${ROUTE53_NS}">${children.map(render).join('')}</${root}>`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (text: string): string =>
  text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? match;
  });

/** Parses a document into its root element; throws on unbalanced tags. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|([^<]+)/g;
  for (const match of xml.matchAll(token)) {
    const [, closing, name, selfClosing, text] = match;
    const top = stack[stack.length - 1];
    if (top === undefined) throw new Error('XML: unbalanced tags');
    if (text !== undefined) {
      top.text += unescapeXml(text);
    } else if (name === undefined) {
      continue; // declaration or comment
    } else if (closing === '/') {
      if (top.name !== name) throw new Error(`XML: </${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const element: XmlElement = { name, children: [], text: '' };
      top.children.push(element);
      if (selfClosing !== '/') stack.push(element);
    }
  }
  const document = stack.length === 1 ? root.children[0] : undefined;
  if (document === undefined) throw new Error('XML: no root element or unclosed tags');
  return document;
}

export const child = (element: XmlElement | undefined, name: string): XmlElement | undefined => element?.children.find((c) => c.name === name);
export const children = (element: XmlElement | undefined, name: string): XmlElement[] => element?.children.filter((c) => c.name === name) ?? [];
export const textOf = (element: XmlElement | undefined, name: string): string | undefined => {
  const found = child(element, name);
  return found === undefined ? undefined : found.text.trim();
};
