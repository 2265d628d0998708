import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OutgoingMail } from './message';

/**
 * Mail templates as files (templates/mail/, see docs/mail.md) and the small renderer that fills
 * them. Why a renderer of our own: the engines that fit (mustache, eta) are not dependencies
 * yet, and what mail needs is small: variables, HTML-escaped in the HTML part and verbatim in
 * the text part, and sections. The syntax is the Mustache subset, so moving to `mustache` later
 * changes no template:
 *
 * - `{{name}}`: the value; in HTML escaped (`& < > " ' \` =`), in text as it is.
 * - `{{{name}}}`: the value unescaped (only the layout uses it, for the already rendered body).
 * - `{{#name}}...{{/name}}`: the block when the value is truthy; `{{^name}}...{{/name}}` when not.
 *
 * A name the template uses but the caller did not pass is an error, not an empty string: a typo
 * in a template would otherwise send a mail without its code (every template is rendered by the
 * tests, in every language).
 */

export type TemplateValue = string | number | boolean | null | undefined;
export type TemplateVars = Record<string, TemplateValue>;
export type RenderMode = 'html' | 'text';

/** The languages mail is written in; the first is the fallback for any other locale. */
export const MAIL_LOCALES = ['en', 'de'] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];

/** The colour of the default layout (operator mail, and tenants that chose none). */
export const DEFAULT_PRIMARY_COLOR = '#1f2937';

/** `de-AT`, `DE` and `de` write German; anything without templates falls back to English. */
export function mailLocale(locale: string | null | undefined): MailLocale {
  const language = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return (MAIL_LOCALES as readonly string[]).includes(language) ? (language as MailLocale) : MAIL_LOCALES[0];
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => HTML_ESCAPES[c]);
}

const TAG = /\{\{(\{?)\s*([#^/]?)\s*([A-Za-z][A-Za-z0-9_]*)\s*\}?\}\}/g;

function lookup(vars: TemplateVars, name: string): TemplateValue {
  if (!Object.prototype.hasOwnProperty.call(vars, name)) throw new Error(`mail template uses {{${name}}}, which was not given`);
  return vars[name];
}

/** Renders `template` with `vars`: HTML-escaped for `html`, verbatim for `text`. */
export function renderTemplate(template: string, vars: TemplateVars, mode: RenderMode): string {
  let out = '';
  let last = 0;
  TAG.lastIndex = 0;
  for (let match = TAG.exec(template); match !== null; match = TAG.exec(template)) {
    const [tag, triple, kind, name] = match;
    out += template.slice(last, match.index);
    last = match.index + tag.length;
    if (kind === '#' || kind === '^') {
      const close = `{{/${name}}}`;
      const end = template.indexOf(close, last);
      if (end < 0) throw new Error(`mail template opens {{${kind}${name}}} but never closes it`);
      const truthy = Boolean(lookup(vars, name));
      if (truthy === (kind === '#')) out += renderTemplate(template.slice(last, end), vars, mode);
      last = end + close.length;
      TAG.lastIndex = last;
    } else if (kind === '/') {
      throw new Error(`mail template closes {{/${name}}} that it did not open`);
    } else {
      const value = lookup(vars, name);
      const text = value === null || value === undefined || value === false ? '' : String(value);
      out += mode === 'html' && triple !== '{' ? escapeHtml(text) : text;
    }
  }
  return out + template.slice(last);
}

/** What a mail looks like: whose it is, its logo and colour. */
export interface MailLayout {
  /** The name the mail is signed with: the tenant's, or the platform's for operator mail. */
  name: string;
  logoUrl: string | null;
  /** `#rrggbb`, validated before it is stored (it lands in a style attribute). */
  primaryColor: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The directory `templates/mail`, found upwards from this file (src/ in tests, dist/src/ once built). */
function findTemplateDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'templates', 'mail');
    if (existsSync(path.join(candidate, 'layout.html'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('templates/mail not found above ' + __dirname);
  }
}

/** Template files, read once (they ship with the code and do not change while it runs). */
export class MailTemplates {
  private readonly cache = new Map<string, string>();

  constructor(private readonly dir: string = findTemplateDir()) {}

  private file(relative: string): string {
    let text = this.cache.get(relative);
    if (text === undefined) {
      text = readFileSync(path.join(this.dir, relative), 'utf8');
      this.cache.set(relative, text);
    }
    return text;
  }

  /**
   * The mail `name` (templates/mail/<locale>/<name>.subject.txt, .txt, .html) in the customer's
   * language, inside `layout`. The same `vars` fill both parts, so a code or link reads the same
   * in each.
   */
  render(name: string, locale: string | null | undefined, vars: TemplateVars, layout: MailLayout): RenderedMail {
    const language = mailLocale(locale);
    const all: TemplateVars = { ...vars, tenantName: layout.name };
    const subject = renderTemplate(this.file(`${language}/${name}.subject.txt`), all, 'text').trim();
    const text = renderTemplate(this.file(`${language}/${name}.txt`), all, 'text');
    const html = renderTemplate(this.file(`${language}/${name}.html`), all, 'html');
    return { subject, ...this.wrap(language, subject, text, html, layout) };
  }

  /**
   * Operator mail: a text written in code (English), put into the default layout. The HTML part
   * is the same text, escaped, one paragraph per blank-line block, with its links made clickable.
   */
  wrapText(subject: string, text: string, layout: MailLayout): RenderedMail {
    const paragraphs = text
      .trim()
      .split(/\n{2,}/)
      .map((block) => `<p>${linkify(block).replace(/\n/g, '<br>')}</p>`)
      .join('\n');
    // The text part stays the text as written: operator mail had no layout before, and what
    // reads it (people, and scripts that take the code from it) keeps working.
    return { subject, text, html: this.wrap('en', subject, text, paragraphs, layout).html };
  }

  private wrap(language: MailLocale, subject: string, text: string, html: string, layout: MailLayout): { text: string; html: string } {
    const vars: TemplateVars = { lang: language, subject, tenantName: layout.name, logoUrl: layout.logoUrl, primaryColor: layout.primaryColor, body: html };
    return {
      text: renderTemplate(this.file('layout.txt'), { ...vars, body: text.trimEnd() }, 'text'),
      html: renderTemplate(this.file('layout.html'), vars, 'html'),
    };
  }
}

/** Escapes a block of text and makes its http(s) URLs links (the URL shown is the URL followed). */
function linkify(block: string): string {
  let out = '';
  let last = 0;
  for (const match of block.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    const url = match[0];
    out += escapeHtml(block.slice(last, match.index)) + `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    last = (match.index ?? 0) + url.length;
  }
  return out + escapeHtml(block.slice(last));
}

let shared: MailTemplates | undefined;

/** The templates of this installation, read from templates/mail on first use. */
export function mailTemplates(): MailTemplates {
  shared ??= new MailTemplates();
  return shared;
}

/** The default layout: operator mail, and the fallback of every field a tenant left unset. */
export const PLATFORM_LAYOUT: MailLayout = { name: 'HydraCore', logoUrl: null, primaryColor: DEFAULT_PRIMARY_COLOR };

/** Operator mail (English, from MAIL_FROM): its text, and the same text in the default layout as HTML. */
export function operatorMail(to: string, subject: string, text: string, expiresAt?: Date): OutgoingMail {
  const rendered = mailTemplates().wrapText(subject, text, PLATFORM_LAYOUT);
  return { to, subject, text: rendered.text, html: rendered.html, ...(expiresAt === undefined ? {} : { expiresAt }) };
}
