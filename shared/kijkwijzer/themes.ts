/**
 * The Kijkwijzer themes, transcribed from "Kijkwijzer: leren in de praktijk" (Van kijken naar zien).
 * Dutch is verbatim from the seed, `tests/fixtures/kijkwijzer-source.txt` (only PDF line-break hyphenation and ">>" page-continuation marks
 * removed); English is a faithful translation. Order follows the seed.
 */
import { SLIM_MATCHES, SLIM_ROLES, SLIM_SELF_IMAGES } from './slim.ts';
import type { Bilingual, KijkwijzerOption } from './types.ts';

export const THEME_IDS = [
  'emotie',
  'weerstand',
  'feedback',
  'resultaten',
  'echtheid',
  'beleving',
  'doel',
  'agenda',
  'metacommunicatie',
  'spreektijd',
  'benadering',
] as const;
export type ThemeId = (typeof THEME_IDS)[number];

/** The seed splits the Kijkwijzer into general themes and conversation-specific ones. */
export type ThemeGroup = 'algemeen' | 'specifiek';

export interface KijkwijzerQuestion extends Bilingual {
  /** Set when the seed prints the answers to choose from under the question. */
  readonly options?: readonly KijkwijzerOption<string>[];
}

export interface KijkwijzerTip extends Bilingual {
  /** Sub-points the seed prints as a list under the tip. */
  readonly items?: readonly Bilingual[];
}

export interface KijkwijzerTheme {
  readonly id: ThemeId;
  readonly group: ThemeGroup;
  /** Timeline marker colour; at least 4.5:1 contrast on white so it can also carry text. */
  readonly color: string;
  /** The theme's heading question in the Kijkwijzer. */
  readonly title: Bilingual;
  readonly shortName: Bilingual;
  /** "Waarom belangrijk"; paragraphs separated by a blank line. */
  readonly why: Bilingual;
  readonly questions: readonly KijkwijzerQuestion[];
  readonly tips: readonly KijkwijzerTip[];
}

type ThemeContent = Omit<KijkwijzerTheme, 'id'>;

