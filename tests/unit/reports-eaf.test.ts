import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { toEaf } from '../../shared/reports/eaf.ts';
import { parseEaf, xmlEvents, XmlSyntaxError } from '../../shared/reports/import.ts';
import { MAX_IMPORT_ITEMS, ReportImportError } from '../../shared/reports/types.ts';
import { byTime, inputFromImported, makeDrawnInput, makeInput, obs } from './reports-fixtures.ts';

/** fast-xml-parser in preserve-order mode: [{ TAG: children[], ':@': attrs }]. */
type Node = Record<string, unknown> & { ':@'?: Record<string, string> };
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
});
const tagOf = (n: Node): string => Object.keys(n).find((k) => k !== ':@')!;
const kids = (n: Node): Node[] => (n[tagOf(n)] as Node[]).filter((c) => tagOf(c) !== '#text');
const attrsOf = (n: Node): Record<string, string> => n[':@'] ?? {};
const textOf = (n: Node): string =>
  (n[tagOf(n)] as Node[]).map((c) => (tagOf(c) === '#text' ? String(c['#text']) : textOf(c))).join('');
function all(n: Node, tag: string): Node[] {
  const found: Node[] = [];
  const walk = (x: Node): void => {
    if (tagOf(x) === tag) found.push(x);
    if (Array.isArray(x[tagOf(x)])) for (const c of kids(x)) walk(c);
  };
  walk(n);
  return found;
}
function rootOf(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as Node[];
  const root = doc.find((n) => tagOf(n) === 'ANNOTATION_DOCUMENT');
  expect(root).toBeDefined();
  return root!;
}

const ROOT_ORDER = ['LICENSE', 'HEADER', 'TIME_ORDER', 'TIER', 'LINGUISTIC_TYPE', 'LOCALE', 'LANGUAGE', 'CONSTRAINT', 'CONTROLLED_VOCABULARY', 'LEXICON_REF', 'EXTERNAL_REF'];

/** Checks that can fail on any EAF: order, references, integers. */
function checkStructure(xml: string): Node {
  const root = rootOf(xml);
  const a = attrsOf(root);
  expect(a.FORMAT).toBe('3.0');
  expect(a.VERSION).toBe('3.0');
  expect(a['xsi:noNamespaceSchemaLocation']).toBe('http://www.mpi.nl/tools/elan/EAFv3.0.xsd');
  expect(Number.isNaN(Date.parse(a.DATE!))).toBe(false);

  const order = kids(root).map(tagOf);
  const ranks = order.map((t) => ROOT_ORDER.indexOf(t));
  expect(ranks.every((r) => r >= 0)).toBe(true);
  expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);
  expect(order.filter((t) => t === 'HEADER')).toHaveLength(1);
  expect(order.filter((t) => t === 'TIME_ORDER')).toHaveLength(1);

  const header = kids(root).find((n) => tagOf(n) === 'HEADER')!;
  expect(attrsOf(header).TIME_UNITS).toBe('milliseconds');
  const headerOrder = kids(header).map((n) => ['MEDIA_DESCRIPTOR', 'LINKED_FILE_DESCRIPTOR', 'PROPERTY'].indexOf(tagOf(n)));
  expect([...headerOrder].sort((x, y) => x - y)).toEqual(headerOrder);

  const slots = new Map<string, number>();
  for (const s of all(root, 'TIME_SLOT')) {
    const { TIME_SLOT_ID: id, TIME_VALUE: v } = attrsOf(s);
    expect(v).toMatch(/^\d+$/); // whole milliseconds
    expect(slots.has(id!)).toBe(false);
    slots.set(id!, Number(v));
  }
  const cveIds = new Set(all(root, 'CV_ENTRY_ML').map((e) => attrsOf(e).CVE_ID));
  const cvIds = new Set(all(root, 'CONTROLLED_VOCABULARY').map((e) => attrsOf(e).CV_ID));
  const types = new Set(all(root, 'LINGUISTIC_TYPE').map((e) => attrsOf(e).LINGUISTIC_TYPE_ID));
  const langs = new Set(all(root, 'LANGUAGE').map((e) => attrsOf(e).LANG_ID));
  for (const lt of all(root, 'LINGUISTIC_TYPE')) {
    const ref = attrsOf(lt).CONTROLLED_VOCABULARY_REF;
    if (ref !== undefined) expect(cvIds.has(ref)).toBe(true);
  }
  for (const v of all(root, 'CVE_VALUE')) expect(langs.has(attrsOf(v).LANG_REF!)).toBe(true);
  const annIds = new Set<string>();
  const tierIds = new Set<string>();
  for (const tier of all(root, 'TIER')) {
    const t = attrsOf(tier);
    expect(tierIds.has(t.TIER_ID!)).toBe(false);
    tierIds.add(t.TIER_ID!);
    expect(types.has(t.LINGUISTIC_TYPE_REF!)).toBe(true);
    for (const ann of all(tier, 'ALIGNABLE_ANNOTATION')) {
      const x = attrsOf(ann);
      expect(annIds.has(x.ANNOTATION_ID!)).toBe(false);
      annIds.add(x.ANNOTATION_ID!);
      expect(slots.has(x.TIME_SLOT_REF1!), `slot ${x.TIME_SLOT_REF1}`).toBe(true);
      expect(slots.has(x.TIME_SLOT_REF2!), `slot ${x.TIME_SLOT_REF2}`).toBe(true);
      expect(slots.get(x.TIME_SLOT_REF2!)!).toBeGreaterThan(slots.get(x.TIME_SLOT_REF1!)!);
      if (x.CVE_REF !== undefined) expect(cveIds.has(x.CVE_REF), `CVE_REF ${x.CVE_REF}`).toBe(true);
      expect(kids(ann).map(tagOf)).toEqual(['ANNOTATION_VALUE']);
    }
  }
  return root;
}

