import { describe, expect, it } from 'vitest';
import { mdText, toWerkbladMarkdown } from '../../shared/reports/markdown.ts';
import type { WerkbladInput } from '../../shared/reports/markdown.ts';
import { makeInput, obs } from './reports-fixtures.ts';

const werkblad = (): WerkbladInput => ({
  goal: 'Zien hoe Anna de *regie* bij de cliënt laat',
  watchWith: ['Piet Jansen', 'een collega'],
  themes: [
    { id: 't-contact', name: 'Contact maken', questions: ['Hoe begint het gesprek?', 'Wie praat het meest?'], vraag: 'Maak ik echt contact?', anders: 'Eerst vragen hoe het gaat' },
    { id: 't-regie', name: 'Regie bij de cliënt', questions: [], vraag: '', anders: '' },
  ],
  aandachtspunten: [{ text: 'Stiltes laten vallen' }, { text: 'Samenvatten' }],
  slim: { selfImage: 'Ik laat ruimte', role: 'begeleider', matches: false },
});

const section = (md: string, heading: string): string => {
  const start = md.indexOf(`${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const level = heading.match(/^#+/)![0].length;
  const rest = md.slice(start + heading.length + 1);
  const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return next === -1 ? rest : rest.slice(0, next);
};

describe('toWerkbladMarkdown', () => {
  it('renders title, dates, participants by role, goal and the three columns per theme', () => {
    const md = toWerkbladMarkdown({ ...makeInput(), werkblad: werkblad() }, { pseudonymise: false });
    expect(md.startsWith('# Werkblad Van kijken naar zien: Gesprek met Jan de Vries, café "De Hoek"\n')).toBe(true);
    expect(md).toContain('- **Opname:** 12 maart 2024');
    expect(md).toContain('- **Geëxporteerd:** 14 maart 2024');
    expect(section(md, '## Deelnemers')).toBe(
      '\n- **begeleider:** Anna Bakker\n- **klantmanager:** Eline Maréchal\n- **coach:** Piet Jansen, Zoë van den Berg\n- **cliënt:** Jan de Vries\n\n',
    );
    expect(section(md, '## Doel')).toContain('Zien hoe Anna de \\*regie\\* bij de cliënt laat');
    expect(md).toContain('**Kijken met:** Piet Jansen, een collega');

    const contact = section(md, '### Contact maken');
    expect(contact).toContain('- Hoe begint het gesprek?\n- Wie praat het meest?');
    expect(contact).toContain('**Vraag**\n\nMaak ik echt contact?');
    expect(contact).toContain('**Anders**\n\nEerst vragen hoe het gaat');
    // Zie: only 'zie' observations with this theme, in time order, with timecodes.
    expect(contact).toContain(
      '- `00:00.001–00:00.002` Eerste seconde: begroeting door Anna (Anna Bakker)\n' +
        '- `01:01.234–01:15.500` Jan knikt, zegt "ja" en kijkt weg.  \n  Daarna: stilte; Anna wacht. (Anna Bakker)\n',
    );
    expect(contact).not.toContain('Waarom vraagt'); // kind 'vraag'
    const regie = section(md, '### Regie bij de cliënt');
    expect(regie).toContain('_(nog geen observaties)_'); // the t-regie observation is a 'vraag'
    expect(regie).toContain('**Vraag**\n\n_(niet ingevuld)_');
  });

  it('lists fragments in order with reflectievragen; client feedback only when asked', () => {
    const input = { ...makeInput(), werkblad: werkblad() };
    const without = toWerkbladMarkdown(input, { pseudonymise: false });
    const fragments = section(without, '## Fragmenten');
    expect(fragments.indexOf('### 1. Begin \\<contact\\> (`01:00.000–01:30.000`)')).toBeGreaterThanOrEqual(0);
    expect(fragments.indexOf('### 2. Afsluiting met Jan (`05:00.000–06:00.500`)')).toBeGreaterThan(0);
    expect(fragments).toContain('- **Reflectievraag:** Hoe maakte Anna contact?');
    expect(fragments).toContain('- **Thema’s:** Regie bij de cliënt');
    expect(without).not.toContain('Feedback cliënt');
    expect(without).not.toContain('Voelde me gehoord');

    const withFeedback = toWerkbladMarkdown(input, { pseudonymise: false, includeClientFeedback: true });
    expect(withFeedback).toContain('- **Feedback cliënt:** Voelde me gehoord');
    expect(withFeedback).toContain('- **Feedback cliënt:** Jan vond het fijn & prettig');
  });

  it('renders aandachtspunten and SLIM, and leaves SLIM out when absent', () => {
    const md = toWerkbladMarkdown({ ...makeInput(), werkblad: werkblad() }, { pseudonymise: false });
    expect(section(md, '## Aandachtspunten')).toBe('\n- Stiltes laten vallen\n- Samenvatten\n\n');
    expect(section(md, '## SLIM')).toBe(
      '\n- **Zelfbeeld:** Ik laat ruimte\n- **Rol:** begeleider\n- **Zelfbeeld en rol komen overeen:** nee\n',
    );
    const none = toWerkbladMarkdown({ ...makeInput(), werkblad: { ...werkblad(), slim: null } }, { pseudonymise: false });
    expect(none).not.toContain('## SLIM');
  });

  it('pseudonymises participants and the werkblad texts', () => {
    const md = toWerkbladMarkdown({ ...makeInput(), werkblad: werkblad() }, { pseudonymise: true });
    expect(md).toContain('# Werkblad Van kijken naar zien: Gesprek met Noor, café "De Hoek"');
    expect(md).toContain('- **coach:** coach 1, coach 2');
    expect(md).toContain('- **cliënt:** Noor');
    expect(md).toContain('Zien hoe begeleider de \\*regie\\* bij de cliënt laat');
    expect(md).toContain('**Kijken met:** coach 1, een collega');
    expect(md).toContain('(begeleider)');
    expect(md).not.toMatch(/Anna|Jansen|Zoë|Jan\b/);
  });

  it('escapes Markdown and HTML in user text', () => {
    expect(mdText('# kop')).toBe('\\# kop');
    expect(mdText('## kop')).toBe('\\## kop');
    expect(mdText('- punt\n+ plus\n1. een\n---')).toBe('\\- punt  \n\\+ plus  \n1\\. een  \n\\---');
    expect(mdText('<script>alert(1)</script> [link](x) `code` _i_ a|b ~~s~~ \\')).toBe(
      '\\<script\\>alert(1)\\</script\\> \\[link\\](x) \\`code\\` \\_i\\_ a\\|b \\~\\~s\\~\\~ \\\\',
    );
    const input = makeInput();
    input.observations = [obs({ start: 1, themes: ['t-contact'], text: '<img src=x onerror=alert(1)>' })];
    const md = toWerkbladMarkdown({ ...input, werkblad: werkblad() }, { pseudonymise: false });
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).toContain('\\<img src=x onerror=alert(1)\\>');
  });
});
