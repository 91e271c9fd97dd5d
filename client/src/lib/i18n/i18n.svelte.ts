import { en } from './en.ts';
import { nl, type MessageKey } from './nl.ts';
import { pluralForm, type Message } from './plural.ts';

export type Locale = 'nl' | 'en';
const catalogues: Record<Locale, Record<MessageKey, Message>> = { nl, en };
const STORAGE_KEY = 'kijkkamer.locale';

/** The UI language: Dutch unless the person chose English; remembered in this browser. */
class I18n {
  locale = $state<Locale>(localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'nl');

  constructor() {
    // Screen readers pronounce the page in the language it is in, also right after a reload.
    document.documentElement.lang = this.locale;
  }

  set(locale: Locale): void {
    this.locale = locale;
    localStorage.setItem(STORAGE_KEY, locale);
    document.documentElement.lang = locale;
  }

  t = (key: MessageKey, params: Record<string, string | number> = {}): string => {
    const message = catalogues[this.locale][key];
    const text = typeof message === 'string' ? message : pluralForm(message, this.locale, Number(params[message.plural]));
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };

  date = (value: number | string): string =>
    new Intl.DateTimeFormat(this.locale === 'nl' ? 'nl-NL' : 'en-GB', { dateStyle: 'long' }).format(new Date(value));
}

export const i18n = new I18n();
export const t = i18n.t;
export type { MessageKey };
