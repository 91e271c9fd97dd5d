import { describe, expect, it } from 'vitest';
import { en } from '../../client/src/lib/i18n/en.ts';
import { nl } from '../../client/src/lib/i18n/nl.ts';
import { pluralForm, type Message, type Plural } from '../../client/src/lib/i18n/plural.ts';

const isPlural = (m: Message): m is Plural => typeof m !== 'string';

/**
 * Plain (non-plural) messages that put a count right before a word, and why that word does not
 * change with the count. Every other "{n} word" message must be a plural.
 */
const NOT_A_COUNTED_NOUN: Record<string, string> = {
  'kw.werkblad.themeCount': '"{count} van maximaal {max} thema’s": the noun goes with max, which is 3',
  'kw.playlist.current': '"Fragment {n} van {total}": n is the fragment’s number',
  'invites.joined': '"{n} deelgenomen" / "{n} joined": a verb, the same for any number',
  'media.facts.fps': '"{n} beelden/s": a unit',
  'validation.too_small': '"minstens {limit} zijn": a verb follows the number',
  'validation.too_big': '"hoogstens {limit} zijn": a verb follows the number',
  'spreektijd.overlapItem': '"{speaker} door {over} heen": over is the speaker talked over, not a number',
};
const COUNT_BEFORE_WORD = /\{(n|count|total|shown|over|limit)\} \p{L}/u;

describe('the message catalogues', () => {
  it('have the same keys in Dutch and English, and a plural in one is a plural in the other', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(nl).sort());
    for (const key of Object.keys(nl) as (keyof typeof nl)[]) {
      expect(isPlural(en[key]), key).toBe(isPlural(nl[key] as Message));
    }
  });

  it('say a count before a noun only through plural forms (Intl.PluralRules), so never "1 dagen"', () => {
    for (const [language, catalogue] of [['nl', nl], ['en', en]] as const) {
      for (const [key, message] of Object.entries(catalogue) as [string, Message][]) {
        if (isPlural(message)) {
          expect(message.one, `${language} ${key}`).toContain(`{${message.plural}}`);
          expect(message.other, `${language} ${key}`).toContain(`{${message.plural}}`);
          continue;
        }
        if (key in NOT_A_COUNTED_NOUN) continue;
        expect(message, `${language} ${key}: a count before a word needs a plural`).not.toMatch(COUNT_BEFORE_WORD);
      }
    }
  });

  it('list only exceptions that are needed', () => {
    for (const key of Object.keys(NOT_A_COUNTED_NOUN)) {
      const texts = [nl, en].map((c) => (c as Record<string, Message>)[key]!).flatMap((m) => (isPlural(m) ? [] : [m]));
      expect(texts.some((text) => COUNT_BEFORE_WORD.test(text)), key).toBe(true);
    }
  });

  it('choose the form by the language’s plural rules', () => {
    const days = nl['invites.expiry.days'] as Plural;
    expect(pluralForm(days, 'nl', 1)).toBe('{n} dag');
    expect(pluralForm(days, 'nl', 14)).toBe('{n} dagen');
    expect(pluralForm(days, 'nl', 0)).toBe('{n} dagen');
    expect(pluralForm(en['invites.expiry.days'] as Plural, 'en', 1)).toBe('{n} day');
    expect(pluralForm(en['counter.over'] as Plural, 'en', 3)).toBe('{n} characters too many');
  });
});