interface Ann {
  tier: string;
  participant: string;
  annotator: string;
  begin: number;
  end: number;
  cve: string | undefined;
  value: string;
}
function annotations(root: Node): Ann[] {
  const slots = new Map(all(root, 'TIME_SLOT').map((s) => [attrsOf(s).TIME_SLOT_ID!, Number(attrsOf(s).TIME_VALUE)]));
  return all(root, 'TIER').flatMap((tier) =>
    all(tier, 'ALIGNABLE_ANNOTATION').map((ann) => ({
      tier: attrsOf(tier).TIER_ID!,
      participant: attrsOf(tier).PARTICIPANT!,
      annotator: attrsOf(tier).ANNOTATOR!,
      begin: slots.get(attrsOf(ann).TIME_SLOT_REF1!)!,
      end: slots.get(attrsOf(ann).TIME_SLOT_REF2!)!,
      cve: attrsOf(ann).CVE_REF,
      value: textOf(kids(ann)[0]!),
    })),
  );
}

describe('toEaf', () => {
  it('is well-formed EAF 3.0 with correct order and resolving references', () => {
    checkStructure(toEaf(makeInput(), { pseudonymise: false }));
    checkStructure(toEaf(makeInput(), { pseudonymise: true }));
    checkStructure(toEaf({ ...makeInput(), observations: [], themes: [], media: null }, { pseudonymise: false }));
  });

  it('has the media descriptor, language and Kijkwijzer vocabulary', () => {
    const root = checkStructure(toEaf(makeInput(), { pseudonymise: false }));
    const md = attrsOf(all(root, 'MEDIA_DESCRIPTOR')[0]!);
    expect(md).toEqual({ MEDIA_URL: 'file:///gesprek%20jan.mp4', MIME_TYPE: 'video/mp4', RELATIVE_MEDIA_URL: './gesprek%20jan.mp4' });
    expect(all(root, 'LANGUAGE').map((l) => attrsOf(l).LANG_ID)).toEqual(['nld']);
    const lt = all(root, 'LINGUISTIC_TYPE').map(attrsOf);
    expect(lt).toEqual([
      {
        LINGUISTIC_TYPE_ID: 'kijkwijzer-observatie',
        TIME_ALIGNABLE: 'true',
        GRAPHIC_REFERENCES: 'false',
        CONTROLLED_VOCABULARY_REF: 'kijkwijzer',
      },
    ]);
    const entries = all(root, 'CV_ENTRY_ML').map((e) => [attrsOf(e).CVE_ID, textOf(kids(e)[0]!), attrsOf(kids(e)[0]!).LANG_REF]);
    expect(entries).toEqual([
      ['t-contact', 'Contact maken', 'nld'],
      ['t-luisteren', 'Actief luisteren', 'nld'],
      ['t-regie', 'Regie bij de cliënt', 'nld'],
      ['t-onbekend', 't-onbekend', 'nld'], // used but unknown: still resolvable
    ]);
  });

  it('has one tier per person × kind and the observation content', () => {
    const root = checkStructure(toEaf(makeInput(), { pseudonymise: true }));
    expect(all(root, 'TIER').map((t) => attrsOf(t).TIER_ID)).toEqual([
      'begeleider – zie',
      'coach 1 – vraag',
      'coach 2 – anders',
      'klantmanager – notitie',
      'collega – zie',
    ]);
    const anns = annotations(root);
    expect(anns.map((a) => [a.tier, a.participant, a.annotator, a.begin, a.end, a.cve])).toEqual([
      ['begeleider – zie', 'begeleider', 'begeleider', 1, 2, 't-contact'],
      ['begeleider – zie', 'begeleider', 'begeleider', 61234, 75500, 't-contact'],
      ['coach 1 – vraag', 'coach 1', 'coach 1', 10000, 12000, 't-regie'], // moment: 2 s
      ['coach 2 – anders', 'coach 2', 'coach 2', 3725500, 3727001, 't-onbekend'],
      ['klantmanager – notitie', 'klantmanager', 'klantmanager', 3729500, 3730000, undefined], // cut at media end
      ['collega – zie', 'collega', 'collega', 125750, 127750, 't-luisteren'],
    ]);
    expect(anns[1]!.value).toBe(
      "Noor knikt, zegt \"ja\" en kijkt weg.\nDaarna: stilte; begeleider wacht.\n[thema's: Contact maken; Actief luisteren]",
    );
    expect(anns[2]!.value).toBe('Waarom vraagt coach 2 niet door? Geïnteresseerd & <open>?');
    expect(anns[3]!.value).toBe('=SOM(A1) --> rare tekst, met «tekens» en ëïé');
    expect(anns[4]!.value).toBe('- klantmanager en mevrouw de Noor: "geen" commentaar\r\n\r\nvolgende regel');
  });

  it('notes a drawing as a line "[tekening: n vormen]" before the theme list; the import reads text and themes back', () => {
    const input = makeDrawnInput();
    const eaf = toEaf(input, { pseudonymise: false });
    const anns = annotations(checkStructure(eaf));
    expect(anns.find((a) => a.begin === 61234)!.value).toBe(
      "Jan knikt, zegt \"ja\" en kijkt weg.\nDaarna: stilte; Anna wacht.\n[tekening: 3 vormen]\n[thema's: Contact maken; Actief luisteren]",
    );
    expect(anns.find((a) => a.begin === 10000)!.value).toBe('Waarom vraagt Zoë niet door? Geïnteresseerd & <open>?\n[tekening: 1 vorm]');
    expect(anns.filter((a) => a.value.includes('[tekening'))).toHaveLength(2);
    const { items } = parseEaf(eaf, { themes: input.themes });
    expect(items.map((i) => [i.text, i.themes])).toEqual(byTime(input.observations).map((o) => [o.text, o.themes]));
  });

  it('escapes attribute values and drops characters XML cannot carry', () => {
    const input = makeInput();
    input.participants[0]!.name = 'A "quoted" <name> & \'x\'';
    input.observations = [obs({ start: 1, text: 'bell\u0007 and \uD800 lone surrogate 😀' })];
    input.observations[0]!.authorName = input.participants[0]!.name;
    const root = checkStructure(toEaf(input, { pseudonymise: false }));
    expect(attrsOf(all(root, 'TIER')[0]!).TIER_ID).toBe('A "quoted" <name> & \'x\' – zie');
    expect(annotations(root)[0]!.value).toBe('bell and  lone surrogate 😀');
  });
});

