/** The werkwijze: the seed's step-by-step plan for learning from recorded conversations. */
import type { Bilingual } from './types.ts';

export const STEP_IDS = ['opname', 'themas', 'terugkijken', 'bevragen', 'aanpassen', 'herhalen', 'delen'] as const;
export type StepId = (typeof STEP_IDS)[number];

export interface KijkwijzerStep {
  readonly id: StepId;
  readonly title: Bilingual;
  /** The step's text from the seed, in full (each is a short paragraph). */
  readonly description: Bilingual;
}

export const KIJKWIJZER_STEPS: readonly KijkwijzerStep[] = [
  {
    id: 'opname',
    title: { nl: 'Video opname', en: 'Video recording' },
    description: {
      nl:
        'Maak een video-opname van een gesprek met een cliënt. Vraag hiervoor expliciet toestemming aan de cliënt. ' +
        'Er is een toestemmingsformulier beschikbaar dat je hiervoor kunt gebruiken.',
      en:
        'Make a video recording of a conversation with a client. Ask the client explicitly for permission. There is ' +
        'a consent form available that you can use for this.',
    },
  },
  {
    id: 'themas',
    title: { nl: 'Thema’s', en: 'Themes' },
    description: {
      nl:
        'Benoem een doel voor het terugkijken. Als je terugdenkt aan het gesprek, waar heb je dan twijfels over? ' +
        'Kruis in de Kijkwijzer hieronder aan op welke thema’s je specifiek wilt letten.',
      en:
        'Set a goal for watching back. Thinking back to the conversation, what do you have doubts about? In the ' +
        'Kijkwijzer below, tick the themes you specifically want to pay attention to.',
    },
  },
  {
    id: 'terugkijken',
    title: { nl: 'Terugkijken', en: 'Watching back' },
    description: {
      nl:
        'Bekijk de video aan de hand van de thema’s in de Kijkwijzer. Je kunt dit alleen doen, samen met een ' +
        'collega, samen met een coach/trainer/onderzoeker, samen met je cliënt. Vraag expliciet toestemming aan de ' +
        'cliënt voor de manier waarop je de video wilt gebruiken.',
      en:
        'Watch the video with the themes of the Kijkwijzer in mind. You can do this alone, with a colleague, with a ' +
        'coach/trainer/researcher, or with your client. Ask the client explicitly for permission for the way you ' +
        'want to use the video.',
    },
  },
  {
    id: 'bevragen',
    title: { nl: 'Bevragen', en: 'Questioning' },
    description: {
      nl: 'Stel jezelf (of elkaar) vragen aan de hand van de verschillende thema’s.',
      en: 'Ask yourself (or each other) questions based on the different themes.',
    },
  },
  {
    id: 'aanpassen',
    title: { nl: 'Aanpassen', en: 'Adjusting' },
    description: {
      nl: 'Bedenk wat je voortaan of een volgende keer anders, meer of minder wilt doen (zie ook de tips).',
      en: 'Decide what you want to do differently, more or less from now on or next time (see also the tips).',
    },
  },
  {
    id: 'herhalen',
    title: { nl: 'Herhalen', en: 'Repeating' },
    description: {
      nl: 'Herhaal de voorgaande stappen met nieuwe video-opnamen.',
      en: 'Repeat the previous steps with new video recordings.',
    },
  },
  {
    id: 'delen',
    title: { nl: 'Delen', en: 'Sharing' },
    description: { nl: 'Deel je ervaringen met collega’s.', en: 'Share your experiences with colleagues.' },
  },
];

/** The werkwijze's general point of attention, printed next to the steps. */
export const GENERAL_ATTENTION_POINT: Bilingual = {
  nl:
    'Een algemeen aandachtspunt is dat de meeste cliënten aangeven dat ze zich voortdurend bewust zijn van de ' +
    'machtsverhoudingen. Wat er in hen omgaat, komt er vaak op een subtiele manier uit. Des te belangrijker om ' +
    'nauwkeurig te kijken naar wat er precies gebeurt en gezegd wordt. Een ander algemeen aandachtspunt dat bijna ' +
    'alle cliënten aangeven is dat ze persoonlijke aandacht fijn vinden, maar doelgerichtheid en structuur in ' +
    'gesprekken net zozeer.',
  en:
    'A general point of attention is that most clients say they are constantly aware of the power relations. What ' +
    'goes on inside them often comes out in subtle ways. All the more reason to look closely at exactly what happens ' +
    'and what is said. Another general point that almost all clients raise is that they appreciate personal ' +
    'attention, but value goal orientation and structure in conversations just as much.',
};
