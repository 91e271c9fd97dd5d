import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAandachtspunt,
  addFragment,
  chooseThemes,
  deleteFragment,
  ensureMetaText,
  META,
  metaText,
  moveFragment,
  moveObservations,
  nextFragment,
  readAandachtspunten,
  readFragments,
  readLeerpunten,
  readPlaylist,
  readSlim,
  readWerkblad,
  setLeerpunt,
  setMetaText,
  setPlaylist,
  setSlimRole,
  setSlimSelfImage,
  setStep,
  setWatchWith,
  themeTextKey,
  toggleTheme,
  updateAandachtspunt,
  updateFragment,
  type FragmentInit,
} from '../../shared/kijkwijzer/doc.ts';
import { leerpuntAsText } from '../../shared/kijkwijzer/share.ts';
import { addObservation, metaMap, readObservations, restoreContent } from '../../shared/notes/doc.ts';

const sync = (a: Y.Doc, b: Y.Doc) => {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
};

const fragment = (title: string, start: number, end: number, extra: Partial<FragmentInit> = {}): FragmentInit => ({
  start,
  end,
  title,
  question: `Wat gebeurt er bij ${title}?`,
  themes: ['emotie'],
  ...extra,
});

describe('the werkblad in the shared document', () => {
  it('starts empty, at the opname step', () => {
    expect(readWerkblad(new Y.Doc())).toEqual({ goal: '', watchWith: [], watchWithOther: '', themes: [], themesProblem: null, themeNotes: {}, step: 'opname' });
  });

  it('accepts 1 to 3 known themes and refuses 0, 4, unknown and duplicate choices without writing', () => {
    const doc = new Y.Doc();
    expect(chooseThemes(doc, [])).toEqual({ ok: false, reason: 'too_few' });
    expect(chooseThemes(doc, ['emotie', 'weerstand', 'feedback', 'resultaten'])).toEqual({ ok: false, reason: 'too_many' });
    expect(chooseThemes(doc, ['emotie', 'geen-thema'])).toEqual({ ok: false, reason: 'unknown_theme' });
    expect(chooseThemes(doc, ['emotie', 'emotie'])).toEqual({ ok: false, reason: 'duplicate' });
    expect(metaMap(doc).has(META.themes)).toBe(false);
    for (const choice of [['emotie'], ['emotie', 'weerstand'], ['emotie', 'weerstand', 'benadering']]) {
      expect(chooseThemes(doc, choice)).toEqual({ ok: true });
      expect(readWerkblad(doc).themes).toEqual(choice);
    }
  });

  it('toggles themes one at a time, refusing a fourth and the removal of the last one', () => {
    const doc = new Y.Doc();
    expect(toggleTheme(doc, 'emotie').ok).toBe(true);
    expect(toggleTheme(doc, 'emotie')).toEqual({ ok: false, reason: 'too_few' });
    toggleTheme(doc, 'weerstand');
    toggleTheme(doc, 'doel');
    expect(toggleTheme(doc, 'agenda')).toEqual({ ok: false, reason: 'too_many' });
    expect(readWerkblad(doc).themes).toEqual(['emotie', 'weerstand', 'doel']);
    expect(toggleTheme(doc, 'weerstand').ok).toBe(true);
    expect(readWerkblad(doc).themes).toEqual(['emotie', 'doel']);
  });

  it('validates a choice a peer wrote behind the rules when reading it', () => {
    const doc = new Y.Doc();
    metaMap(doc).set(META.themes, ['emotie', 'emotie', 'onzin', 'weerstand', 'feedback', 'resultaten']);
    expect(readWerkblad(doc)).toMatchObject({ themes: ['emotie', 'weerstand', 'feedback'], themesProblem: 'unknown_theme' });
    metaMap(doc).set(META.themes, ['emotie', 'weerstand', 'feedback', 'resultaten']);
    expect(readWerkblad(doc)).toMatchObject({ themes: ['emotie', 'weerstand', 'feedback'], themesProblem: 'too_many' });
    metaMap(doc).set(META.themes, 'emotie');
    expect(readWerkblad(doc)).toMatchObject({ themes: [], themesProblem: 'unknown_theme' });
  });

  it('creates the chosen themes\' vraag and anders texts with the choice, and co-edits them', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    chooseThemes(a, ['weerstand']);
    expect(metaText(a, themeTextKey('weerstand', 'vraag'))).toBeInstanceOf(Y.Text);
    sync(a, b);
    metaText(a, themeTextKey('weerstand', 'vraag'))!.insert(0, 'Waarom haakt ze af?');
    metaText(b, themeTextKey('weerstand', 'anders'))!.insert(0, 'Eerder doorvragen');
    setMetaText(b, META.goal, 'Twijfel over het begin');
    sync(a, b);
    expect(readWerkblad(a)).toMatchObject({
      goal: 'Twijfel over het begin',
      themeNotes: { weerstand: { vraag: 'Waarom haakt ze af?', anders: 'Eerder doorvragen' } },
    });
  });

  it('only creates texts at known keys', () => {
    expect(() => ensureMetaText(new Y.Doc(), 'werkblad.iets')).toThrow(TypeError);
  });

  it('keeps watch-with ids and the step only when they are known', () => {
    const doc = new Y.Doc();
    expect(setWatchWith(doc, ['coach', 'onderzoeker'])).toBe(true);
    expect(setWatchWith(doc, ['koning'])).toBe(false);
    expect(setWatchWith(doc, ['coach', 'coach'])).toBe(false);
    expect(setStep(doc, 'bevragen')).toBe(true);
    expect(setStep(doc, 'dansen')).toBe(false);
    expect(readWerkblad(doc)).toMatchObject({ watchWith: ['coach', 'onderzoeker'], step: 'bevragen' });
    metaMap(doc).set(META.step, 'dansen');
    metaMap(doc).set(META.watchWith, ['coach', 'koning', 3]);
    expect(readWerkblad(doc)).toMatchObject({ watchWith: ['coach'], step: 'opname' });
  });
});