describe('parseEaf', () => {
  const themes = makeInput().themes;

  it('reads its own export back: times, kinds, all themes, moments, authors, text', () => {
    const input = makeInput();
    const { items, skipped } = parseEaf(toEaf(input, { pseudonymise: false }), { themes });
    expect(skipped).toEqual([]);
    expect(items).toEqual(
      byTime(input.observations).map((o) => ({
        start: o.start,
        end: o.end,
        kind: o.kind,
        themes: o.themes,
        text: o.text,
        authorName: o.authorName,
      })),
    );
  });

  it('import → export → import keeps times to the millisecond', () => {
    const first = parseEaf(FOREIGN, { themes });
    const again = parseEaf(toEaf(inputFromImported(first.items), { pseudonymise: false }), { themes });
    expect(again.skipped).toEqual([]);
    expect(again.items).toEqual(first.items.map((i) => ({ ...i, authorName: i.authorName ?? 'Onbekend' })));
  });

  it('reads an ELAN file from elsewhere and reports what it skips', () => {
    const { items, skipped } = parseEaf(FOREIGN, { themes });
    expect(items).toEqual([
      { start: 0.5, end: 1.234, kind: 'notitie', themes: [], text: 'Goedemorgen & welkom', authorName: 'Transcribent' },
      { start: 1.234, end: 4, kind: 'zie', themes: ['t-luisteren'], text: 'Knikt <instemmend>\nen glimlacht', authorName: 'Zoë' },
      { start: 4, end: null, kind: 'vraag', themes: ['cveid_x'], text: 'CDATA <ok>', authorName: 'Zoë' }, // zero length: a moment
    ]);
    expect(skipped).toEqual([
      { line: 27, reason: 'annotatie zonder eigen tijd (REF_ANNOTATION) / annotation without its own time (REF_ANNOTATION)' },
      { line: 32, reason: 'tijdslot "ts9" bestaat niet / time slot "ts9" does not exist' },
      { line: 37, reason: 'tijdslot zonder tijdwaarde / time slot without a time value' },
      { line: 42, reason: 'eindtijd ligt vóór begintijd / end time before start time' },
    ]);
  });

  it('keeps what it read before broken XML and reports the error', () => {
    const xml = toEaf(makeInput(), { pseudonymise: false });
    const cut = xml.slice(0, xml.indexOf('Waarom vraagt'));
    const { items, skipped } = parseEaf(cut, { themes });
    expect(items.map((i) => i.start)).toEqual([0.001, 61.234]);
    expect(items[1]!.themes).toEqual(['t-contact', 't-luisteren']); // names mapped without the CV
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toMatch(/^XML-fout.*XML error/);
  });

  it('throws a typed error only when the file is not EAF at all', () => {
    for (const bad of ['', 'start,end\n1,2', '<html><body/></html>', 'WEBVTT\n\n', '<ANNOTATION_DOCUMENT']) {
      expect(() => parseEaf(bad), JSON.stringify(bad)).toThrow(ReportImportError);
    }
    expect(() => parseEaf('<ANNOTATION_DOCUMENT><HEADER TIME_UNITS="PAL-frames"/></ANNOTATION_DOCUMENT>')).toThrowError(/PAL-frames/);
    const many = ['<ANNOTATION_DOCUMENT><TIER TIER_ID="t">'];
    for (let i = 0; i <= MAX_IMPORT_ITEMS; i++) many.push('<ANNOTATION><ALIGNABLE_ANNOTATION/></ANNOTATION>');
    many.push('</TIER></ANNOTATION_DOCUMENT>');
    try {
      parseEaf(many.join(''));
      expect.unreachable();
    } catch (e) {
      expect((e as ReportImportError).code).toBe('too_large');
    }
  });
});