// Keyed by id so that a theme missing from the content is a compile error.
const CONTENT: { readonly [Id in ThemeId]: ThemeContent } = {
  emotie: {
    group: 'algemeen',
    color: '#C62828',
    title: { nl: 'Zijn er raakmomenten (emotie)?', en: 'Are there moments that strike a chord (emotion)?' },
    shortName: { nl: 'Emotie', en: 'Emotion' },
    why: {
      nl:
        'Beleving is belangrijk. Emoties kunnen beschouwd worden als feiten in een gesprek. Kennelijk gebeurt er iets ' +
        'dat belangrijk is (positief of negatief). Het is belangrijk hier aandacht aan te geven.',
      en:
        'Experience matters. Emotions can be regarded as facts in a conversation. Evidently something important is ' +
        'happening (positive or negative). It is important to pay attention to it.',
    },
    questions: [
      {
        nl: 'Zijn er momenten in het gesprek dat je emotie ziet of voelt, bij de cliënt of bij jezelf?',
        en: 'Are there moments in the conversation when you see or feel emotion, in the client or in yourself?',
      },
      { nl: 'Wat gebeurt daar?', en: 'What is happening there?' },
      {
        nl: 'Wat doe je met dit raakmoment? (Bijvoorbeeld benoemen, emotie ruimte geven, bewust negeren)',
        en: 'What do you do with this moment? (For example naming it, giving the emotion room, deliberately ignoring it)',
      },
    ],
    tips: [
      {
        nl:
          'Benoem wat je waarneemt of voelt, geef ruimte voor emoties om er te zijn zonder deze meteen op te willen ' +
          'lossen of weg te willen maken (bijvoorbeeld: “je moet positief denken”).',
        en:
          'Name what you perceive or feel, give emotions room to be there without immediately wanting to solve them ' +
          'or make them go away (for example: “you have to think positively”).',
      },
    ],
  },
  weerstand: {
    group: 'algemeen',
    color: '#AD1457',
    title: {
      nl: 'Is er sprake van weerstand, afhaken of verstarren (fight, flight, freeze)?',
      en: 'Is there resistance, dropping out or freezing up (fight, flight, freeze)?',
    },
    shortName: { nl: 'Weerstand', en: 'Resistance' },
    why: {
      nl:
        'Mensen reageren op verschillende manieren op stress. Herkennen van deze reacties geeft feedback op wat er in ' +
        'het gesprek gebeurt. Waar komt de reactie vandaan? Door deze te benoemen en te bespreken kan een gesprek ' +
        'stromen.\nNegeren kan leiden tot stagnatie.',
      en:
        'People react to stress in different ways. Recognising these reactions gives feedback on what is happening in ' +
        'the conversation. Where does the reaction come from? Naming and discussing it lets a conversation ' +
        'flow.\nIgnoring it can lead to stagnation.',
    },
    questions: [
      {
        nl:
          'Is er in het gesprek sprake van weerstand, afhaken of verstarren bij de cliënt of bij jezelf? ' +
          'Waardoor ontstaat dit?',
        en:
          'Is there resistance, dropping out or freezing up in the conversation, in the client or in yourself? ' +
          'What causes it?',
      },
      {
        nl:
          'Is dit een reactie op wat er in het gesprek zelf gebeurt, of wordt er in de persoon zelf iets geraakt wat ' +
          'los staat van hier en nu?',
        en:
          'Is this a reaction to what happens in the conversation itself, or is something touched in the person that ' +
          'has nothing to do with the here and now?',
      },
    ],
    tips: [
      {
        nl: 'Benoem wat je waarneemt, vraag of je dit goed ziet en of de ander hier iets over wil zeggen.',
        en:
          'Name what you perceive, ask whether you are seeing it correctly and whether the other person wants to say ' +
          'something about it.',
      },
    ],
  },
  feedback: {
    group: 'algemeen',
    color: '#6A1B9A',
    title: { nl: 'Wordt er aan cliënten feedback gevraagd?', en: 'Are clients asked for feedback?' },
    shortName: { nl: 'Feedback', en: 'Feedback' },
    why: {
      nl:
        'Een gezamenlijk doel en eigenaarschap van de cliënt over diens traject zijn belangrijke succesfactoren. ' +
        'Feedback vragen geeft inzicht in de mate van eigenaarschap en in wat je kunt doen om dit te vergroten.',
      en:
        "A shared goal and the client's ownership of their trajectory are important success factors. Asking for " +
        'feedback gives insight into the degree of ownership and into what you can do to increase it.',
    },
    questions: [
      {
        nl: 'Vraag je de cliënt om feedback op het gesprek?',
        en: 'Do you ask the client for feedback on the conversation?',
      },
      {
        nl: 'Zijn er in het gesprek momenten waarop de cliënt feedback geeft op het gesprek zelf?',
        en: 'Are there moments in the conversation when the client gives feedback on the conversation itself?',
      },
      {
        nl: 'Wat is die feedback en welke behoefte gaat erachter schuil?',
        en: 'What is that feedback and what need lies behind it?',
      },
    ],
    tips: [
      {
        nl: 'Vraag de cliënt actief om feedback:',
        en: 'Actively ask the client for feedback:',
        items: [
          { nl: 'Wat vond je van dit gesprek?', en: 'What did you think of this conversation?' },
          { nl: 'Werken we goed samen?', en: 'Are we working well together?' },
          { nl: 'Heb je er vertrouwen in?', en: 'Do you have confidence in it?' },
          { nl: 'Boeken we vooruitgang?', en: 'Are we making progress?' },
        ],
      },
    ],
  },
  resultaten: {
    group: 'algemeen',
    color: '#2E7D32',
    title: { nl: 'Welke resultaten worden bereikt?', en: 'What results are achieved?' },
    shortName: { nl: 'Resultaten', en: 'Results' },
    why: {
      nl:
        'Gesprekken hebben twee doelen/resultaten:\n• Verbeteren van de werkrelatie\n• Stappen zetten richting ' +
        'participatie\nResultaten (laten) benoemen werkt motiverend.',
      en:
        'Conversations have two goals/results:\n• Improving the working relationship\n• Taking steps towards ' +
        'participation\nNaming results (or having them named) is motivating.',
    },
    questions: [
      { nl: 'Voelt de cliënt zich eigenaar van het traject?', en: 'Does the client feel ownership of the trajectory?' },
      {
        nl: 'Is er een gezamenlijk plan waar zowel de cliënt als de klantmanager achter staan?',
        en: 'Is there a shared plan that both the client and the case manager stand behind?',
      },
      { nl: 'Verbetert jullie werkrelatie?', en: 'Is your working relationship improving?' },
      { nl: 'Komen jullie een stap dichter bij het doel?', en: 'Are you getting a step closer to the goal?' },
    ],
    tips: [
      {
        nl:
          'Benoem wat het doel is van het gesprek, vat aan het eind de opbrengst samen in termen van de samenwerking ' +
          '(proces) en/of stappen richting het doel.',
        en:
          'State what the goal of the conversation is; at the end, summarise the outcome in terms of the ' +
          'collaboration (process) and/or steps towards the goal.',
      },
      {
        nl: 'Benoem wat de volgende stap en de agenda van het volgende gesprek wordt.',
        en: 'State what the next step and the agenda of the next conversation will be.',
      },
    ],
  },
  echtheid: {
    group: 'specifiek',
    color: '#0277BD',
    title: { nl: 'Is er echtheid in de communicatie?', en: 'Is there genuineness in the communication?' },
    shortName: { nl: 'Echtheid', en: 'Genuineness' },
    why: {
      nl:
        'Hoe echter een cliënt het contact ervaart, des te effectiever de coaching. Houding, gezichtsuitdrukkingen, ' +
        'toon en tempo van praten vormen een belangrijk deel van de interactie. Consistentie tussen woorden en ' +
        'non-verbale communicatie suggereert echtheid, twee kanten op. Gevoelens verbergen lukt vaak maar half. ' +
        'Beter is het om daar op een neutrale manier transparant over te zijn.\n\n' +
        'Er is veel sociale wenselijkheid in spreekkamers. Cliënten zijn zich bewust van de machtsverhouding. ' +
        'Signalen dat een cliënt zich niet comfortabel voelt zijn vaak subtiel.',
      en:
        'The more genuine the contact feels to a client, the more effective the coaching. Posture, facial ' +
        'expressions, tone and pace of speech form an important part of the interaction. Consistency between words ' +
        'and non-verbal communication suggests genuineness, in both directions. Hiding feelings often only half ' +
        'works. It is better to be transparent about them in a neutral way.\n\n' +
        'There is a lot of social desirability in consulting rooms. Clients are aware of the power relationship. ' +
        'Signs that a client does not feel comfortable are often subtle.',
    },
    questions: [
      {
        nl:
          'Is er van beide zijden aandacht voor elkaar? Wordt er actief geluisterd? Op welke momenten wel en op ' +
          'welke niet?',
        en: 'Is there attention for each other from both sides? Is there active listening? At which moments, and at which not?',
      },
      {
        nl: 'Wat wordt er niet besproken? Welke zaken blijven onbenoemd?',
        en: 'What is not discussed? Which matters remain unspoken?',
      },
      {
        nl: 'Wat voel je bij het terugkijken van het gesprek? Wat zou je eigenlijk willen zeggen?',
        en: 'What do you feel when watching the conversation back? What would you actually like to say?',
      },
      {
        nl: 'Hoe zou je dit de volgende keer wel kunnen bespreken?',
        en: 'How could you discuss this next time after all?',
      },
    ],
    tips: [
      {
        nl:
          'Maak contact, wees open, eerlijk en nieuwsgierig, luister actief, vat samen en vraag door, reageer ook ' +
          'vanuit je eigen beleving, geef positieve bevestiging, vraag naar wat goed gaat, kijk naar positieve ' +
          'uitzonderingen in negatieve patronen, vul niet in.',
        en:
          'Make contact, be open, honest and curious, listen actively, summarise and ask further, also respond from ' +
          'your own experience, give positive affirmation, ask about what is going well, look for positive ' +
          "exceptions in negative patterns, don't fill things in for the other person.",
      },
      {
        nl:
          'Wees aanwezig en wees je bewust van je intuïtie en gevoel. Geef niet alleen neutrale reflecties, laat ook ' +
          'zien wat iets met je doet.',
        en:
          'Be present and be aware of your intuition and feelings. Do not only give neutral reflections; also show ' +
          'what something does to you.',
      },
      {
        nl:
          'Luister naar je intuïtie en gevoel: wat zou je eigenlijk willen zeggen? Benoem dit op een neutrale manier ' +
          'en vraag om een reactie.',
        en:
          'Listen to your intuition and feelings: what would you actually like to say? Name it in a neutral way and ' +
          'ask for a response.',
      },
    ],
  },
  beleving: {
    group: 'specifiek',
    color: '#00695C',
    title: {
      nl: 'Wordt er naar beleving en gevoel gevraagd, ruimte gegeven en geluisterd?',
      en: 'Are experience and feelings asked about, given room and listened to?',
    },
    shortName: { nl: 'Beleving', en: 'Experience' },
    why: {
      nl:
        'Emoties kunnen ervoor zorgen dat informatie niet meer goed binnen komt. Ze benoemen en bespreken kan nieuwe ' +
        'ruimte geven.\n\n' +
        'Vragen naar beleving geeft een beeld van de cliënt als persoon. Dit is belangrijk om de benadering op af te ' +
        'kunnen stemmen.\n\n' +
        'Vragen naar de situatie van een cliënt levert meestal een minder levendig gesprek op dan vragen naar diens ' +
        'beleving.',
      en:
        'Emotions can stop information from getting through. Naming and discussing them can create new room.\n\n' +
        'Asking about experience gives a picture of the client as a person. This is important for tuning the ' +
        'approach to them.\n\n' +
        "Asking about a client's situation usually makes for a less lively conversation than asking about how they " +
        'experience it.',
    },
    questions: [
      {
        nl: 'Welke emoties laat de cliënt zien in het gesprek? (boos, bang, bedroefd, blij, walging, …)',
        en: 'Which emotions does the client show in the conversation? (angry, afraid, sad, glad, disgust, …)',
      },
      {
        nl: 'Worden emoties steeds benoemd in het gesprek?',
        en: 'Are emotions named each time in the conversation?',
      },
      {
        nl: 'Voelt de cliënt zich overvraagd? (dat zegt iets over diens kunnen)',
        en: 'Does the client feel that too much is asked of them? (that says something about what they are able to do)',
      },
      {
        nl:
          'Voelt de cliënt zich serieus genomen? (dat zegt iets over diens willen en in hoeverre dat matcht met wat ' +
          'jij voor ogen hebt)',
        en:
          'Does the client feel taken seriously? (that says something about what they want and how far that matches ' +
          'what you have in mind)',
      },
      {
        nl: 'Welke verwachtingen heeft de cliënt van jou? Welke behoeften spreken daaruit?',
        en: 'What expectations does the client have of you? What needs do they reveal?',
      },
    ],
    tips: [
      {
        nl: 'Vraag (door) wat iemand van de situatie vindt.',
        en: 'Ask (and keep asking) what someone thinks of the situation.',
      },
      {
        nl: 'Geef reflecties op gevoelens en non-verbaal gedrag.',
        en: 'Reflect feelings and non-verbal behaviour back.',
      },
      {
        nl: 'Laat emoties er even zijn, poets ‘negatieve’ emoties niet meteen weg met positief denken.',
        en: 'Let emotions be there for a while; do not immediately polish away ‘negative’ emotions with positive thinking.',
      },
      {
        nl:
          'Wees empathisch maar vermijd psychologiseren. Houd het doel van het gesprek (een passende vorm van ' +
          'participatie) voor ogen.',
        en:
          'Be empathetic but avoid psychologising. Keep the goal of the conversation (a suitable form of ' +
          'participation) in mind.',
      },
      {
        nl: 'Vorm jezelf een beeld van zowel de draagkracht als de draaglast van een cliënt.',
        en: "Form a picture of both the client's capacity to cope and the load they carry.",
      },
      {
        nl: 'Vraag wat de cliënt van je verwacht. Welke behoefte spreekt hieruit?',
        en: 'Ask what the client expects of you. What need does this reveal?',
      },
    ],
  },
  doel: {
    group: 'specifiek',
    color: '#A15C00',
    title: { nl: 'Is het doel van het gesprek helder?', en: 'Is the goal of the conversation clear?' },
    shortName: { nl: 'Doel', en: 'Goal' },
    why: {
      nl:
        'Gesprekken moeten zinvol zijn en ergens toe leiden. Een gezamenlijk plan veronderstelt gezamenlijke ' +
        'besluitvorming.\nEen helder doel geeft richting en helpt om resultaten te kunnen benoemen.',
      en:
        'Conversations should be meaningful and lead somewhere. A shared plan presupposes shared ' +
        'decision-making.\nA clear goal gives direction and helps to name results.',
    },
    questions: [
      {
        nl: 'Welk doel benoem je aan het begin van het gesprek?',
        en: 'What goal do you state at the start of the conversation?',
      },
      {
        nl: 'Als je het hele gesprek hebt teruggezien, wat is er dan allemaal besproken?',
        en: 'Having watched the whole conversation back, what was discussed, all in all?',
      },
      {
        nl: 'Wat zou je terugkijkend als het doel van het gesprek benoemen?',
        en: 'Looking back, what would you name as the goal of the conversation?',
      },
    ],
    tips: [
      {
        nl:
          'Benoem aan het begin duidelijk het doel van het gesprek. Vraag de cliënt naar diens doel en diens ' +
          'verwachtingen van het gesprek.',
        en:
          'State the goal of the conversation clearly at the start. Ask the client about their goal and their ' +
          'expectations of the conversation.',
      },
      {
        nl:
          'Vraag de cliënt naar diens idee over de toekomst. Vertel wat jouw begeleidingsplan is. Vraag reactie, ' +
          'geef jouw reactie en beslis samen.',
        en:
          'Ask the client about their idea of the future. Say what your support plan is. Ask for a response, give ' +
          'your response and decide together.',
      },
      {
        nl:
          'Als er discretionaire ruimte is, benoem dan waarvan beslissingen gaan afhangen (“We moeten een ' +
          'overtuigend verhaal hebben”)',
        en: 'If there is discretionary room, name what decisions will depend on (“We need to have a convincing story”)',
      },
    ],
  },
  agenda: {
    group: 'specifiek',
    color: '#6B6B00',
    title: { nl: 'Is er een gezamenlijke agenda?', en: 'Is there a shared agenda?' },
    shortName: { nl: 'Agenda', en: 'Agenda' },
    why: {
      nl:
        'Een gezamenlijke agenda geeft structuur, biedt de cliënt de mogelijkheid om ook agendapunten toe te voegen, ' +
        'en leidt tot eigenaarschap.',
      en:
        'A shared agenda gives structure, offers the client the opportunity to add agenda items too, and leads to ' +
        'ownership.',
    },
    questions: [
      { nl: 'Vertel je wat je wilt bespreken en waarom?', en: 'Do you say what you want to discuss and why?' },
      {
        nl: 'Vraag je de cliënt in het begin wat deze wil bespreken?',
        en: 'Do you ask the client at the start what they want to discuss?',
      },
      {
        nl: 'Als je het gesprek hebt teruggezien, welke onderwerpen zijn dan aan de orde gekomen?',
        en: 'Having watched the conversation back, which topics came up?',
      },
    ],
    tips: [
      {
        nl:
          'Maak samen met de cliënt een agenda voor het gesprek. Zeg wat je zelf wilt bespreken, en waarom, vraag de ' +
          'cliënt wat deze wil bespreken en bepaal samen een volgorde.',
        en:
          'Draw up an agenda for the conversation together with the client. Say what you want to discuss yourself, ' +
          'and why, ask the client what they want to discuss and decide the order together.',
      },
      {
        nl: 'Vraag feedback: is alles wat belangrijk is besproken?',
        en: 'Ask for feedback: has everything that matters been discussed?',
      },
    ],
  },
  metacommunicatie: {
    group: 'specifiek',
    color: '#283593',
    title: {
      nl: 'Is er meta-communicatie (benoemen wat je doet en waarom)?',
      en: 'Is there meta-communication (saying what you are doing and why)?',
    },
    shortName: { nl: 'Meta-communicatie', en: 'Meta-communication' },
    why: {
      nl:
        'Benoemen wat je doet en waarom geeft de cliënt de mogelijkheid om actief mee te denken. Het versterkt de ' +
        'eigen regie.',
      en:
        'Saying what you are doing and why gives the client the opportunity to think along actively. It strengthens ' +
        'their control over their own course.',
    },
    questions: [
      { nl: 'Waarom vraag je wat je vraagt?', en: 'Why do you ask what you ask?' },
      { nl: 'Waarom snijd je een onderwerp aan?', en: 'Why do you raise a topic?' },
      { nl: 'Hoe helpt dit om het doel te bereiken?', en: 'How does this help to reach the goal?' },
      {
        nl: 'In hoeverre en hoe leg je uit wat je doet?',
        en: 'To what extent and how do you explain what you are doing?',
      },
      {
        nl: 'Volgt de cliënt alleen of neemt deze soms ook de leiding?',
        en: 'Does the client only follow, or do they sometimes take the lead too?',
      },
      { nl: 'Begrijpt de cliënt wat je doet?', en: 'Does the client understand what you are doing?' },
    ],
    tips: [
      {
        nl: 'Benoem zoveel mogelijk waarom je iets vraagt. Dat helpt de cliënt om mee te denken.',
        en: 'Say as often as possible why you are asking something. That helps the client to think along.',
      },
      { nl: 'Vermijd “systeem-taal”.', en: 'Avoid “system language”.' },
    ],
  },
  spreektijd: {
    group: 'specifiek',
    color: '#455A64',
    title: {
      nl: 'Wisselen de praat- en luisterbeurten voldoende?',
      en: 'Do speaking and listening turns alternate enough?',
    },
    shortName: { nl: 'Spreektijd', en: 'Speaking time' },
    why: {
      nl:
        'Interactie bestaat uit zenden en ontvangen. Wisselen van beurten houdt een gesprek levendig. Ook kunnen op ' +
        'die manier meerdere kanten van een onderwerp verkend worden, bijvoorbeeld feiten en beleving of begrip, ' +
        'vaardigheden en houding. Ook is het een natuurlijke manier om te checken of iemand begrijpt wat je zegt.\n\n' +
        'Duidelijke communicatie vraagt van professionals een helder beeld van wat ze willen bereiken of willen ' +
        'weten. Het geeft cliënten duidelijkheid over waar ze zich aan committeren.',
      en:
        'Interaction consists of sending and receiving. Taking turns keeps a conversation lively. It also lets ' +
        'several sides of a topic be explored, for example facts and experience, or understanding, skills and ' +
        'attitude. It is also a natural way to check whether someone understands what you are saying.\n\n' +
        'Clear communication requires professionals to have a clear picture of what they want to achieve or want to ' +
        'know. It gives clients clarity about what they are committing to.',
    },
    questions: [
      {
        nl: 'Hoe is de verdeling van de gesprekstijd tussen jou en de cliënt?',
        en: 'How is the speaking time divided between you and the client?',
      },
      { nl: 'Hoe lang ben je aaneengesloten aan het woord?', en: 'How long do you talk without a break?' },
      {
        nl:
          'Is er sprake van ping-pong ketens over een onderwerp, of wordt er met iedere vraag een nieuw onderwerp ' +
          'aangesneden?',
        en: 'Are there ping-pong chains about one topic, or is a new topic raised with every question?',
      },
      {
        // "leidt" (for "leid") is kept as printed in the seed.
        nl: 'Weet je of de cliënt begrepen heeft wat je zegt? Waaruit leidt je dat af?',
        en: 'Do you know whether the client has understood what you are saying? What do you infer that from?',
      },
      { nl: 'Hoe is het tempo in het gesprek?', en: 'What is the pace of the conversation like?' },
      {
        nl: 'Wordt de cliënt overvraagd (afhaken, vertragen)?',
        en: 'Is too much asked of the client (dropping out, slowing down)?',
      },
      {
        nl: 'Wordt de cliënt ondervraagd (verveling, te weinig uitdaging)?',
        en: 'Is too little asked of the client (boredom, too little challenge)?',
      },
      { nl: 'Hoe is jouw tempo?', en: 'What is your own pace like?' },
    ],
    tips: [
      {
        nl:
          'Gebruik duidelijke taal, korte zinnen en heldere, ondubbelzinnige vragen, stel één vraag tegelijk. Denk ' +
          'visueel, stel jezelf voor hoe het er vanuit het perspectief van de cliënt precies uitziet.',
        en:
          'Use clear language, short sentences and clear, unambiguous questions; ask one question at a time. Think ' +
          "visually: picture exactly how it looks from the client's perspective.",
      },
      {
        nl: 'Vermijd indirecte boodschappen, monologen, proces-taal en herhalingen. Ga na of een boodschap ontvangen is.',
        en: 'Avoid indirect messages, monologues, process language and repetition. Check whether a message has been received.',
        items: [
          { nl: 'Maak langere ping-pong ketens over één onderwerp', en: 'Make longer ping-pong chains about one topic' },
          {
            nl: 'Houd het tempo erin, vermijd te grote of kleine denk-stappen.',
            en: 'Keep the pace up; avoid steps in thinking that are too big or too small.',
          },
          {
            nl: 'Communiceer creatief en ook buiten de spreekkamer; samen doen, opdrachtjes, tekenen, rollenspellen',
            en: 'Communicate creatively, also outside the consulting room: doing things together, small tasks, drawing, role plays',
          },
        ],
      },
    ],
  },
  benadering: {
    group: 'specifiek',
    color: '#5D4037',
    title: {
      nl: 'Klopt de benadering met het zelfbeeld van de cliënt?',
      en: "Does the approach fit the client's self-image?",
    },
    shortName: { nl: 'Benadering', en: 'Approach' },
    why: {
      nl:
        'De benadering en interventiestrategie moet aansluiten bij het zelfbeeld van de cliënt, want dan werkt de ' +
        'logica (actie-reactie) die we veronderstellen. Als dat niet zo is, ontstaat er gedoe: weerstand, afhaken, ' +
        'verstarren, stagnatie.\nEr zijn geen goede en geen slechte benaderingen, alleen passende en niet ' +
        'passende.\nHet vraagt dat je kunt schakelen tussen faciliteren, uitleggen en leren, bij de hand nemen en ' +
        'directief zijn, en co-creëren en ondernemen. Het vraagt ook het kunnen herkennen van het zelfbeeld van een ' +
        'cliënt wat betreft diens zelfredzaamheid en wat betreft diens gerichtheid op ‘normaal’ meedoen en werken, ' +
        'respectievelijk op ondernemen met eigen dromen en talenten dan wel op overleven van dag tot dag.',
      en:
        "The approach and intervention strategy must fit the client's self-image, because then the logic " +
        '(action-reaction) we assume works. If it does not, trouble follows: resistance, dropping out, freezing up, ' +
        'stagnation.\nThere are no good and no bad approaches, only fitting and unfitting ones.\nIt requires you to ' +
        'be able to switch between facilitating, explaining and teaching, taking by the hand and being directive, ' +
        "and co-creating and entrepreneurship. It also requires recognising a client's self-image as regards their " +
        'self-reliance and as regards their orientation towards ‘normal’ participation and work, towards ' +
        'undertaking with their own dreams and talents, or towards surviving from day to day.',
    },
    questions: [
      {
        nl: 'Zelfbeeld – wat zegt de cliënt (impliciet) over zichzelf:',
        en: 'Self-image – what does the client (implicitly) say about themselves:',
        options: SLIM_SELF_IMAGES,
      },
      {
        nl: 'Wat is in essentie je rol(opvatting) in dit gesprek?',
        en: 'In essence, what is your role (as you see it) in this conversation?',
        options: SLIM_ROLES,
      },
      {
        nl: 'Zit er een patroon in hoe de cliënt op je reageert? Stroomt het of hapert het?',
        en: 'Is there a pattern in how the client responds to you? Does it flow or does it falter?',
      },
      {
        nl: 'Heb je bewust je benadering veranderd in het gesprek? Wat gebeurde er?',
        en: 'Did you deliberately change your approach during the conversation? What happened?',
      },
    ],
    tips: [
      {
        nl: 'Vraag wat een cliënt van het gesprek en van jou verwacht en luister welke behoefte hij daarmee uitspreekt:',
        en: 'Ask what a client expects from the conversation and from you, and listen for the need they express with it:',
        // The needs are the SLIM rows' needs, in the seed's order.
        items: SLIM_MATCHES.map((match) => match.need),
      },
      {
        nl: 'Wees je bewust van:',
        en: 'Be aware of:',
        items: [
          { nl: 'leiden of volgen', en: 'leading or following' },
          { nl: 'accepteren of veranderen', en: 'accepting or changing' },
          { nl: 'ik-ik of wij', en: 'me-me or us' },
          {
            nl: 'je positionering ten opzichte van de cliënt (boven, gelijk, onder)',
            en: 'your positioning relative to the client (above, level, below)',
          },
          {
            nl: 'gericht op de cliënt of gericht op diens omgeving',
            en: 'focused on the client or focused on their surroundings',
          },
          { nl: 'systeem bepaalt of leefwereld bepaalt', en: 'the system decides or the lifeworld decides' },
          {
            nl: 'richting van het traject (opleiding, werk, ‘eigen ding’)',
            en: 'direction of the trajectory (education, work, ‘own thing’)',
          },
        ],
      },
      {
        nl: 'Als het gesprek niet goed (genoeg) loopt, experimenteer met je benadering en rolopvatting.',
        en: 'If the conversation is not going well (enough), experiment with your approach and how you see your role.',
      },
    ],
  },
};

