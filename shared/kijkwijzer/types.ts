/** Every piece of Kijkwijzer content carries the seed's Dutch text and an English translation. */
export interface Bilingual {
  readonly nl: string;
  readonly en: string;
}

/** A pickable option; ids are stable so stored answers survive wording changes. */
export interface KijkwijzerOption<Id extends string> {
  readonly id: Id;
  readonly label: Bilingual;
  /** The explanation the seed prints in parentheses after the label, if any. */
  readonly description?: Bilingual;
}