describe('xmlEvents (minimal tokenizer)', () => {
  const events = (xml: string) => [...xmlEvents(xml)];

  it('decodes entities in text and attributes, normalises line ends, reads CDATA', () => {
    const ev = events('<?xml version="1.0"?>\r\n<!-- c -->\r\n<a x="1&#10;2&amp;&quot;" y=\'&lt;\tz\'>t &#233;&#xEB; &amp;amp;\r\n<![CDATA[<&>]]><b/></a>');
    expect(ev).toEqual([
      { type: 'text', value: '\n', line: 1 },
      { type: 'text', value: '\n', line: 2 },
      { type: 'open', name: 'a', attrs: { x: '1\n2&"', y: '< z' }, selfClosing: false, line: 3 },
      { type: 'text', value: 't éë &amp;\n', line: 3 },
      { type: 'text', value: '<&>', line: 4 },
      { type: 'open', name: 'b', attrs: {}, selfClosing: true, line: 4 },
      { type: 'close', name: 'b', line: 4 },
      { type: 'close', name: 'a', line: 4 },
    ]);
  });

  it('never expands DOCTYPE entities', () => {
    const xml = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>';
    expect(events(xml).filter((e) => e.type === 'text').map((e) => (e as { value: string }).value)).toEqual(['&b;']);
  });

  it('throws XmlSyntaxError with a line number on malformed input', () => {
    const cases: [string, number][] = [
      ['<a>\n<b>\n</a>', 3],
      ['<a x=1/>', 1],
      ['<a x="1" x="2"/>', 1],
      ['<a>\n\n<!-- open', 3],
      ['<a', 1],
      ['<a>', 1],
      ['x<a/>', 1],
      ['<a x="<"/>', 1],
    ];
    for (const [xml, line] of cases) {
      try {
        events(xml);
        expect.unreachable(xml);
      } catch (e) {
        expect(e, xml).toBeInstanceOf(XmlSyntaxError);
        expect((e as XmlSyntaxError).line, xml).toBe(line);
      }
    }
  });
});