describe('SLIM', () => {
  it('matches self-image and role only when both are chosen and inside the model', () => {
    const doc = new Y.Doc();
    expect(readSlim(doc).matches).toBeNull();
    setSlimSelfImage(doc, 'opgegeven');
    expect(readSlim(doc).matches).toBeNull();
    setSlimRole(doc, 'ouder');
    expect(readSlim(doc)).toMatchObject({ selfImage: 'opgegeven', role: 'ouder', matches: true });
    setSlimRole(doc, 'leraar');
    expect(readSlim(doc).matches).toBe(false);
    setSlimRole(doc, 'anders');
    setMetaText(doc, META.slimRoleOther, 'Coach');
    expect(readSlim(doc)).toMatchObject({ matches: null, roleOther: 'Coach' });
    expect(setSlimSelfImage(doc, 'onbekend')).toBe(false);
    setSlimSelfImage(doc, null);
    expect(readSlim(doc).selfImage).toBeNull();
  });
});

describe('fragments and the playlist', () => {
  it('keeps fragments in playlist order, appends new ones, and reorders', () => {
    const doc = new Y.Doc();
    const a = addFragment(doc, fragment('begin', 10, 20));
    const b = addFragment(doc, fragment('midden', 5, 8));
    const c = addFragment(doc, fragment('einde', 30, 40));
    expect(readFragments(doc).map((f) => f.title)).toEqual(['begin', 'midden', 'einde']);
    expect(moveFragment(doc, c, -1)).toBe(true);
    expect(readFragments(doc).map((f) => f.id)).toEqual([a, c, b]);
    expect(moveFragment(doc, a, -1)).toBe(false);
    expect(nextFragment(doc, null)?.id).toBe(a);
    expect(nextFragment(doc, c)?.id).toBe(b);
    expect(nextFragment(doc, b)).toBeNull();
  });

  it('refuses a fragment that ends before it starts or has unknown themes, and skips forged entries', () => {
    const doc = new Y.Doc();
    expect(() => addFragment(doc, fragment('omgekeerd', 20, 10))).toThrow(TypeError);
    expect(() => addFragment(doc, fragment('leeg', 10, 10))).toThrow(TypeError);
    expect(() => addFragment(doc, fragment('thema', 1, 2, { themes: ['onzin'] }))).toThrow(TypeError);
    const id = addFragment(doc, fragment('goed', 1, 2));
    expect(() => updateFragment(doc, id, { end: 0 })).toThrow(TypeError);
    expect(updateFragment(doc, id, { title: 'beter', themes: ['weerstand'] })).toBe(true);
    const forged = new Y.Map<unknown>();
    doc.getMap('fragments').set('x', forged);
    forged.set('id', 'y');
    expect(readFragments(doc).map((f) => [f.title, f.themes])).toEqual([['beter', ['weerstand']]]);
    expect(readFragments(doc)[0]).not.toHaveProperty('clientFeedback');
  });

  it('tracks the current fragment and forgets it when the fragment is deleted', () => {
    const doc = new Y.Doc();
    const id = addFragment(doc, fragment('begin', 10, 20));
    expect(setPlaylist(doc, { fragmentId: 'onbekend', driverId: 'p1' })).toBe(false);
    expect(setPlaylist(doc, { fragmentId: id, driverId: 'p1' })).toBe(true);
    expect(readPlaylist(doc)).toEqual({ fragmentId: id, driverId: 'p1' });
    deleteFragment(doc, id);
    expect(readPlaylist(doc)).toBeNull();
  });
});

