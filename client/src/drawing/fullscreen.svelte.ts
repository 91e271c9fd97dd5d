/**
 * Full screen for the video area: the video with the drawing overlay, the tools and the controls
 * together, so pointers and drawings stay on the picture. The browser's own full screen of the
 * <video> would show the bare video (the overlay is a sibling, not part of it), so the player
 * offers none (controlslist="nofullscreen") and this puts the surrounding element in full screen
 * with the Fullscreen API. `active` follows `fullscreenchange`, whatever ended it: the button, F,
 * Esc or the browser.
 */
export class FullScreen {
  active = $state(false);
  /** The browser refused (not allowed in this frame, or no full screen at all). */
  refused = $state(false);
  readonly #element: HTMLElement;

  constructor(element: HTMLElement) {
    this.#element = element;
  }

  get supported(): boolean {
    return document.fullscreenEnabled;
  }

  /** Follows the document's full screen until the returned function is called. */
  watch(): () => void {
    const changed = () => {
      this.active = document.fullscreenElement === this.#element;
    };
    changed();
    document.addEventListener('fullscreenchange', changed);
    return () => document.removeEventListener('fullscreenchange', changed);
  }

  async toggle(): Promise<void> {
    this.refused = false;
    try {
      if (document.fullscreenElement === this.#element) await document.exitFullscreen();
      else await this.#element.requestFullscreen({ navigationUI: 'hide' });
    } catch {
      this.refused = true;
    }
  }
}