/** An ELAN-style file with shared time slots, a dependent tier and some broken annotations. */
const FOREIGN = `<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2020-01-01T00:00:00+01:00" FORMAT="3.0" VERSION="3.0">
    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
        <PROPERTY NAME="lastUsedAnnotationId">9</PROPERTY>
    </HEADER>
    <TIME_ORDER>
        <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="500"/>
        <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1234"/>
        <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="4000"/>
        <TIME_SLOT TIME_SLOT_ID="ts4"/>
    </TIME_ORDER>
    <TIER TIER_ID="Transcript" LINGUISTIC_TYPE_REF="default-lt" ANNOTATOR="Transcribent">
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
                <ANNOTATION_VALUE>Goedemorgen &amp; welkom</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
    </TIER>
    <TIER TIER_ID="Zoë - zie" LINGUISTIC_TYPE_REF="cv-lt">
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3" CVE_REF="cveid_2">
                <ANNOTATION_VALUE>Knikt &lt;instemmend&gt;
en glimlacht</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
        <ANNOTATION>
            <REF_ANNOTATION ANNOTATION_ID="a3" ANNOTATION_REF="a2">
                <ANNOTATION_VALUE>vertaling</ANNOTATION_VALUE>
            </REF_ANNOTATION>
        </ANNOTATION>
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a4" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts9">
                <ANNOTATION_VALUE>mist een tijdslot</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a5" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
                <ANNOTATION_VALUE>niet uitgelijnd</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a6" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts1">
                <ANNOTATION_VALUE>achterstevoren</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
    </TIER>
    <TIER TIER_ID="Zoë – vraag" LINGUISTIC_TYPE_REF="cv-lt">
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a7" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts3" CVE_REF="cveid_x">
                <ANNOTATION_VALUE><![CDATA[CDATA <ok>]]></ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
    </TIER>
    <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
    <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="cv-lt" TIME_ALIGNABLE="true" CONTROLLED_VOCABULARY_REF="cv"/>
    <LANGUAGE LANG_ID="nld"/>
    <CONTROLLED_VOCABULARY CV_ID="cv">
        <CV_ENTRY_ML CVE_ID="cveid_2">
            <CVE_VALUE LANG_REF="eng">Active listening</CVE_VALUE>
            <CVE_VALUE LANG_REF="nld">actief luisteren</CVE_VALUE>
        </CV_ENTRY_ML>
    </CONTROLLED_VOCABULARY>
</ANNOTATION_DOCUMENT>
`;