export const KIJKWIJZER_THEMES: readonly KijkwijzerTheme[] = THEME_IDS.map((id) => ({ id, ...CONTENT[id] }));

const THEMES_BY_ID: ReadonlyMap<string, KijkwijzerTheme> = new Map(KIJKWIJZER_THEMES.map((t) => [t.id, t]));

export function isThemeId(value: unknown): value is ThemeId {
  return typeof value === 'string' && THEMES_BY_ID.has(value);
}

/** Total for a ThemeId; for untrusted strings (stored notes, URLs) it may return undefined. */
export function themeById(id: ThemeId): KijkwijzerTheme;
export function themeById(id: string): KijkwijzerTheme | undefined;
export function themeById(id: string): KijkwijzerTheme | undefined {
  return THEMES_BY_ID.get(id);
}

export interface WorksheetTheme {
  readonly name: Bilingual;
  readonly themeIds: readonly ThemeId[];
}

/**
 * The werkblad offers nine short theme names for the eleven Kijkwijzer themes, so some names
 * cover two themes. The seed gives no explicit mapping; it follows the themes' own wording
 * ("doelgerichtheid en structuur", "het versterkt de eigen regie").
 */
export const WORKSHEET_THEMES: readonly WorksheetTheme[] = [
  { name: { nl: 'Emotie', en: 'Emotion' }, themeIds: ['emotie'] },
  { name: { nl: 'Weerstand', en: 'Resistance' }, themeIds: ['weerstand'] },
  { name: { nl: 'Feedback', en: 'Feedback' }, themeIds: ['feedback'] },
  { name: { nl: 'Resultaten', en: 'Results' }, themeIds: ['resultaten'] },
  { name: { nl: 'Contact', en: 'Contact' }, themeIds: ['echtheid'] },
  { name: { nl: 'Beleving', en: 'Experience' }, themeIds: ['beleving'] },
  { name: { nl: 'Doelgerichtheid', en: 'Goal orientation' }, themeIds: ['doel', 'agenda'] },
  { name: { nl: 'Regie', en: 'Steering' }, themeIds: ['metacommunicatie', 'spreektijd'] },
  { name: { nl: 'Interventielogica', en: 'Intervention logic' }, themeIds: ['benadering'] },
];
