import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GENERAL_ATTENTION_POINT,
  GOAL_PROMPT,
  KIJKWIJZER_STEPS,
  KIJKWIJZER_THEMES,
  MAX_THEMES,
  MIN_THEMES,
  PROFESSIONAL_ROLE_IDS,
  SELF_IMAGE_IDS,
  SLIM_MATCHES,
  SLIM_ROLES,
  SLIM_SELF_IMAGES,
  SLIM_TRAJECTORIES,
  THEME_CHOICE_PROMPT,
  THEME_IDS,
  WATCH_WITH,
  WATCH_WITH_PROMPT,
  WERKBLAD_COLUMNS,
  WORKSHEET_THEMES,
  isThemeId,
  matchesSelfImage,
  themeById,
  validateThemeChoice,
  type Bilingual,
  type KijkwijzerOption,
} from '../../shared/kijkwijzer/index.ts';

const raw = readFileSync(new URL('../fixtures/kijkwijzer-source.txt', import.meta.url), 'utf8').replace(/\r\n/g, '\n');

/**
 * Undo the PDF extraction: words split across lines ("beleids-\nmedewerkers"), ">>" page-continuation
 * marks and layout whitespace. A hyphen followed by a space ("praat- en") is a real one and stays.
 */
function normalise(text: string): string {
  return text
    .replace(/(\p{L})-\n[ \t]*(\p{Ll})/gu, '$1$2')
    .replace(/>>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const seed = normalise(raw);

/** Paragraph by paragraph, because the seed's layout may separate a theme's paragraphs. */
function expectQuoted(text: string, label: string, source = seed): void {
  for (const paragraph of text.split(/\n\s*\n/)) {
    // A boolean keeps a failure message to the missing text instead of the whole seed.
    expect(source.includes(normalise(paragraph)), `${label}: "${paragraph}" not in the seed`).toBe(true);
  }
}

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) throw new Error(`seed section ${start} … ${end} not found`);
  return text.slice(from + start.length, to);
}

/** Layout blocks: separated by blank lines or by a page start (a line indented by the extraction). */
function blocks(text: string): string[] {
  return text
    .split(/\n[ \t]*\n|\n(?=[ \t]+\S)/)
    .map(normalise)
    .filter((block) => block !== '');
}

/** The bullet items of the list that starts at `marker`, up to the next blank line. */
function bulletsAfter(marker: string, fromEnd = false): string[] {
  const at = fromEnd ? raw.lastIndexOf(marker) : raw.indexOf(marker);
  if (at < 0) throw new Error(`seed list ${marker} not found`);
  const rest = raw.slice(at);
  const end = rest.search(/\n[ \t]*\n/);
  return normalise(end < 0 ? rest : rest.slice(0, end))
    .split('•')
    .slice(1)
    .map((item) => item.trim());
}

const KIJKWIJZER_SECTION = between(raw, 'Werkwijze\n(vervolg)', 'Het subjectief logisch');
const WERKWIJZE_SECTION = between(raw, 'Vreemde ogen\n Werkwijze', 'Werkwijze\n(vervolg)');
const WERKBLAD_SECTION = raw.slice(raw.indexOf(' Werkblad\n'));

const optionText = (option: KijkwijzerOption<string>): string =>
  option.description ? `${option.label.nl} (${option.description.nl})` : option.label.nl;

/** Every Dutch string a theme contributes to the Kijkwijzer pages, as it should read in the seed. */
function themeTexts(): string[] {
  return KIJKWIJZER_THEMES.flatMap((theme) => [
    theme.title.nl,
    theme.why.nl,
    ...theme.questions.flatMap((q) => [q.nl, ...(q.options ?? []).map(optionText)]),
    ...theme.tips.flatMap((tip) => [tip.nl, ...(tip.items ?? []).map((item) => item.nl)]),
  ]);
}

/** Removes the given texts from a seed section, longest first so short texts cannot eat into long ones. */
function leftover(section: string, texts: string[]): string {
  let rest = normalise(section);
  const paragraphs = texts.flatMap((text) => text.split(/\n\s*\n/)).map(normalise);
  for (const text of [...new Set(paragraphs)].sort((a, b) => b.length - a.length)) {
    rest = rest.split(text).join(' ');
  }
  return rest.replace(/\s+/g, ' ').trim();
}

