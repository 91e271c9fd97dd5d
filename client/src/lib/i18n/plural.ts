/**
 * A message whose words depend on a number ("1 dag", "14 dagen"): one form per plural category of
 * the language, chosen by `Intl.PluralRules`, so no message ever says "1 dagen".
 */
export interface Plural {
  /** The parameter whose value decides the form. */
  readonly plural: string;
  readonly one: string;
  readonly other: string;
  readonly zero?: string;
  readonly two?: string;
  readonly few?: string;
  readonly many?: string;
}

export type Message = string | Plural;

export const plural = (param: string, forms: Omit<Plural, 'plural'>): Plural => ({ plural: param, ...forms });

const rules = new Map<string, Intl.PluralRules>();

/** The form of `message` for `value` in `locale` ("other" when the language's category has no form). */
export function pluralForm(message: Plural, locale: string, value: number): string {
  let rule = rules.get(locale);
  if (!rule) {
    rule = new Intl.PluralRules(locale);
    rules.set(locale, rule);
  }
  return message[rule.select(value)] ?? message.other;
}