describe('aandachtspunten and leerpunten', () => {
  it('links aandachtspunten to fragments and observations', () => {
    const doc = new Y.Doc();
    const id = addAandachtspunt(doc, { text: 'Vaker samenvatten', fragmentIds: ['f1'], observationIds: [], authorId: 'p1', authorName: 'Karin' });
    expect(updateAandachtspunt(doc, id, { observationIds: ['o1', 'o2'] })).toBe(true);
    expect(readAandachtspunten(doc)).toMatchObject([{ id, text: 'Vaker samenvatten', fragmentIds: ['f1'], observationIds: ['o1', 'o2'] }]);
    expect(() => addAandachtspunt(doc, { text: 'x'.repeat(5000), fragmentIds: [], observationIds: [], authorId: 'p', authorName: 'K' })).toThrow(TypeError);
  });

  it('records one leerpunt per aandachtspunt and replaces it on a second write', () => {
    const doc = new Y.Doc();
    const base = { id: 'a1', sourceRoomId: 'room1', aandachtspunt: 'Vaker samenvatten', authorId: 'p1', authorName: 'Karin' };
    setLeerpunt(doc, { ...base, tried: 'Na elk onderwerp samengevat', outcome: '' });
    setLeerpunt(doc, { ...base, tried: 'Na elk onderwerp samengevat', outcome: 'Cliënt vulde aan' });
    expect(readLeerpunten(doc)).toMatchObject([{ id: 'a1', outcome: 'Cliënt vulde aan' }]);
  });

  it('shares a leerpunt as text without names, rooms or times', () => {
    const text = leerpuntAsText({ aandachtspunt: 'Vaker samenvatten', tried: 'Samengevat', outcome: 'Goed\r\n\r\n\r\nbeter' }, 'nl');
    expect(text).toBe(
      'Leerpunt uit een gesprek dat ik heb teruggekeken\n\nWat ik anders wilde doen:\nVaker samenvatten\n\nWat ik heb geprobeerd:\nSamengevat\n\nHoe het ging:\nGoed\n\nbeter\n',
    );
    expect(leerpuntAsText({ aandachtspunt: 'A', tried: '', outcome: '' }, 'en')).toBe('A learning point from a conversation I watched back\n\nWhat I wanted to do differently:\nA\n');
  });
});

describe('restoring a version', () => {
  it('brings back the Kijkwijzer maps too', () => {
    const doc = new Y.Doc();
    addFragment(doc, fragment('begin', 10, 20));
    chooseThemes(doc, ['emotie']);
    const version = new Y.Doc();
    Y.applyUpdate(version, Y.encodeStateAsUpdate(doc));
    addFragment(doc, fragment('later', 30, 40));
    addAandachtspunt(doc, { text: 'weg', fragmentIds: [], observationIds: [], authorId: 'p', authorName: 'K' });
    chooseThemes(doc, ['weerstand']);
    restoreContent(doc, version);
    expect(readFragments(doc).map((f) => f.title)).toEqual(['begin']);
    expect(readAandachtspunten(doc)).toEqual([]);
    expect(readWerkblad(doc).themes).toEqual(['emotie']);
  });
});

describe('moving private observations into the shared document', () => {
  const obs = (text: string, start: number) => ({ start, end: start + 2, themes: ['emotie'], kind: 'zie' as const, text, authorId: 'p1', authorName: 'Karin', role: 'klantmanager' as const, createdAt: 1000 + start });
  const author = { authorId: 'p1', authorName: 'Karin', role: 'klantmanager' as const };

  it('moves the chosen ones with their times, author and createdAt, and removes them from the private document', () => {
    const priv = new Y.Doc();
    const shared = new Y.Doc();
    const a = addObservation(priv, obs('eerste', 10));
    const b = addObservation(priv, obs('tweede', 20));
    expect(moveObservations(priv, shared, [b, 'onbekend'], author)).toEqual([b]);
    expect(readObservations(priv).map((o) => o.id)).toEqual([a]);
    expect(readObservations(shared)).toMatchObject([{ id: b, start: 20, end: 22, text: 'tweede', authorName: 'Karin', createdAt: 1020 }]);
    expect(moveObservations(priv, shared, 'all', author)).toEqual([a]);
    expect(readObservations(priv)).toEqual([]);
    expect(readObservations(shared).map((o) => o.text)).toEqual(['eerste', 'tweede']);
  });

  it('stamps the vouched-for author over whatever the private document claimed', () => {
    const priv = new Y.Doc();
    const shared = new Y.Doc();
    addObservation(priv, { ...obs('vals', 1), authorId: 'someone-else', authorName: 'Iemand', role: 'begeleider' });
    moveObservations(priv, shared, 'all', author);
    expect(readObservations(shared)[0]).toMatchObject({ authorId: 'p1', authorName: 'Karin', role: 'klantmanager' });
  });

  it('does not duplicate an observation already revealed', () => {
    const priv = new Y.Doc();
    const shared = new Y.Doc();
    const id = addObservation(priv, obs('eens', 1));
    addObservation(shared, { ...obs('al gedeeld', 1), id });
    moveObservations(priv, shared, 'all', author);
    expect(readObservations(shared).map((o) => o.text)).toEqual(['al gedeeld']);
    expect(readObservations(priv)).toEqual([]);
  });
});