/** Every {nl, en} pair in the data, with its path for failure messages. */
function bilinguals(value: unknown, path = '', found: { path: string; value: Bilingual }[] = []) {
  if (Array.isArray(value)) value.forEach((item, i) => bilinguals(item, `${path}[${i}]`, found));
  else if (value !== null && typeof value === 'object') {
    if ('nl' in value && typeof value.nl === 'string') found.push({ path, value: value as Bilingual });
    for (const [key, child] of Object.entries(value)) {
      if (key !== 'nl' && key !== 'en') bilinguals(child, `${path}.${key}`, found);
    }
  }
  return found;
}

const ALL_DATA = {
  KIJKWIJZER_THEMES,
  WORKSHEET_THEMES,
  WATCH_WITH,
  WATCH_WITH_PROMPT,
  GOAL_PROMPT,
  THEME_CHOICE_PROMPT,
  WERKBLAD_COLUMNS,
  KIJKWIJZER_STEPS,
  GENERAL_ATTENTION_POINT,
  SLIM_SELF_IMAGES,
  SLIM_ROLES,
  SLIM_TRAJECTORIES,
  SLIM_MATCHES,
};

describe('Kijkwijzer themes against the seed', () => {
  it('has exactly the seed’s theme headings, in order', () => {
    const headings = blocks(KIJKWIJZER_SECTION).filter((block) => !block.includes('•') && block.endsWith('?'));
    expect(headings).toHaveLength(11);
    expect(KIJKWIJZER_THEMES.map((theme) => theme.title.nl)).toEqual(headings);
  });

  it('puts each theme in the group of the seed page it is printed on', () => {
    const groupOf = new Map<string, string>();
    let pending: string[] = [];
    for (const block of blocks(KIJKWIJZER_SECTION)) {
      if (!block.includes('•') && block.endsWith('?')) pending.push(block);
      if (block === 'Algemeen' || block === 'Specifiek') {
        for (const heading of pending) groupOf.set(heading, block.toLowerCase());
        pending = [];
      }
    }
    for (const theme of KIJKWIJZER_THEMES) expect(theme.group, theme.id).toBe(groupOf.get(theme.title.nl));
  });

  it('quotes every Dutch title, why, question and tip verbatim from the seed', () => {
    for (const text of themeTexts()) expectQuoted(text, 'theme');
  });

  it('leaves nothing of the seed’s Kijkwijzer pages untranscribed', () => {
    const layout = /\b(Thema|Tips|Algemeen|Specifiek|Waarom belangrijk|Kijkwijzer-vragen)\b|[•-]/g;
    expect(leftover(KIJKWIJZER_SECTION, themeTexts()).replace(layout, '').trim()).toBe('');
  });

  it('has unique lowercase ascii ids matching THEME_IDS', () => {
    const ids = KIJKWIJZER_THEMES.map((theme) => theme.id);
    expect(ids).toEqual([...THEME_IDS]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+$/);
  });

  it('gives every theme questions, tips and a unique short name', () => {
    for (const theme of KIJKWIJZER_THEMES) {
      expect(theme.questions.length, theme.id).toBeGreaterThan(0);
      expect(theme.tips.length, theme.id).toBeGreaterThan(0);
    }
    for (const language of ['nl', 'en'] as const) {
      const names = KIJKWIJZER_THEMES.map((theme) => theme.shortName[language].toLowerCase());
      expect(new Set(names).size, language).toBe(names.length);
    }
  });

  it('gives every theme a distinct hex colour readable on white', () => {
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const channel = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const luminance = (hex: string) => {
      const [r, g, b] = rgb(hex).map(channel) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const colors = KIJKWIJZER_THEMES.map((theme) => theme.color);
    for (const color of colors) {
      expect(color).toMatch(/^#[0-9A-F]{6}$/i);
      // WCAG contrast against white (luminance 1).
      expect(1.05 / (luminance(color) + 0.05), color).toBeGreaterThanOrEqual(4.5);
    }
    for (const [i, a] of colors.entries()) {
      for (const b of colors.slice(i + 1)) {
        const [p, q] = [rgb(a), rgb(b)];
        expect(Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!), `${a} vs ${b}`).toBeGreaterThanOrEqual(50);
      }
    }
  });

  it('looks themes up by id and recognises only real ids', () => {
    expect(themeById('doel').title.nl).toBe('Is het doel van het gesprek helder?');
    expect(themeById('Doel')).toBeUndefined();
    expect(isThemeId('spreektijd')).toBe(true);
    expect(isThemeId('Spreektijd')).toBe(false);
    expect(isThemeId('')).toBe(false);
    expect(isThemeId(7)).toBe(false);
  });
});

describe('werkblad against the seed', () => {
  const choiceBlocks = blocks(between(WERKBLAD_SECTION, 'kies er', 'Wat ik me afvraag'));

  it('offers exactly the seed’s "kijk samen met" options and worksheet theme names', () => {
    const printed = choiceBlocks.filter((block) => !block.includes(':')).slice(1).sort();
    const ours = [
      ...WATCH_WITH.filter((option) => !option.freeText).map((option) => option.label.nl),
      ...WORKSHEET_THEMES.map((theme) => theme.name.nl),
    ].sort();
    expect(ours).toEqual(printed);
    const other = WATCH_WITH.filter((option) => option.freeText);
    expect(other.map((option) => option.label.nl)).toEqual(['Anders']);
    expect(choiceBlocks).toContainEqual(expect.stringMatching(/^Anders: _+$/));
    expect(new Set(WATCH_WITH.map((option) => option.id)).size).toBe(WATCH_WITH.length);
  });

  it('maps every Kijkwijzer theme to exactly one worksheet theme', () => {
    const mapped = WORKSHEET_THEMES.flatMap((theme) => theme.themeIds);
    expect([...mapped].sort()).toEqual([...THEME_IDS].sort());
  });

  it('takes the theme limits from the seed', () => {
    const [, min, max] = /kies er (\d+) tot (\d+)/.exec(seed) ?? [];
    expect([MIN_THEMES, MAX_THEMES]).toEqual([Number(min), Number(max)]);
    expectQuoted(THEME_CHOICE_PROMPT.nl, 'theme choice prompt');
    expectQuoted(WATCH_WITH_PROMPT.nl, 'watch with prompt');
    expectQuoted(GOAL_PROMPT.nl, 'goal prompt');
  });

  it('has the seed’s three columns, with the time code on what you see', () => {
    expect(WERKBLAD_COLUMNS.map((column) => column.id)).toEqual(['vraag', 'zie', 'anders']);
    const werkblad = normalise(WERKBLAD_SECTION);
    for (const column of WERKBLAD_COLUMNS) {
      const printed = column.withTimecode ? `${column.label.nl}: (+ tijdcode):` : `${column.label.nl}:`;
      expectQuoted(printed, column.id, werkblad);
      expectQuoted(column.prompt.nl, column.id);
    }
    expect(WERKBLAD_COLUMNS.filter((column) => column.withTimecode).map((column) => column.id)).toEqual(['zie']);
  });

  describe('validateThemeChoice', () => {
    it('accepts 1 to 3 distinct known themes', () => {
      expect(validateThemeChoice(['emotie'])).toEqual({ ok: true });
      expect(validateThemeChoice(['emotie', 'doel', 'benadering'])).toEqual({ ok: true });
    });
    it('rejects too few and too many', () => {
      expect(validateThemeChoice([])).toEqual({ ok: false, reason: 'too_few' });
      expect(validateThemeChoice(['emotie', 'doel', 'agenda', 'benadering'])).toEqual({
        ok: false,
        reason: 'too_many',
      });
    });
    it('rejects unknown and duplicate themes', () => {
      expect(validateThemeChoice(['emotie', 'Emotie'])).toEqual({ ok: false, reason: 'unknown_theme' });
      expect(validateThemeChoice(['emotie', 'emotie'])).toEqual({ ok: false, reason: 'duplicate' });
    });
    it('names the real mistake before the count', () => {
      expect(validateThemeChoice(['emotie', 'doel', 'agenda', 'x'])).toEqual({ ok: false, reason: 'unknown_theme' });
      expect(validateThemeChoice(['doel', 'doel', 'doel', 'doel'])).toEqual({ ok: false, reason: 'duplicate' });
    });
  });
});

describe('werkwijze steps against the seed', () => {
  it('has the seed’s steps in the seed’s order', () => {
    const stepSection = normalise(WERKWIJZE_SECTION);
    const positions = KIJKWIJZER_STEPS.map((step) => stepSection.indexOf(normalise(step.description.nl)));
    for (const step of KIJKWIJZER_STEPS) expectQuoted(step.title.nl, step.id, stepSection);
    expect(positions.every((at) => at >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(KIJKWIJZER_STEPS.map((step) => step.id)).size).toBe(KIJKWIJZER_STEPS.length);
  });

  it('leaves nothing of the werkwijze pages untranscribed', () => {
    const texts = [...KIJKWIJZER_STEPS.flatMap((step) => [step.title.nl, step.description.nl]), GENERAL_ATTENTION_POINT.nl];
    expect(leftover(WERKWIJZE_SECTION, texts).replace(/\b(Werkwijze|Aandachtspunt)\b/g, '').trim()).toBe('');
  });
});

describe('SLIM against the seed', () => {
  // The werkblad page (last occurrence) prints the lists complete with "Anders, namelijk …".
  const selfImages = bulletsAfter('Zelfbeeld – wat zegt de cliënt (impliciet) over zichzelf:', true);
  const roles = bulletsAfter('Wat is in essentie je rol(opvatting) in dit gesprek?', true);
  const trajectories = bulletsAfter('Wat is de logica van een traject');
  const needs = normalise(between(raw, 'luister welke behoefte hij', 'Wees je bewust van'))
    .split('•')
    .slice(1)
    .map((need) => need.trim());

  const idOf = <Id extends string>(options: readonly KijkwijzerOption<Id>[], printed: string): Id => {
    const option = options.find((o) => optionText(o) === printed);
    if (!option) throw new Error(`no option for "${printed}"`);
    return option.id;
  };

  it('lists the seed’s self-images, roles and trajectories in the seed’s order', () => {
    expect(SLIM_SELF_IMAGES.map(optionText)).toEqual(selfImages);
    expect(SLIM_ROLES.map(optionText)).toEqual(roles);
    expect(SLIM_TRAJECTORIES.map(optionText)).toEqual(trajectories);
    expect(SLIM_SELF_IMAGES.map((o) => o.id)).toEqual([...SELF_IMAGE_IDS]);
    expect(SLIM_ROLES.map((o) => o.id)).toEqual([...PROFESSIONAL_ROLE_IDS]);
  });

  it('matches a self-image only with the role printed at the same position', () => {
    const seedSelfImages = selfImages.slice(0, 4).map((printed) => idOf(SLIM_SELF_IMAGES, printed));
    const seedRoles = roles.slice(0, 4).map((printed) => idOf(SLIM_ROLES, printed));
    for (const [i, selfImage] of seedSelfImages.entries()) {
      for (const [j, role] of seedRoles.entries()) {
        expect(matchesSelfImage(selfImage, role), `${selfImage} × ${role}`).toBe(i === j);
      }
    }
  });

  it('pairs each self-image with the trajectory and need printed at the same position', () => {
    const rows = selfImages.slice(0, 4).map((printed, i) => ({
      selfImage: idOf(SLIM_SELF_IMAGES, printed),
      trajectory: idOf(SLIM_TRAJECTORIES, trajectories[i]!),
      need: needs[i],
    }));
    expect(SLIM_MATCHES.map((m) => ({ selfImage: m.selfImage, trajectory: m.trajectory, need: m.need.nl }))).toEqual(
      rows,
    );
  });

  it('gives no verdict for "anders"', () => {
    for (const role of PROFESSIONAL_ROLE_IDS) expect(matchesSelfImage('anders', role)).toBeNull();
    for (const selfImage of SELF_IMAGE_IDS) expect(matchesSelfImage(selfImage, 'anders')).toBeNull();
  });
});

describe('all Kijkwijzer content', () => {
  const all = bilinguals(ALL_DATA);

  it('has English everywhere, translated rather than copied', () => {
    expect(all.length).toBeGreaterThan(150);
    for (const { path, value } of all) {
      expect(typeof value.en, path).toBe('string');
      expect(value.en.trim(), path).not.toBe('');
      if (value.nl.length > 20) expect(value.en, path).not.toBe(value.nl);
    }
  });

  it('quotes the seed for every Dutch text except the app’s own short names', () => {
    const shortNames = new Set(KIJKWIJZER_THEMES.map((theme) => theme.shortName));
    for (const { path, value } of all) if (!shortNames.has(value)) expectQuoted(value.nl, path);
  });

  it('carries no PDF artefacts', () => {
    for (const { path, value } of all) {
      for (const text of [value.nl, value.en]) {
        expect(text, path).toBe(text.trim());
        expect(text, path).not.toMatch(/>>|-\n| {2}|^[•-]/);
      }
    }
  });
});
