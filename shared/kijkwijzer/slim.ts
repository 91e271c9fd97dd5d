/**
 * SLIM (Subjectief Logisch Interventie Model), the interventielogica behind the theme
 * "benadering en zelfbeeld": an approach works when the professional's role matches the
 * client's self-image, because then the assumed action-reaction logic holds.
 */
import type { Bilingual, KijkwijzerOption } from './types.ts';

export const SELF_IMAGE_IDS = ['wil-en-kan', 'wil-maar-kan-niet', 'opgegeven', 'laat-me-maar', 'anders'] as const;
export type SelfImageId = (typeof SELF_IMAGE_IDS)[number];

export const PROFESSIONAL_ROLE_IDS = ['facilitator', 'leraar', 'ouder', 'ondernemer', 'anders'] as const;
export type ProfessionalRoleId = (typeof PROFESSIONAL_ROLE_IDS)[number];

export const TRAJECTORY_IDS = ['kansen-bieden', 'leren', 'bij-de-hand-nemen', 'ondernemen'] as const;
export type TrajectoryId = (typeof TRAJECTORY_IDS)[number];

/** What the client (implicitly) says about themselves, worded as in the Kijkwijzer question. */
export const SLIM_SELF_IMAGES: readonly KijkwijzerOption<SelfImageId>[] = [
  {
    id: 'wil-en-kan',
    label: { nl: 'Ik wil en kan, geef me een kans', en: 'I want to and I can, give me a chance' },
  },
  {
    id: 'wil-maar-kan-niet',
    label: {
      nl: 'Ik wil wel, maar ik kan niet (ik vind het moeilijk, het lukt me niet)',
      en: "I do want to, but I can't (I find it difficult, I can't manage it)",
    },
  },
  {
    id: 'opgegeven',
    label: { nl: 'Ik heb het opgegeven, los jij het voor me op?', en: 'I have given up, will you solve it for me?' },
  },
  {
    id: 'laat-me-maar',
    label: {
      nl: 'Laat me maar, ik heb andere plannen met mijn leven',
      en: 'Leave me be, I have other plans for my life',
    },
  },
  { id: 'anders', label: { nl: 'Anders, namelijk …', en: 'Other, namely …' } },
];

/** The professional's role (opvatting), often held without being fully aware of it. */
export const SLIM_ROLES: readonly KijkwijzerOption<ProfessionalRoleId>[] = [
  {
    id: 'facilitator',
    label: { nl: 'Facilitator / verkoper', en: 'Facilitator / salesperson' },
    description: {
      nl: 'zoekprofiel maken, kansen creëren en bieden',
      en: 'drawing up a search profile, creating and offering opportunities',
    },
  },
  {
    id: 'leraar',
    label: { nl: 'Leraar', en: 'Teacher' },
    description: {
      nl: 'zelfinzicht vergroten, uitleggen, activeren, de cliënt dingen laten ontdekken',
      en: 'increasing self-insight, explaining, activating, letting the client discover things',
    },
  },
  {
    id: 'ouder',
    label: { nl: 'Ouder-figuur', en: 'Parent figure' },
    description: {
      nl: 'bij de hand nemen, stabiliseren en activeren',
      en: 'taking by the hand, stabilising and activating',
    },
  },
  {
    id: 'ondernemer',
    label: { nl: 'Ondernemer', en: 'Entrepreneur' },
    description: {
      nl: 'gelijkwaardig co-creëren, dromen en talenten concretiseren',
      en: 'co-creating as equals, making dreams and talents concrete',
    },
  },
  { id: 'anders', label: { nl: 'Anders, namelijk …', en: 'Other, namely …' } },
];

/** The logic of the trajectory that is deployed. */
export const SLIM_TRAJECTORIES: readonly KijkwijzerOption<TrajectoryId>[] = [
  {
    id: 'kansen-bieden',
    label: { nl: 'Kansen bieden', en: 'Offering opportunities' },
    description: {
      nl: 'bijvoorbeeld loonkostensubsidie, individuele jobhunting, positieve actie',
      en: 'for example wage cost subsidy, individual job hunting, positive action',
    },
  },
  {
    id: 'leren',
    label: { nl: 'Leren', en: 'Learning' },
    description: {
      nl: 'bijvoorbeeld training, werkervaring, zelfinzicht vergroten',
      en: 'for example training, work experience, increasing self-insight',
    },
  },
  {
    id: 'bij-de-hand-nemen',
    label: { nl: 'Bij de hand nemen', en: 'Taking by the hand' },
    description: {
      nl: 'directief, kleine stapjes, kort-cyclisch, intensief, warm, empowerment',
      en: 'directive, small steps, short cycles, intensive, warm, empowerment',
    },
  },
  {
    id: 'ondernemen',
    label: { nl: 'Ondernemen met dromen en talenten', en: 'Undertaking with dreams and talents' },
    description: {
      // "ondernemers- trajecten" is kept as printed in the seed.
      nl: 'bijvoorbeeld sociale coöperaties, micro-credieten, ondernemers- trajecten',
      en: 'for example social cooperatives, micro-credits, entrepreneurship trajectories',
    },
  },
];

/**
 * One row of the model: a self-image, the role and trajectory that fit it, and the need a
 * client voices with it (from the tip "luister welke behoefte hij daarmee uitspreekt").
 * The seed lists self-images, roles, trajectories and needs in the same order; that order is the match.
 */
export interface SlimMatch {
  readonly selfImage: Exclude<SelfImageId, 'anders'>;
  readonly role: Exclude<ProfessionalRoleId, 'anders'>;
  readonly trajectory: TrajectoryId;
  readonly need: Bilingual;
}

export const SLIM_MATCHES: readonly SlimMatch[] = [
  {
    selfImage: 'wil-en-kan',
    role: 'facilitator',
    trajectory: 'kansen-bieden',
    need: { nl: 'een kans', en: 'an opportunity' },
  },
  {
    selfImage: 'wil-maar-kan-niet',
    role: 'leraar',
    trajectory: 'leren',
    need: { nl: 'een leerbehoefte', en: 'a need to learn' },
  },
  {
    selfImage: 'opgegeven',
    role: 'ouder',
    trajectory: 'bij-de-hand-nemen',
    need: { nl: 'redding', en: 'rescue' },
  },
  {
    selfImage: 'laat-me-maar',
    role: 'ondernemer',
    trajectory: 'ondernemen',
    need: { nl: 'vormgeven aan alternatieve ambities', en: 'shaping alternative ambitions' },
  },
];

/**
 * "Klopt de benadering met het zelfbeeld?" A free-text 'anders' answer is outside the model,
 * so there is no verdict (null) rather than a false mismatch.
 */
export function matchesSelfImage(selfImage: SelfImageId, role: ProfessionalRoleId): boolean | null {
  if (selfImage === 'anders' || role === 'anders') return null;
  return SLIM_MATCHES.some((match) => match.selfImage === selfImage && match.role === role);
}
