import { readdirSync } from 'node:fs';
import path from 'node:path';
import { MAIL_LOCALES, MailTemplates, PLATFORM_LAYOUT, mailLocale, operatorMail, renderTemplate } from '../../src/mail/templates';

const TEMPLATE_DIR = path.join(__dirname, '..', '..', 'templates', 'mail');

/** The text between `<p ...>` and `</p>` that holds the code in every customer template. */
const codeInHtml = (html: string) => /font-family:monospace;">([^<]*)<\/p>/.exec(html)?.[1];

describe('the mail template renderer', () => {
  it('escapes variables in HTML and leaves them as they are in text', () => {
    const vars = { name: `Smith & <Sons> "quoted" 'single' a=b` };
    expect(renderTemplate('Hi {{name}}!', vars, 'html')).toBe('Hi Smith &amp; &lt;Sons&gt; &quot;quoted&quot; &#39;single&#39; a&#61;b!');
    expect(renderTemplate('Hi {{name}}!', vars, 'text')).toBe(`Hi Smith & <Sons> "quoted" 'single' a=b!`);
    expect(renderTemplate('{{{name}}}', { name: '<b>' }, 'html')).toBe('<b>');
  });

  it('renders sections when the value is truthy and inverted sections when not', () => {
    const template = '{{#logo}}<img src="{{logo}}">{{/logo}}{{^logo}}{{title}}{{/logo}}.';
    expect(renderTemplate(template, { logo: 'https://x.example/l.png', title: 'T' }, 'html')).toBe('<img src="https://x.example/l.png">.');
    expect(renderTemplate(template, { logo: null, title: 'T' }, 'html')).toBe('T.');
  });

  it('refuses a template that uses a variable it was not given, or leaves a section open', () => {
    expect(() => renderTemplate('Your code is {{cod}}', { code: '123456' }, 'text')).toThrow('{{cod}}');
    expect(() => renderTemplate('{{#a}}open', { a: true }, 'text')).toThrow('never closes');
    expect(() => renderTemplate('{{/a}}', { a: true }, 'text')).toThrow('did not open');
  });

  it('picks the language by its primary subtag and falls back to English', () => {
    expect([mailLocale('de'), mailLocale('de-AT'), mailLocale('DE'), mailLocale('fr'), mailLocale(''), mailLocale(null)]).toEqual(['de', 'de', 'de', 'en', 'en', 'en']);
  });

  it('has every customer template in every language, and each renders the code the same in both parts', () => {
    const templates = new MailTemplates(TEMPLATE_DIR);
    const names = readdirSync(path.join(TEMPLATE_DIR, 'en')).filter((f) => f.endsWith('.subject.txt')).map((f) => f.replace('.subject.txt', ''));
    expect(names.sort()).toEqual(['customer_login', 'signup_verify']);
    for (const locale of MAIL_LOCALES) {
      expect(readdirSync(path.join(TEMPLATE_DIR, locale)).sort()).toEqual(readdirSync(path.join(TEMPLATE_DIR, 'en')).sort());
      for (const name of names) {
        const mail = templates.render(name, locale, { code: '048213', minutes: 10 }, { name: 'Acme & Co', logoUrl: null, primaryColor: '#ff6600' });
        expect([locale, name, codeInHtml(mail.html)]).toEqual([locale, name, '048213']);
        expect(mail.text).toContain('048213');
        expect(mail.text).toContain('Acme & Co');
        expect(mail.html).toContain('Acme &amp; Co');
        expect(mail.html).not.toContain('Acme & Co');
        expect(mail.html).toContain(`<html lang="${locale}">`);
        expect(mail.subject).toContain('Acme & Co');
      }
    }
  });

  it('puts operator mail in the default layout: the text unchanged, its links clickable and identical in HTML', () => {
    const link = 'https://app.example.com/reset?token=a&b=c';
    const mail = operatorMail('op@example.com', 'Reset', `Open this link:\n\n${link}\n\nOr <ignore> it.\n`);
    expect(mail.text).toBe(`Open this link:\n\n${link}\n\nOr <ignore> it.\n`);
    expect(mail.html).toContain('<a href="https://app.example.com/reset?token&#61;a&amp;b&#61;c">https://app.example.com/reset?token&#61;a&amp;b&#61;c</a>');
    expect(mail.html).toContain('<p>Or &lt;ignore&gt; it.</p>');
    expect(mail.html).toContain(`background:${PLATFORM_LAYOUT.primaryColor}`);
  });
});
